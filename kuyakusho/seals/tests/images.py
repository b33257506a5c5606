"""Seal-like test images made with Pillow: a red ring (丸印) or square (角印) of a given size in mm."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

RED = (200, 30, 40)


def seal_image(*, width_mm: float = 15, height_mm: float | None = None, px_per_mm: float = 12,
               canvas_mm: float = 40, shape: str = "circle", colour=RED, background=(255, 255, 255),
               mode: str = "RGB", specks: bool = False) -> Image.Image:
    """An impression centred on a paper-coloured canvas (``shape``: circle, square or text)."""
    height_mm = width_mm if height_mm is None else height_mm
    side = round(max(canvas_mm, width_mm + 4, height_mm + 4) * px_per_mm)
    image = Image.new("RGBA" if mode == "RGBA" else "RGB", (side, side),
                      (255, 255, 255, 0) if mode == "RGBA" else background)
    draw = ImageDraw.Draw(image)
    w, h = round(width_mm * px_per_mm), round(height_mm * px_per_mm)
    left, top = (side - w) // 2, (side - h) // 2
    box = (left, top, left + w - 1, top + h - 1)
    stroke = max(2, round(0.8 * px_per_mm))
    if shape == "circle":
        draw.ellipse(box, outline=colour, width=stroke)
        draw.line((side // 2, top + 2 * stroke, side // 2, top + h - 2 * stroke), fill=colour, width=stroke)
    else:
        draw.rectangle(box, outline=colour, width=stroke)
        draw.rectangle((left + w // 3, top + h // 3, left + 2 * w // 3, top + 2 * h // 3), fill=colour)
    if specks:  # dust far from the impression
        for x, y in ((3, 3), (side - 5, 7), (9, side - 4)):
            draw.point((x, y), fill=(20, 20, 20))
    return image


def png_bytes(image: Image.Image, **save) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", **save)
    return out.getvalue()


def seal_png(**kw) -> bytes:
    return png_bytes(seal_image(**kw))


def jpeg_bytes(image: Image.Image, **save) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=90, **save)
    return out.getvalue()
