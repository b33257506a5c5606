from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from kuyakusho.core.actions import add_refusal
from kuyakusho.core.errors import ApplicationError

from ..drafts import data_url

CSS_PX_PER_MM = Decimal("3.78")  # 96 CSS px per inch
DISPLAY_ENLARGE = 2


def apply[T](form: Any, run: Callable[[], T]) -> T | None:  # form: a form, or anything with fields and add_error
    """Call a service; a refusal goes back onto the form so that nothing typed is lost."""
    try:
        return run()
    except ApplicationError as e:
        add_refusal(form, e)
        return None


def impression(png: bytes, *, width_px: int, height_px: int, px_per_mm) -> dict:
    """What a template needs to show a stored impression at twice its real size."""
    scale = CSS_PX_PER_MM * DISPLAY_ENLARGE / Decimal(px_per_mm)
    return {"src": data_url(png), "width": round(width_px * scale), "height": round(height_px * scale)}
