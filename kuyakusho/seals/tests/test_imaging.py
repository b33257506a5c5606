"""The impression check: size on the ink, squareness, refusals, and a stored PNG without metadata."""

from __future__ import annotations

import io
import random
import struct
import zlib
from decimal import Decimal

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from kuyakusho.core.errors import ApplicationError
from kuyakusho.seals.imaging import check_seal_image, clean_scale

from .images import jpeg_bytes, png_bytes, seal_image, seal_png


def chunks(png: bytes) -> list[str]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, names = 8, []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        names.append(png[pos + 4:pos + 8].decode("ascii"))
        pos += 12 + length
    return names


def refused(data: bytes, scale="12", field="image") -> str:
    with pytest.raises(ApplicationError) as e:
        check_seal_image(data, px_per_mm=scale)
    assert e.value.field == field
    return str(e.value.message)


@pytest.mark.parametrize(("mm", "scale"), [(15, 12), (8.5, 12), (24, 8), (18, 40), (12.5, 23.62)])
def test_the_size_is_measured_on_the_ink_not_the_canvas(mm, scale):
    seal = check_seal_image(seal_png(width_mm=mm, px_per_mm=scale, canvas_mm=60), px_per_mm=scale)
    assert abs(seal.width_mm - Decimal(str(mm))) <= Decimal("0.2")
    assert abs(seal.height_mm - Decimal(str(mm))) <= Decimal("0.2")
    assert seal.stated_px_per_mm == clean_scale(scale)
    assert seal.image_px_per_mm == min(Decimal(str(scale)).quantize(Decimal("0.01")), Decimal(16))
    stored = Image.open(io.BytesIO(seal.png))
    assert stored.format == "PNG" and stored.mode == "RGB" and stored.size == (seal.width_px, seal.height_px)
    # Cropped to the impression plus a 1 mm margin, at the stored scale.
    assert abs(stored.width / float(seal.image_px_per_mm) - (mm + 2)) < 0.6


def test_square_seal_and_transparent_background_are_accepted():
    seal = check_seal_image(seal_png(width_mm=20, shape="square"), px_per_mm=12)
    assert seal.width_mm == seal.height_mm == Decimal("20.0")
    transparent = png_bytes(seal_image(width_mm=10, mode="RGBA"))
    assert check_seal_image(transparent, px_per_mm=12).width_mm == Decimal("10.0")


def test_dust_on_the_scan_does_not_change_the_size():
    seal = check_seal_image(seal_png(width_mm=12, specks=True, canvas_mm=50), px_per_mm=12)
    assert seal.width_mm == seal.height_mm == Decimal("12.0")


def test_grey_scanner_background_is_not_ink():
    seal = check_seal_image(seal_png(width_mm=16, background=(205, 200, 190)), px_per_mm=12)
    assert seal.width_mm == Decimal("16.0")


@pytest.mark.parametrize("mm", [5, 7.5])
def test_too_small_is_refused(mm):
    message = refused(seal_png(width_mm=mm))
    assert "8 mm以上25 mm以下" in message and "解像度" in message


def test_too_big_is_refused():
    assert "25 mm" in refused(seal_png(width_mm=30, canvas_mm=40))


def test_the_stated_scale_decides_the_size():
    data = seal_png(width_mm=15, px_per_mm=12)  # 180 px wide
    assert check_seal_image(data, px_per_mm=12).width_mm == Decimal("15.0")
    assert "8 mm以上" in refused(data, scale="30")  # 6 mm at 30 px/mm


def test_not_square_is_refused():
    message = refused(seal_png(width_mm=20, height_mm=12, shape="square"))
    assert "正方形" in message and "20.0" in message and "12.0" in message


def test_slightly_out_of_square_is_accepted():
    seal = check_seal_image(seal_png(width_mm=15, height_mm=14.2, shape="circle"), px_per_mm=12)
    assert seal.aspect <= Decimal("1.10")


@pytest.mark.parametrize("data", [b"hello", b"%PDF-1.7 ...", b"GIF89a" + b"\0" * 40])
def test_non_images_are_refused(data):
    assert "PNGまたはJPEG" in refused(data)


