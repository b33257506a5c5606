"""Settings of seal registration, with the ward's defaults (override in ``config/settings.py``).

``SEAL_INQUIRY_ANSWER_MONTHS``   months the resident has to return the 回答書 (default 1)
``SEAL_MIN_AGE``                 minimum age on the day of registration (default 15)
``SEAL_MIN_SIZE_MM`` / ``SEAL_MAX_SIZE_MM``   the impression's size (default 8 and 25 mm)
``SEAL_ASPECT_TOLERANCE``        how far from square the ink may be (default 0.10 = 10 %)
``SEAL_MAX_UPLOAD_BYTES``        largest accepted file (default 2 MB)
``SEAL_MAX_PIXELS``              largest decoded image (default 25 million pixels, at most 8000 px a side)
``SEAL_STORED_PX_PER_MM``        resolution of the stored impression (default 16 px/mm ≈ 406 dpi)
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from kuyakusho.core.dates import age_on  # noqa: F401  (seals ask for an age here, as before)


def _get(name: str, default):
    return getattr(settings, name, default)


def answer_months() -> int:
    return int(_get("SEAL_INQUIRY_ANSWER_MONTHS", 1))


def min_age() -> int:
    return int(_get("SEAL_MIN_AGE", 15))


def min_size_mm() -> Decimal:
    return Decimal(str(_get("SEAL_MIN_SIZE_MM", 8)))


def max_size_mm() -> Decimal:
    return Decimal(str(_get("SEAL_MAX_SIZE_MM", 25)))


def aspect_tolerance() -> Decimal:
    return Decimal(str(_get("SEAL_ASPECT_TOLERANCE", "0.10")))


def max_upload_bytes() -> int:
    return int(_get("SEAL_MAX_UPLOAD_BYTES", 2 * 1024 * 1024))


def max_pixels() -> int:
    return int(_get("SEAL_MAX_PIXELS", 25_000_000))


def max_side_px() -> int:
    return int(_get("SEAL_MAX_SIDE_PX", 8000))


def stored_px_per_mm() -> Decimal:
    return Decimal(str(_get("SEAL_STORED_PX_PER_MM", 16)))
