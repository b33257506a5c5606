"""Pictures on a certificate: the mayor's seal (generated once), seal impressions and the QR code.

Images become PDF image XObjects (Flate-compressed samples, alpha as a soft mask); conversions are cached by
the PNG's bytes, so a ward's seal or a resident's impression is decoded once per process.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from functools import cache, lru_cache

import segno
from PIL import Image, ImageDraw, ImageFont

from kuyakusho.core.ward import ward

from .fonts import DEFAULT_FONT
from .pdf import num

SEAL_RED = (200, 22, 30)
MAX_IMAGE_PIXELS = 600  # longest side kept: a 25 mm impression at 600 dpi
QR_MASK = 2


@dataclass(frozen=True)
class PdfImage:
    width: int
    height: int
    color_space: bytes
    samples: bytes  # Flate-compressed
    alpha: bytes | None  # Flate-compressed 8-bit soft mask


def _to_pdf_image(image: Image.Image) -> PdfImage:
    if max(image.size) > MAX_IMAGE_PIXELS:
        image = image.copy()
        image.thumbnail((MAX_IMAGE_PIXELS, MAX_IMAGE_PIXELS), Image.Resampling.LANCZOS)
    alpha = None
    if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        a = rgba.getchannel("A")
        if a.getextrema() != (255, 255):
            alpha = zlib.compress(a.tobytes(), 6)
        image = rgba.convert("RGB")
    elif image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    space = b"/DeviceGray" if image.mode == "L" else b"/DeviceRGB"
    return PdfImage(image.width, image.height, space, zlib.compress(image.tobytes(), 6), alpha)


@lru_cache(maxsize=512)
def pdf_image_from_png(png: bytes) -> PdfImage:
    """Decode a PNG (or any image Pillow reads) once; raises ValueError for bytes that are no image."""
    try:
        with Image.open(io.BytesIO(png)) as image:
            image.load()
            return _to_pdf_image(image)
    except (OSError, Image.DecompressionBombError) as exc:
        raise ValueError("not a readable image") from exc


def mayor_seal_png(text: str | None = None, size: int = 360) -> bytes:
    """The mayor's seal: the ward's seal image if its profile has one, else one generated from ``text``
    (default: the profile's seal text, 練馬区長之印). Each is read or drawn once per process."""
    if text is None:
        profile = ward()
        if profile.seal_image:
            return _seal_file(profile.seal_image)
        text = profile.seal_text
    return generated_seal_png(text, size)


@lru_cache(maxsize=4)
def _seal_file(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


@cache
def generated_seal_png(text: str, size: int = 360) -> bytes:
    """A square red seal in the style of a 区長印: the characters in columns read right to left.

    Up to six characters stand in columns of two (練馬区長之印: 練馬・区長・之印), seven to nine in three columns
    of up to three (世田谷区長之印: 世田谷・区長・之印); the right-hand columns take the extra characters.
    """
    # Red everywhere, the shape in the alpha channel alone: the colour samples then compress to almost nothing.
    image = Image.new("RGBA", (size, size), (*SEAL_RED, 0))
    draw = ImageDraw.Draw(image)
    colour = (*SEAL_RED, 255)
    border = size // 16
    draw.rectangle((border // 2, border // 2, size - border // 2 - 1, size - border // 2 - 1),
                   outline=colour, width=border)
    rows = 2 if len(text) <= 6 else 3
    count = max(1, -(-len(text) // rows))
    sizes = [len(text) // count + (1 if c < len(text) % count else 0) for c in range(count)]
    columns = [text[sum(sizes[:c]) : sum(sizes[: c + 1])] for c in range(count)]
    inner = size - 3 * border
    col_w = inner / len(columns)
    font = ImageFont.truetype(str(DEFAULT_FONT), int(min(col_w, inner / rows) * 1.02))
    for c, chars in enumerate(columns):
        x_center = size - 1.5 * border - col_w * (c + 0.5)
        row_h = inner / max(1, len(chars))
        for r, ch in enumerate(chars):
            y_center = 1.5 * border + row_h * (r + 0.5)
            glyph = Image.new("L", (size, size), 0)
            ImageDraw.Draw(glyph).text((size / 2, size / 2), ch, font=font, fill=255, anchor="mm",
                                       stroke_width=max(1, size // 90), stroke_fill=255)
            box = glyph.getbbox()
            if box is None:
                continue
            glyph = glyph.crop(box).resize((int(col_w * 0.9), int(row_h * 0.92)), Image.Resampling.LANCZOS)
            image.paste(Image.new("RGBA", glyph.size, colour),
                        (int(x_center - glyph.width / 2), int(y_center - glyph.height / 2)), glyph)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def qr_path(url: str, x: float, y: float, size: float) -> tuple[bytes, int]:
    """PDF path operators filling the dark modules of a QR code for ``url`` in a ``size`` square at (x, y)
    (lower left), with the quiet zone inside the square; returns (operators, modules per side)."""
    # A fixed mask: choosing the "best" of eight costs ~4 ms a code and is optional (ISO/IEC 18004 7.8.2).
    qr = segno.make(url, error="m", micro=False, boost_error=False, mask=QR_MASK)
    matrix = qr.matrix
    n = len(matrix)
    quiet = 2
    module = size / (n + 2 * quiet)
    # Module units: one module is 1 × 1, the origin the top-left module; rows grow downwards.
    ops = bytearray(b"q %s 0 0 %s %s %s cm\n" % (num(module), num(module), num(x + quiet * module),
                                                   num(y + size - quiet * module)))
    for r, row in enumerate(matrix):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                ops += b"%d -%d %d 1.02 re\n" % (start, r + 1, c - start)
            else:
                c += 1
    ops += b"f Q\n"
    return bytes(ops), n