def test_other_image_formats_are_refused():
    out = io.BytesIO()
    seal_image(width_mm=15).save(out, format="GIF")
    assert "PNGまたはJPEG" in refused(out.getvalue())


def test_empty_and_truncated_files_are_refused():
    assert "選んで" in refused(b"")
    data = seal_png(width_mm=15)
    assert "読み取れません" in refused(data[: len(data) // 2])


def test_blank_paper_has_no_impression():
    assert "見つかりません" in refused(png_bytes(Image.new("RGB", (300, 300), "white")))


def test_files_over_2_mb_are_refused():
    noise = Image.frombytes("RGB", (1000, 1000), random.Random(1).randbytes(3_000_000))
    data = png_bytes(noise)
    assert len(data) > 2 * 1024 * 1024
    assert "2MB" in refused(data)


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims to be huge (one compressed blank row): a decompression bomb."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * (1 + (width + 7) // 8) * 16, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(("w", "h"), [(9000, 100), (6000, 6000), (40000, 40000)])
def test_decompression_bombs_are_refused_before_decoding(w, h):
    data = _png_header_only(w, h)
    assert len(data) < 10_000
    assert "画素数が大きすぎます" in refused(data)


def test_pillow_bomb_guard_is_also_turned_into_a_refusal(settings):
    settings.SEAL_MAX_PIXELS = 10**12
    settings.SEAL_MAX_SIDE_PX = 10**6
    assert "画素数が大きすぎます" in refused(_png_header_only(20000, 20000))


@pytest.mark.parametrize("scale", ["0", "-3", "abc", "1000", "NaN", ""])
def test_bad_scale_is_refused(scale):
    assert "解像度" in refused(seal_png(), scale=scale, field="px_per_mm")


def _metadata():
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0131] = "Scanner 1.0 owner=山田"  # Software
    exif[0x8825] = {1: "N", 2: (35.0, 44.0, 10.0)}  # GPS
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return exif, icc


def test_png_metadata_is_stripped():
    exif, icc = _metadata()
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Yamada Taro")
    info.add_text("Comment", "山田 太郎")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>secret</x:xmpmeta>")
    data = png_bytes(seal_image(width_mm=15), pnginfo=info, exif=exif.tobytes(), icc_profile=icc, dpi=(300, 300))
    before = chunks(data)
    assert {"tEXt", "iTXt", "eXIf", "iCCP", "pHYs"} <= set(before)
    seal = check_seal_image(data, px_per_mm=12)
    assert set(chunks(seal.png)) == {"IHDR", "IDAT", "IEND"}
    stored = Image.open(io.BytesIO(seal.png))
    assert not stored.info and not stored.getexif()
    for secret in (b"SecretCam", b"xmpmeta", b"Yamada", "山田".encode(), b"Scanner"):
        assert secret not in seal.png


def test_jpeg_metadata_is_stripped_and_orientation_applied():
    exif, icc = _metadata()
    exif[0x0112] = 6  # rotate 90° on display
    image = seal_image(width_mm=20, height_mm=16, shape="square")
    data = jpeg_bytes(image, exif=exif.tobytes(), icc_profile=icc, xmp=b"<x:xmpmeta>secret</x:xmpmeta>")
    assert b"SecretCam" in data and b"xmpmeta" in data
    with pytest.raises(ApplicationError):  # 20 × 16 is not square: the check ran on the upright image
        check_seal_image(data, px_per_mm=12)
    seal = check_seal_image(jpeg_bytes(seal_image(width_mm=18), exif=exif.tobytes(), icc_profile=icc,
                                       xmp=b"<x:xmpmeta>secret</x:xmpmeta>"), px_per_mm=12)
    assert set(chunks(seal.png)) == {"IHDR", "IDAT", "IEND"}
    assert b"SecretCam" not in seal.png and b"xmpmeta" not in seal.png
    assert abs(seal.width_mm - 18) <= Decimal("0.3")


def test_upright_orientation_is_measured(settings):
    exif = Image.Exif()
    exif[0x0112] = 6
    data = jpeg_bytes(seal_image(width_mm=20, height_mm=18.5, shape="square"), exif=exif.tobytes())
    seal = check_seal_image(data, px_per_mm=12)
    assert seal.height_mm > seal.width_mm  # turned a quarter: 18.5 wide, 20 high
