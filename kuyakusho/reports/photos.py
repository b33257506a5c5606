"""Photos: read what phones send (JPEG, PNG, HEIC/HEIF through pillow-heif), refuse what is not an image, too
large or a decompression bomb, turn it upright, shrink it and write a new JPEG that carries no metadata at all
(no EXIF, so no GPS or camera serial; no XMP, no ICC profile, no comments). The GPS position in the EXIF can be
read first, to propose the report's place when the reporter agrees."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import pillow_heif
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageFilter, UnidentifiedImageError

from kuyakusho.core.errors import ApplicationError, ErrorCode

pillow_heif.register_heif_opener()

MAX_BYTES = 20 * 1024 * 1024  # 20 MB a file
MAX_PIXELS = 50_000_000  # a 50-megapixel image is the most a phone takes; more is a bomb
# Stored photos' longest side: 1,000 px shows a broken light, a pothole or a number plate to be blurred, and a
# 12 MP JPEG decodes straight to it at 1/4 of its DCT scale (the budget is 300 ms a photo on a busy server).
MAX_SIDE = 1000
THUMB_SIDE = 320
FORMATS = {"JPEG", "PNG", "HEIF", "MPO"}
QUALITY = 82



StrOrPromise = str | Promise


@dataclass(frozen=True)
class Processed:
    data: bytes
    thumb: bytes
    width: int
    height: int
    gps: tuple[float, float] | None  # (lat, lon) read from the EXIF before it was dropped


def _refuse(message: StrOrPromise) -> ApplicationError:
    return ApplicationError(ErrorCode.INVALID_INPUT, message, field="photos")


def _gps(image: Image.Image) -> tuple[float, float] | None:
    try:
        info = image.getexif().get_ifd(0x8825)  # GPSInfo
    except Exception:
        return None
    try:
        def degrees(values: tuple[object, object, object], ref: str) -> float:
            d, m, s = (float(v) for v in values)  # type: ignore[arg-type]  # EXIF rationals
            value = d + m / 60 + s / 3600
            return -value if ref in ("S", "W") else value

        lat = degrees(info[2], info.get(1, "N"))
        lon = degrees(info[4], info.get(3, "E"))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # A new file from the pixels only: no exif=, no icc_profile=, no comment, nothing carried over.
    image.save(out, "JPEG", quality=QUALITY, optimize=False, progressive=False)
    return out.getvalue()


def process(raw: bytes) -> Processed:
    """A stored photo from an uploaded file, or ApplicationError (nothing to store)."""
    if len(raw) > MAX_BYTES:
        raise _refuse(_("写真は1枚20MBまでです。"))
    try:
        image: Image.Image = Image.open(io.BytesIO(raw))
        if image.format not in FORMATS:
            raise _refuse(_("写真はJPEG・PNG・HEICの画像を選んでください。"))
        width, height = image.size
        if width * height > MAX_PIXELS or width <= 0 or height <= 0:
            raise _refuse(_("写真の画素数が大きすぎます（5,000万画素まで）。"))
        gps = _gps(image)
        orientation = image.getexif().get(0x0112, 1)
        # Decode no larger than the stored size needs. A JPEG decodes at a reduced DCT scale (1/2, 1/4, 1/8): a
        # 12 MP photo at 1/2. A HEIC decodes from an embedded preview when the phone stored one at least that large
        # and pillow-heif finds it a scaled copy of the image (same crop, rotation and colours); phones store small
        # thumbnails or none (an iPhone's is 320×240), so their photos are decoded whole, the 512×512 tiles of the
        # grid in parallel.
        scale = MAX_SIDE / max(width, height)
        image.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
        image.load()
        if image.mode != "RGB":
            image = image.convert("RGB")
    except ApplicationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise _refuse(_("写真として読み込めないファイルです。JPEG・PNG・HEICの画像を選んでください。")) from None
    except (OSError, ValueError, SyntaxError):
        raise _refuse(_("写真として読み込めないファイルです。JPEG・PNG・HEICの画像を選んでください。")) from None
    factor = max(image.size) // MAX_SIDE
    if factor >= 2:  # a box reduction first (fast, and exact for whole factors), then the small remainder
        image = image.reduce(factor)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.BILINEAR)
    transpose = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
                 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
                 8: Image.Transpose.ROTATE_90}.get(orientation if isinstance(orientation, int) else 1)
    if transpose is not None:
        image = image.transpose(transpose)
    image.info.clear()  # nothing of the original file's EXIF, XMP, ICC profile or comments goes with the pixels
    return Processed(data=_jpeg(image), thumb=thumbnail(image), width=image.width, height=image.height, gps=gps)


def thumbnail(image: Image.Image) -> bytes:
    factor = max(image.size) // THUMB_SIDE
    small = image.reduce(factor) if factor >= 2 else image.copy()
    small.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.BILINEAR)
    small.info.clear()
    return _jpeg(small)


def thumbnail_of(data: bytes) -> bytes:
    return thumbnail(Image.open(io.BytesIO(data)).convert("RGB"))


def blurred(data: bytes) -> tuple[bytes, bytes]:
    """A copy blurred enough that faces, number plates and house details cannot be read, and its thumbnail."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    radius = max(image.width, image.height) / 60
    soft = image.filter(ImageFilter.GaussianBlur(radius))
    return _jpeg(soft), thumbnail(soft)


