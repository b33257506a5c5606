from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pypdf
import pytest

from kuyakusho.certificates.documents import wardkey

TOKYO = ZoneInfo("Asia/Tokyo")
#: A Wednesday at 10:00 in Tokyo: every channel is open.
OPEN = datetime(2025, 6, 11, 10, 0, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def _ward_key(settings, tmp_path_factory):
    """A demo ward key per test session, outside the developer's var/."""
    settings.VAR_DIR = tmp_path_factory.getbasetemp() / "var"
    settings.VAR_DIR.mkdir(exist_ok=True)
    wardkey.reset_cache()
    yield
    wardkey.reset_cache()


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
