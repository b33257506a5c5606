"""The report service: what it stores, what it refuses (storing nothing), its audit records and notices."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import timedelta

import pillow_heif
import pytest
from django.core import mail
from django.utils import timezone
from PIL import Image
from pillow_heif import as_plugin

from kuyakusho.audit.models import AuditEvent
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.portal.models import PortalNotice
from kuyakusho.reports import geo, photos, selectors, services
from kuyakusho.reports.models import Follower, Photo, Report, Status, StatusChange

from .conftest import LAT, LON, heic, jpeg, png

pytestmark = pytest.mark.django_db


def north_of(metres: float) -> float:
    return LAT + metres / geo.M_PER_DEG_LAT


def assert_nothing_stored():
    assert Report.objects.count() == 0
    assert Photo.objects.count() == 0


def test_a_report_is_received_with_its_photos_stripped_and_the_reporter_following(submit, account):
    report = submit(photos=[jpeg(4000, 3000, gps=(LAT, LON)), png()])
    assert report.status == Status.RECEIVED and report.town
    assert report.due_at - report.created_at == timedelta(days=7)  # the street lights' SLA
    stored = list(report.photos.order_by("id"))
    assert len(stored) == 2
    for photo in stored:
        image = Image.open(io.BytesIO(bytes(photo.data)))
        assert image.format == "JPEG"
        assert max(image.size) <= photos.MAX_SIDE
        assert not image.getexif()  # no EXIF at all: no GPS, no camera, no serial number
        assert "exif" not in image.info and "xmp" not in image.info and "icc_profile" not in image.info
        assert b"SERIAL-123456" not in bytes(photo.data) and b"xmpmeta" not in bytes(photo.data)
        assert b"Exif" not in bytes(photo.data)
    assert (stored[0].width, stored[0].height) == (photos.MAX_SIDE, photos.MAX_SIDE * 3 // 4)
    assert Follower.objects.filter(report=report, account=account).exists()
    assert StatusChange.objects.filter(report=report, to_status=Status.RECEIVED).count() == 1
    event = AuditEvent.objects.filter(action="reports.submit").get()
    assert event.subject_id == f"portal:{account.pk}"


def test_the_photo_position_is_taken_only_with_consent(submit):
    gps = (north_of(10), LON)
    with pytest.raises(ApplicationError) as e:
        submit(lat=None, lon=None, photos=[jpeg(gps=gps)])
    assert e.value.field == "location"
    report = submit(lat=None, lon=None, photos=[jpeg(gps=gps)], use_photo_position=True)
    assert report.lat == pytest.approx(gps[0], abs=1e-5)


def test_a_place_without_the_map_from_the_town_picker(submit):
    key, label = geo.town_choices()[0]
    report = submit(lat=None, lon=None, town=key)
    assert report.town == label
    with pytest.raises(ApplicationError) as e:
        submit(lat=None, lon=None, town="存在しない町:1")
    assert e.value.field == "town"


@pytest.mark.parametrize(("kw", "field", "code"), [
    ({"lat": 35.6812, "lon": 139.7671}, "location", ErrorCode.REFUSED),  # 東京駅: outside the ward
    ({"lat": 0.0, "lon": 0.0}, "location", ErrorCode.INVALID_INPUT),
    ({"lat": None, "lon": None}, "location", ErrorCode.INVALID_INPUT),
    ({"lat": 91.0, "lon": LON}, "location", ErrorCode.INVALID_INPUT),
    ({"description": "あ" * 4001}, "description", ErrorCode.TOO_LONG),
    ({"description": "   "}, "description", ErrorCode.INVALID_INPUT),
    ({"category": "ufo"}, "category", ErrorCode.INVALID_INPUT),
    ({"photos": [b"%PDF-1.7 not an image"]}, "photos", ErrorCode.INVALID_INPUT),
    ({"photos": [jpeg(100, 100)] * 6}, "photos", ErrorCode.INVALID_INPUT),
    ({"contact_email": "not-an-address"}, "contact_email", ErrorCode.INVALID_INPUT),
])
def test_bad_input_is_refused_with_its_field_and_nothing_is_stored(submit, kw, field, code):
    with pytest.raises(ApplicationError) as e:
        submit(**kw)
    assert e.value.field == field and e.value.code == code
    assert str(e.value.message)
    assert_nothing_stored()


def test_a_description_of_exactly_4000_characters_is_accepted(submit):
    assert len(submit(description="あ" * 4000).description) == 4000


def _png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge image (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("raw", [_png_header_claiming(20000, 20000), _png_header_claiming(100000, 100000)])
def test_decompression_bombs_are_refused(submit, raw):
    with pytest.raises(ApplicationError) as e:
        submit(photos=[raw])
    assert e.value.field == "photos"
    assert_nothing_stored()


def test_files_over_20_mb_are_refused_before_reading(submit):
    with pytest.raises(ApplicationError) as e:
        submit(photos=[jpeg(10, 10) + b"\0" * (20 * 1024 * 1024)])
    assert "20MB" in str(e.value.message)
    assert_nothing_stored()


def test_heic_from_phones_is_read_and_stored_as_a_plain_jpeg(submit):
    heif = pillow_heif.from_pillow(Image.new("RGB", (1200, 900), (50, 60, 200)))
    out = io.BytesIO()
    heif.save(out, quality=60)
    report = submit(photos=[out.getvalue()])
    image = Image.open(io.BytesIO(bytes(report.photos.get().data)))
    assert image.format == "JPEG" and image.size == (1000, 750) and not image.getexif()
    assert "icc_profile" not in image.info


def test_a_tiled_heic_as_iphones_write_it_is_stored_upright_without_metadata(submit):
    raw = heic(gps=(north_of(10), LON))
    source = pillow_heif.open_heif(io.BytesIO(raw))
    assert source.info["tiling"]["tile_width"] == 512 and source.info["thumbnails"] == [320]
    report = submit(lat=None, lon=None, photos=[raw], use_photo_position=True)
    assert report.lat == pytest.approx(north_of(10), abs=1e-5)  # the GPS was read before the EXIF was dropped
    photo = report.photos.get()
    image = Image.open(io.BytesIO(bytes(photo.data)))
    # the sensor's 1200×900 turned upright once (not twice: the decoder applied the rotation), decoded whole
    # (the 320 px thumbnail is too small for the stored size)
    assert image.format == "JPEG" and image.size == (photo.width, photo.height) == (750, 1000)
    top, bottom = image.getpixel((375, 100)), image.getpixel((375, 900))
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]  # the sensor's left (red) is the top
    assert not image.getexif() and "xmp" not in image.info and "icc_profile" not in image.info
    assert b"SERIAL-123456" not in bytes(photo.data) and b"xmpmeta" not in bytes(photo.data)


def test_a_heic_with_a_preview_as_large_as_the_stored_photo_is_read_from_the_preview(submit, monkeypatch):
    chosen = []

    def spy(image, size):
        thumbnail = select(image, size)
        chosen.append(thumbnail.size if thumbnail else None)
        return thumbnail

    select = as_plugin._thumbnail_for_size
    monkeypatch.setattr(as_plugin, "_thumbnail_for_size", spy)
    photo = submit(photos=[heic(2400, 1800, thumbnails=(320, 1200))]).photos.get()
    assert chosen == [(900, 1200)]  # the 1,200 px preview (upright) instead of the 4.3 MP image
    assert (photo.width, photo.height) == (750, 1000)
    top = Image.open(io.BytesIO(bytes(photo.data))).getpixel((375, 100))
    assert top[0] > 150 > top[2]
    chosen.clear()
    submit(photos=[heic(2400, 1800)])
    assert chosen == [None]  # a 320 px thumbnail is too small: the image itself is decoded


def test_spam_bursts_are_limited_per_reporter_and_per_address(submit, neighbour, new_report):
    for _ in range(services.LIMIT_PER_REPORTER[0]):
        submit()
    with pytest.raises(ApplicationError) as e:
        submit()
    assert e.value.code == ErrorCode.RATE_LIMITED
    assert Report.objects.count() == services.LIMIT_PER_REPORTER[0]
    # the same address, other accounts: the address's own budget
    from kuyakusho.identity.models import PortalAccount

    sent = Report.objects.count()
    with pytest.raises(ApplicationError) as e:
        for i in range(services.LIMIT_PER_ADDRESS[0]):
            other = PortalAccount.objects.create(kind="email", email=f"p{i}@example.jp", password="x")
            services.submit_report(actor=other, new=new_report(), client_address="192.0.2.1")
    assert e.value.code == ErrorCode.RATE_LIMITED
    assert Report.objects.count() == services.LIMIT_PER_ADDRESS[0]  # the refused one stored nothing
    assert sent == services.LIMIT_PER_REPORTER[0]


def test_duplicates_within_50_metres_of_the_same_category_and_open(submit, neighbour):
    near = submit(lat=north_of(40))
    submit(lat=north_of(70))  # too far
    submit(lat=north_of(10), category="road")  # another category
    fixed = submit(lat=north_of(5))
    fixed.status = Status.FIXED
    fixed.save()
    found = selectors.duplicates(category="streetlight", lat=LAT, lon=LON)
    assert [r.pk for r, _ in found] == [near.pk]
    assert found[0][1] == pytest.approx(40, abs=0.5)


def test_me_too_counts_once_and_follows(submit, neighbour, account):
    report = submit()
    services.add_me_too(actor=neighbour, report_id=report.pk)
    report = services.add_me_too(actor=neighbour, report_id=report.pk)
    assert report.me_too == 1
    assert services.add_me_too(actor=account, report_id=report.pk).me_too == 1  # the reporter herself: not counted
    assert Follower.objects.filter(report=report, account=neighbour).exists()


def test_status_changes_need_a_public_note_and_tell_followers(submit, handler, neighbour,
                                                               django_capture_on_commit_callbacks):
    report = submit()
    services.follow(actor=neighbour, report_id=report.pk, on=True)
    with pytest.raises(ApplicationError) as e:
        services.change_status(actor=handler, report_id=report.pk, status=Status.CHECKING, note="")
    assert e.value.field == "note"
    with pytest.raises(ApplicationError) as e:
        services.change_status(actor=handler, report_id=report.pk, status=Status.NOT_FIXABLE, note="x")
    assert e.value.field == "reason"
    with pytest.raises(ApplicationError) as e:
        services.change_status(actor=handler, report_id=report.pk, status=Status.REFERRED, note="x")
    assert e.value.field == "referred_to"
    with pytest.raises(ApplicationError):
        services.change_status(actor=handler, report_id=report.pk, status=Status.DUPLICATE, note="x")
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(actor=handler, report_id=report.pk, status=Status.REFERRED,
                               note="都道のため引き継ぎました。", referred_to="東京都第四建設事務所")
    assert PortalNotice.objects.filter(body__contains="東京都第四建設事務所").count() == 2  # reporter and follower
    assert [m.to for m in mail.outbox] == [["reporter@example.jp"]]  # only she gave an address
    assert AuditEvent.objects.filter(action="reports.status").count() == 1


def test_a_stale_version_is_refused(submit, handler):
    report = submit()
    services.change_status(actor=handler, report_id=report.pk, status=Status.CHECKING, note="確認します")
    with pytest.raises(ApplicationError) as e:
        services.change_status(actor=handler, report_id=report.pk, status=Status.PLANNED, note="x",
                               version=report.version)
    assert e.value.code == ErrorCode.CONFLICT


def test_reopen_within_30_days_of_fixed_only_by_the_reporter(submit, handler, account, neighbour):
    report = submit()
    with pytest.raises(ApplicationError):
        services.reopen(actor=account, report_id=report.pk, note="まだです")  # not fixed yet
    services.change_status(actor=handler, report_id=report.pk, status=Status.FIXED, note="交換しました。")
    with pytest.raises(ApplicationError) as e:
        services.reopen(actor=neighbour, report_id=report.pk, note="まだです")
    assert e.value.code == ErrorCode.PERMISSION_DENIED
    later = timezone.now() + timedelta(days=31)
    with pytest.raises(ApplicationError) as e:
        services.reopen(actor=account, report_id=report.pk, note="まだです", now=later)
    assert e.value.code == ErrorCode.CONFLICT
    report = services.reopen(actor=account, report_id=report.pk, note="また消えています。",
                             now=timezone.now() + timedelta(days=29))
    assert report.status == Status.RECEIVED and report.reopened == 1
    assert report.changes.last().by_reporter


def test_merge_keeps_every_reporter_informed(submit, handler, neighbour, account, django_capture_on_commit_callbacks):
    original = submit()
    second = submit(actor=neighbour, lat=north_of(20))
    with django_capture_on_commit_callbacks(execute=True):
        services.merge(actor=handler, report_id=second.pk, into_id=original.pk, note="")
    second.refresh_from_db()
    original.refresh_from_db()
    assert second.status == Status.DUPLICATE and second.duplicate_of_id == original.pk
    assert original.me_too == 1
    assert Follower.objects.filter(report=original, account=neighbour).exists()
    assert PortalNotice.objects.filter(account=neighbour, title__contains=f"#{original.pk}").exists()
    with pytest.raises(ApplicationError):
        services.merge(actor=handler, report_id=original.pk, into_id=second.pk, note="")
    with pytest.raises(ApplicationError):
        services.change_status(actor=handler, report_id=second.pk, status=Status.CHECKING, note="x")


def test_publication_blur_and_hide(submit, handler):
    report = submit(photos=[jpeg(800, 600, pattern=True)])
    assert selectors.public_report(report.pk) is None  # unpublished reports are handled, not shown
    services.publish(actor=handler, report_id=report.pk, published=True, public_text="街路灯の不点灯")
    public = selectors.public_report(report.pk)
    assert public is not None and public.public_text == "街路灯の不点灯" and public.description != public.public_text
    photo = report.photos.get()
    services.set_photo(actor=handler, photo_id=photo.pk, hidden=False, blurred=True)
    photo.refresh_from_db()
    assert photo.blurred and bytes(photo.public_data) != bytes(photo.data)
    assert not Image.open(io.BytesIO(bytes(photo.public_data))).getexif()
    services.set_photo(actor=handler, photo_id=photo.pk, hidden=True, blurred=True)
    assert selectors.public_report(report.pk).public_photos == []
    assert AuditEvent.objects.filter(action="reports.photo").count() == 2


def test_internal_notes_and_assignment_are_audited(submit, handler):
    report = submit()
    services.add_internal_note(actor=handler, report_id=report.pk, text="業者に連絡済み")
    services.assign(actor=handler, report_id=report.pk, assignee_id=handler.pk)
    with pytest.raises(ApplicationError):
        services.assign(actor=handler, report_id=report.pk, assignee_id=10**9)
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {"reports.internal_note", "reports.assign"}


def test_fix_photo_is_stripped(submit, handler):
    report = submit()
    photo = services.add_fix_photo(actor=handler, report_id=report.pk, raw=jpeg(2000, 1500, gps=(LAT, LON)))
    assert photo.kind == Photo.Kind.FIX and not Image.open(io.BytesIO(bytes(photo.data))).getexif()


def test_boundary_and_towns():
    assert geo.in_ward(LAT, LON)
    assert not geo.in_ward(35.6812, 139.7671)
    assert geo.nearest_town(LAT, LON).town.startswith("豊玉")


def test_a_photo_taken_sideways_is_stored_upright(submit):
    image = Image.new("RGB", (800, 600), (10, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: show rotated 90° clockwise
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    photo = submit(photos=[out.getvalue()]).photos.get()
    assert (photo.width, photo.height) == (600, 800)
    assert not Image.open(io.BytesIO(bytes(photo.data))).getexif()
