"""Reading, checking and re-encoding a seal impression (印影) with Pillow.

The size is measured on the *ink*, not the canvas: a pixel is ink when it is dark or red (the mean of its
green and blue channels is below ``INK_THRESHOLD``: white or grey paper is not, vermilion and black ink
are). Rows and columns holding only a few stray ink pixels (dust, scanner noise) are ignored, so the
bounding box is that of the impression. The stored image is the impression cropped with a 1 mm margin,
scaled down to at most ``SEAL_STORED_PX_PER_MM`` and re-encoded as a PNG from its pixels only: no EXIF,
XMP, ICC profile or text chunks survive.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import cast

from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageChops, ImageOps, UnidentifiedImageError

from kuyakusho.core.errors import ApplicationError, ErrorCode

from . import conf

FIELD = "image"
SCALE_FIELD = "px_per_mm"
ACCEPTED_FORMATS = ("PNG", "JPEG")
INK_THRESHOLD = 155
NOISE_SHARE = 0.02  # a row/column is part of the impression if it holds ≥ 2 % of the fullest one's ink
MIN_INK_PIXELS = 2
MARGIN_MM = Decimal(1)
MIN_SCALE = Decimal("2")
MAX_SCALE = Decimal("100")


@dataclass(frozen=True)
class CheckedSeal:
    """An impression that passed every check, ready to be stored."""

    png: bytes
    sha256: str
    width_px: int
    height_px: int
    image_px_per_mm: Decimal
    stated_px_per_mm: Decimal
    width_mm: Decimal
    height_mm: Decimal

    @property
    def aspect(self) -> Decimal:
        return (max(self.width_mm, self.height_mm) / min(self.width_mm, self.height_mm)).quantize(Decimal("0.01"))


def _refuse(message, field: str = FIELD) -> ApplicationError:
    return ApplicationError(ErrorCode.INVALID_INPUT, message, field=field)


def clean_scale(value) -> Decimal:
    """The stated scale in pixels per millimetre (e.g. 11.81 for 300 dpi)."""
    try:
        scale = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise _refuse(_("解像度（画素/mm）は数値で入力してください（例：300dpiなら11.81）。"), SCALE_FIELD) from None
    if not scale.is_finite() or not MIN_SCALE <= scale <= MAX_SCALE:
        raise _refuse(_("解像度（画素/mm）は2以上100以下で入力してください（例：300dpiなら11.81）。"), SCALE_FIELD)
    return scale.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _open(data: bytes) -> Image.Image:
    if not data:
        raise _refuse(_("印影の画像を選んでください。"))
    if len(data) > conf.max_upload_bytes():
        raise _refuse(_("印影の画像のファイルが大きすぎます（2MBまで）。"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            width, height = image.size
            if width > conf.max_side_px() or height > conf.max_side_px() or width * height > conf.max_pixels():
                raise _refuse(_("印影の画像の画素数が大きすぎます。解像度を下げて読み取ってください。"))
            image.load()
    except ApplicationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(_("印影の画像の画素数が大きすぎます。解像度を下げて読み取ってください。")) from None
    except UnidentifiedImageError:
        raise _refuse(_("印影の画像はPNGまたはJPEG形式の画像にしてください。")) from None
    except (OSError, SyntaxError, ValueError):
        raise _refuse(_("印影の画像を読み取れません。ファイルが壊れていないか確かめてください。")) from None
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """Upright (EXIF orientation applied), RGB, transparency on white."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _span(profile: list[float]) -> tuple[int, int] | None:
    """First and last index whose ink count is above the noise level."""
    top = max(profile, default=0)
    if top < MIN_INK_PIXELS:
        return None
    floor = max(MIN_INK_PIXELS, top * NOISE_SHARE)
    inked = [i for i, count in enumerate(profile) if count >= floor]
    return inked[0], inked[-1]


def ink_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """The impression's bounding box (left, top, right, bottom; right/bottom exclusive), or None if no ink."""
    _r, g, b = image.split()
    mean_gb = ImageChops.add(g, b, scale=2.0)
    mask = mean_gb.point(lambda v: 1 if v < INK_THRESHOLD else 0).convert("F")
    width, height = image.size
    # one band (mode L): each value is a number
    rows = [cast(float, v) * width for v in mask.resize((1, height), Image.Resampling.BOX).get_flattened_data()]
    cols = [cast(float, v) * height for v in mask.resize((width, 1), Image.Resampling.BOX).get_flattened_data()]
    ys, xs = _span(rows), _span(cols)
    if ys is None or xs is None:
        return None
    return xs[0], ys[0], xs[1] + 1, ys[1] + 1


def _mm(px: int, scale: Decimal) -> Decimal:
    return (Decimal(px) / scale).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def encode_png(image: Image.Image) -> bytes:
    """PNG from the pixels alone (a fresh image: no info, EXIF, ICC profile or text chunks)."""
    clean = Image.new("RGB", image.size)
    clean.paste(image.convert("RGB"))
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return out.getvalue()


def check_seal_image(data: bytes, *, px_per_mm) -> CheckedSeal:
    """Open, check and re-encode an uploaded impression; raise ``ApplicationError`` naming the field."""
    scale = clean_scale(px_per_mm)
    image = _flatten(_open(data))
    box = ink_box(image)
    if box is None:
        raise _refuse(_("印影の画像に印影が見つかりません。白い紙に押した印影を読み取ってください。"))
    width_mm, height_mm = _mm(box[2] - box[0], scale), _mm(box[3] - box[1], scale)
    low, high = conf.min_size_mm(), conf.max_size_mm()
    if min(width_mm, height_mm) < low or max(width_mm, height_mm) > high:
        raise _refuse(_("印影の大きさが幅%(w)s mm・高さ%(h)s mmです。"
                        "%(low)s mm以上%(high)s mm以下の印影を登録してください。"
                        "解像度（画素/mm）が正しいかも確かめてください。")
                      % {"w": width_mm, "h": height_mm, "low": low, "high": high})
    ratio = max(width_mm, height_mm) / min(width_mm, height_mm)
    if ratio > 1 + conf.aspect_tolerance():
        raise _refuse(_("印影の形がほぼ正方形（または円形）ではありません（幅%(w)s mm・高さ%(h)s mm）。"
                        "縦横の比は%(tol)s%%以内にしてください。")
                      % {"w": width_mm, "h": height_mm, "tol": int(conf.aspect_tolerance() * 100)})
    margin = int(MARGIN_MM * scale)
    crop = image.crop((max(box[0] - margin, 0), max(box[1] - margin, 0),
                       min(box[2] + margin, image.width), min(box[3] + margin, image.height)))
    stored_scale = min(scale, conf.stored_px_per_mm())
    if stored_scale < scale:
        factor = stored_scale / scale
        size = (max(1, round(crop.width * factor)), max(1, round(crop.height * factor)))
        crop = crop.resize(size, Image.Resampling.LANCZOS)
    png = encode_png(crop)
    return CheckedSeal(png=png, sha256=hashlib.sha256(png).hexdigest(), width_px=crop.width, height_px=crop.height,
                       image_px_per_mm=stored_scale, stated_px_per_mm=scale, width_mm=width_mm, height_mm=height_mm)
