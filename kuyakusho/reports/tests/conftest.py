from __future__ import annotations

import io
from typing import Any

import pillow_heif
import pytest
from PIL import Image

from kuyakusho.accounts.capabilities import Role

# 豊玉北6丁目 (練馬区役所のあたり): inside the ward.
LAT, LON = 35.735623, 139.651658


def _dms(value: float) -> tuple[float, float, float]:
    d = int(value)
    m = int((value - d) * 60)
    s = round(((value - d) * 60 - m) * 60, 4)
    return (float(d), float(m), float(s))


def jpeg(width: int = 640, height: int = 480, *, gps: tuple[float, float] | None = None, color=(200, 120, 40),
         xmp: bool = True, pattern: bool = False) -> bytes:
    """A JPEG with EXIF (camera, a serial number, optionally GPS) and XMP, as phones write them."""
    image = Image.new("RGB", (width, height), color)
    if pattern:  # detail for a blur to remove
        from PIL import ImageDraw

        draw = ImageDraw.Draw(image)
        for x in range(0, width, 8):
            draw.line([(x, 0), (x, height)], fill=(0, 0, 0), width=2)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Phone 15"
    exif[0xA431] = "SERIAL-123456"  # BodySerialNumber (in the Exif IFD, but Pillow writes it where asked)
    if gps is not None:
        exif[0x8825] = {1: "N", 2: _dms(gps[0]), 3: "E", 4: _dms(gps[1])}
    out = io.BytesIO()
    extra = {"xmp": b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret</x:xmpmeta>'} if xmp else {}
    image.save(out, "JPEG", exif=exif, quality=90, **extra)
    return out.getvalue()


def heic(width: int = 1200, height: int = 900, *, gps: tuple[float, float] | None = None,
         thumbnails: tuple[int, ...] = (320,)) -> bytes:
    """A HEIC as an iPhone writes it: the sensor's pixels (left half red, right half blue) in a grid of 512×512
    tiles, taken upright (EXIF orientation 6, stored as a rotation the decoder applies), EXIF with the camera and
    optionally GPS, XMP, and a 320 px thumbnail."""
    image = Image.new("RGB", (width, height), (220, 20, 20))
    image.paste((20, 20, 220), (width // 2, 0, width, height))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0xA431] = "SERIAL-123456"
    exif[0x0112] = 6
    if gps is not None:
        exif[0x8825] = {1: "N", 2: _dms(gps[0]), 3: "E", 4: _dms(gps[1])}
    heif = pillow_heif.from_bytes("RGB", image.size, image.tobytes())
    heif[0].info["exif"] = exif.tobytes()
    heif[0].info["xmp"] = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret</x:xmpmeta>'
    out = io.BytesIO()
    heif.save(out, quality=60, chroma=420, tile_size=512, thumbnails=list(thumbnails))
    return out.getvalue()


def png(width: int = 300, height: int = 200) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 200, 10)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def account(db):
    from kuyakusho.identity.models import PortalAccount

    return PortalAccount.objects.create(kind="email", email="reporter@example.jp", password="x",
                                        notify_email="reporter@example.jp")


@pytest.fixture
def neighbour(db):
    from kuyakusho.identity.models import PortalAccount

    return PortalAccount.objects.create(kind="email", email="neighbour@example.jp", password="x")


@pytest.fixture
def handler(make_staff):
    return make_staff(Role.REPORTS, "roads")


@pytest.fixture
def new_report():
    from kuyakusho.reports.services import NewReport

    def make(**kw) -> NewReport:
        values: dict[str, Any] = {"category": "streetlight", "description": "街路灯が消えています。", "lat": LAT,
                                  "lon": LON}
        values.update(kw)
        return NewReport(**values)

    return make


@pytest.fixture
def submit(account, new_report):
    from kuyakusho.reports.services import submit_report

    def make(actor=account, **kw):
        return submit_report(actor=actor, new=new_report(**kw), client_address="192.0.2.1")

    return make


@pytest.fixture
def resident_client(client):
    """``resident_client(account)``: the test client with a resident session for that account."""
    from django.conf import settings
    from django.http import HttpResponse

    from kuyakusho.identity import sessions

    def sign_in(account):
        response = HttpResponse()
        sessions.begin(response, account=account, card=False)
        client.cookies[settings.RESIDENT_SESSION_COOKIE_NAME] = response.cookies[
            settings.RESIDENT_SESSION_COOKIE_NAME].value
        return client

    return sign_in
