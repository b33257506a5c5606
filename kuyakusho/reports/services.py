"""Every write of the reports area: keyword-only, typed, one transaction each with its audit event; notices to
followers after the commit (``notices.notify``).

Residents act through their account on the resident site (``hooks.ResidentAccount``: card or e-mail); staff
through ``Staff``; an Open311 client through its ``ApiClient``. Nothing is stored when a report is refused:
every check (category, place, text, photos, rate limits) runs before the transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.models import Staff
from kuyakusho.audit.services import record_write
from kuyakusho.core.actors import Actor
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.ratelimit import over_budget
from kuyakusho.core.text import check_text

from . import geo, notices, photos
from .hooks import ResidentAccount
from .models import (
    OPEN,
    ApiClient,
    Category,
    Follower,
    InternalNote,
    MeToo,
    Photo,
    Report,
    Status,
    StatusChange,
)

MAX_PHOTOS = 5
MAX_DESCRIPTION = 4000
DUPLICATE_RADIUS_M = 50.0
REOPEN_DAYS = 30
#: Reports a reporter (account or API client) may send, and an address may send, per window.
LIMIT_PER_REPORTER = (5, 600)
LIMIT_PER_ADDRESS = (20, 600)


@dataclass(frozen=True)
class NewReport:
    """What a reporter sends. ``town`` is a 町丁目 key of the picker (``town:chome``), used when no position is
    given; ``use_photo_position`` takes the first photo's GPS (with the reporter's consent)."""

    category: str
    description: str
    lat: float | None = None
    lon: float | None = None
    town: str = ""
    address: str = ""
    use_photo_position: bool = False
    photos: Sequence[bytes] = field(default_factory=tuple)
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    nickname: str = ""
    anonymous: bool = True
    attributes: Mapping[str, str] = field(default_factory=dict)


def _position(new: NewReport, gps: tuple[float, float] | None) -> tuple[float, float]:
    if new.lat is not None and new.lon is not None:
        lat, lon = float(new.lat), float(new.lon)
    elif new.use_photo_position and gps is not None:
        lat, lon = gps
    elif new.town:
        chome = geo.town_point(new.town)
        if chome is None:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("町丁目を一覧から選んでください。"), field="town")
        lat, lon = chome.lat, chome.lon
    elif new.use_photo_position:
        raise ApplicationError(ErrorCode.INVALID_INPUT,
                               _("写真に位置情報がありませんでした。地図か町丁目で場所を選んでください。"),
                               field="location")
    else:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("場所を地図・町丁目・現在地のいずれかで指定してください。"),
                               field="location")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or lat != lat or lon != lon:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("位置の値が正しくありません。"), field="location")
    if abs(lat) < 1e-9 and abs(lon) < 1e-9:
        raise ApplicationError(ErrorCode.INVALID_INPUT,
                               _("位置が取得できていません（緯度0・経度0）。もう一度場所を指定してください。"),
                               field="location")
    if not geo.in_ward(lat, lon):
        raise ApplicationError(ErrorCode.REFUSED, _("この場所は区の外です。区内の場所を指定してください。"),
                               field="location")
    return lat, lon


def resolve_place(*, lat: float | None, lon: float | None, town: str) -> tuple[float, float]:
    """The place a reporter chose (map pin, phone position or 町丁目), checked as a report's would be: the
    details step asks this before anything is typed."""
    return _position(NewReport(category="", description="", lat=lat, lon=lon, town=town), None)


def _category(code: str) -> Category:
    category = Category.objects.filter(code=code or "", active=True).first()
    if category is None:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("レポートの種類を一覧から選んでください。"), field="category")
    return category


def _attributes(category: Category, given: Mapping[str, str]) -> dict[str, str]:
    """The answers to the category's attributes (Open311 ``attribute[code]``), checked against their definition."""
    defined = {a["code"]: a for a in category.attributes}
    unknown = sorted(set(given) - set(defined))
    if unknown:
        raise ApplicationError(ErrorCode.INVALID_INPUT, format_lazy(_("この種類にない項目です：{codes}"),
                                                                    codes=", ".join(unknown)[:100]),
                               field="attribute")
    answers: dict[str, str] = {}
    for code, a in defined.items():
        value = check_text(str(given.get(code, "") or ""), field=f"attribute[{code}]", max_length=200, font=False)
        if not value:
            if a.get("required"):
                en = (translation.get_language() or "").startswith("en")
                name = a.get("description_en" if en else "description_ja", code)
                raise ApplicationError(ErrorCode.INVALID_INPUT,
                                       format_lazy(_("「{name}」を入力してください。"), name=name),
                                       field=f"attribute[{code}]")
            continue
        if a.get("datatype") in ("singlevaluelist", "multivaluelist"):
            keys = {v["key"] for v in a.get("values", [])}
            chosen = value.split(",") if a["datatype"] == "multivaluelist" else [value]
            if not set(chosen) <= keys:
                raise ApplicationError(ErrorCode.INVALID_INPUT, _("一覧にない値です。"), field=f"attribute[{code}]")
        elif a.get("datatype") == "number":
            try:
                float(value)
            except ValueError:
                raise ApplicationError(ErrorCode.INVALID_INPUT, _("数値を入力してください。"),
                                       field=f"attribute[{code}]") from None
        answers[code] = value
    return answers


def _rate_limit(actor: Actor, client_address: str) -> None:
    if actor is not None and over_budget("reports.reporter", f"{type(actor).__name__}:{actor.pk}",
                                         limit=LIMIT_PER_REPORTER[0], window=LIMIT_PER_REPORTER[1]):
        raise ApplicationError(ErrorCode.RATE_LIMITED,
                               _("短い時間に多くのレポートが送られました。しばらくしてからもう一度お送りください。"))
    if client_address and over_budget("reports.address", client_address, limit=LIMIT_PER_ADDRESS[0],
                                      window=LIMIT_PER_ADDRESS[1]):
        raise ApplicationError(ErrorCode.RATE_LIMITED,
                               _("この接続元から短い時間に多くのレポートが送られました。しばらくしてからもう一度お送りください。"))


def _audit_subject(report: Report) -> str:
    """The audit trail's subject: the reporting account (its label carries no personal data)."""
    return f"portal:{report.reporter_id}" if report.reporter_id else ""


def submit_report(*, actor: ResidentAccount | ApiClient | None, new: NewReport, client_address: str,
                  now: datetime | None = None) -> Report:
    """A new report (受付), its photos (stripped and resized) and the reporter as its first follower."""
    category = _category(new.category)
    answers = _attributes(category, new.attributes)
    description = check_text(new.description or "", field="description", max_length=MAX_DESCRIPTION,
                             multiline=True, font=False)
    if not description:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("内容を入力してください。"), field="description")
    address = check_text(new.address or "", field="address", max_length=200, font=False)
    contact_name = check_text(new.contact_name or "", field="contact_name", max_length=60, font=False)
    contact_phone = check_text(new.contact_phone or "", field="contact_phone", max_length=20, font=False)
    nickname = check_text(new.nickname or "", field="nickname", max_length=30, font=False)
    contact_email = (new.contact_email or "").strip()
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("メールアドレスの形式が正しくありません。"),
                                   field="contact_email") from None
    if len(new.photos) > MAX_PHOTOS:
        raise ApplicationError(ErrorCode.INVALID_INPUT,
                               format_lazy(_("写真は{n}枚までです。"), n=MAX_PHOTOS), field="photos")
    processed = [photos.process(raw) for raw in new.photos]
    gps = next((p.gps for p in processed if p.gps is not None), None)
    lat, lon = _position(new, gps)
    _rate_limit(actor, client_address)
    now = now or timezone.now()
    town = geo.nearest_town(lat, lon)
    with transaction.atomic():
        report = Report.objects.create(
            category=category, status=Status.RECEIVED, lat=lat, lon=lon, cell=geo.cell(lat, lon),
            town=town.label if town else "",
            address=address, description=description, public_text=description, attributes=answers,
            reporter_id=None if actor is None or isinstance(actor, ApiClient) else actor.pk,
            api_client=actor if isinstance(actor, ApiClient) else None,
            source="open311" if isinstance(actor, ApiClient) else "web",
            token=secrets.token_hex(16) if isinstance(actor, ApiClient) else "",
            contact_name=contact_name, contact_email=contact_email, contact_phone=contact_phone,
            nickname=nickname, anonymous=new.anonymous or not nickname,
            created_at=now, updated_at=now, due_at=now + timedelta(days=category.sla_days))
        Photo.objects.bulk_create([Photo(report=report, data=p.data, thumb=p.thumb, width=p.width, height=p.height)
                                   for p in processed])
        StatusChange.objects.create(report=report, from_status="", to_status=Status.RECEIVED,
                                    note="", created_at=now)
        if actor is not None and not isinstance(actor, ApiClient):
            Follower.objects.create(report=report, account_id=actor.pk)
        record_write(actor=actor, action="reports.submit", target=report, subject_id=_audit_subject(report),
                     detail={"category": category.code, "photos": len(processed), "source": report.source})
    return report


def _locked(report_id: int) -> Report:
    report = Report.objects.select_for_update().filter(pk=report_id).first()
    if report is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("レポートが見つかりません。"))
    return report


def _followers(report_id: int) -> list[int]:
    return list(Follower.objects.filter(report_id=report_id).values_list("account_id", flat=True))


def _tell_followers(report: Report, *, title: str, body: str, exclude: int | None = None) -> None:
    accounts = [a for a in _followers(report.pk) if a != exclude]
    transaction.on_commit(lambda: notices.notify(account_ids=accounts, title=title, body=body))


def _status_text(status: str) -> str:
    return str(Status(status).label)


def add_me_too(*, actor: ResidentAccount, report_id: int) -> Report:
    """「わたしも」: counted once per account; she follows the report from then on."""
    with transaction.atomic():
        report = _locked(report_id)
        if report.status not in OPEN:
            raise ApplicationError(ErrorCode.CONFLICT, _("このレポートはすでに対応を終えています。"))
        if report.reporter_id == actor.pk or MeToo.objects.filter(report=report, account_id=actor.pk).exists():
            return report
        MeToo.objects.create(report=report, account_id=actor.pk)
        Follower.objects.get_or_create(report=report, account_id=actor.pk)
        Report.objects.filter(pk=report.pk).update(me_too=F("me_too") + 1)
        record_write(actor=actor, action="reports.me_too", target=report, subject_id=_audit_subject(report))
    report.refresh_from_db()
    return report


def follow(*, actor: ResidentAccount, report_id: int, on: bool) -> bool:
    with transaction.atomic():
        report = _locked(report_id)
        if on:
            _, created = Follower.objects.get_or_create(report=report, account_id=actor.pk)
            changed = created
        else:
            changed = Follower.objects.filter(report=report, account_id=actor.pk).delete()[0] > 0
        if changed:
            record_write(actor=actor, action="reports.follow" if on else "reports.unfollow", target=report)
    return on


def can_reopen(report: Report, account: ResidentAccount | None, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (account is not None and report.reporter_id == account.pk and report.status == Status.FIXED
            and report.fixed_at is not None and now - report.fixed_at <= timedelta(days=REOPEN_DAYS))


def reopen(*, actor: ResidentAccount, report_id: int, note: str, now: datetime | None = None) -> Report:
    """The reporter says the problem persists, within 30 days of 対応済: back to 受付 with her note."""
    note = check_text(note or "", field="note", max_length=2000, multiline=True, font=False)
    if not note:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("まだ解決していない様子を入力してください。"), field="note")
    now = now or timezone.now()
    with transaction.atomic():
        report = _locked(report_id)
        if report.reporter_id != actor.pk:
            raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("レポートを送った方だけが再開を求められます。"))
        if not can_reopen(report, actor, now=now):
            raise ApplicationError(ErrorCode.CONFLICT,
                                   format_lazy(_("対応済になってから{days}日以内のレポートだけ再開を求められます。"),
                                               days=REOPEN_DAYS))
        before = report.status
        report.status, report.updated_at, report.reopened = Status.RECEIVED, now, report.reopened + 1
        report.due_at = now + timedelta(days=report.category.sla_days)
        report.version, report.status_note = report.version + 1, note
        report.save(update_fields=["status", "updated_at", "reopened", "due_at", "version", "status_note"])
        StatusChange.objects.create(report=report, from_status=before, to_status=Status.RECEIVED, note=note,
                                    by_reporter=True, created_at=now)
        record_write(actor=actor, action="reports.reopen", target=report, subject_id=_audit_subject(report),
                     changes={"status": [before, Status.RECEIVED]})
        _tell_followers(report, exclude=actor.pk, title=str(_("レポートが再開されました")),
                        body=f"#{report.pk} {report.category.name_ja}: {note}")
    return report


# --- staff -------------------------------------------------------------------------------------------------

#: What staff may set by hand (重複 only through ``merge``).
SETTABLE = [s for s in Status if s != Status.DUPLICATE]


def change_status(*, actor: Staff, report_id: int, status: str, note: str, reason: str = "",
                  referred_to: str = "", version: int | None = None, now: datetime | None = None) -> Report:
    """A new status with the note the public reads; 対応不可 needs its reason, 区の管轄外 names where it went."""
    if status not in {s.value for s in SETTABLE}:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("状況を一覧から選んでください。"), field="status")
    note = check_text(note or "", field="note", max_length=2000, multiline=True, font=False)
    if not note:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("公開するコメントを入力してください。"), field="note")
    reason = check_text(reason or "", field="reason", max_length=200, font=False)
    referred_to = check_text(referred_to or "", field="referred_to", max_length=100, font=False)
    if status == Status.NOT_FIXABLE and not reason:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("対応できない理由を入力してください。"), field="reason")
    if status == Status.REFERRED and not referred_to:
        raise ApplicationError(ErrorCode.INVALID_INPUT,
                               _("引継ぎ先（東京都・電力会社など）を入力してください。"), field="referred_to")
    now = now or timezone.now()
    with transaction.atomic():
        report = _locked(report_id)
        if version is not None and report.version != version:
            raise ApplicationError(ErrorCode.CONFLICT,
                                   _("このレポートはほかの職員が更新しました。最新の内容を確認してください。"))
        if report.status == Status.DUPLICATE:
            raise ApplicationError(ErrorCode.CONFLICT, _("重複として統合したレポートは変更できません。"))
        before = report.status
        report.status, report.updated_at, report.version = status, now, report.version + 1
        report.status_note = note
        report.reason = reason if status == Status.NOT_FIXABLE else ""
        report.referred_to = referred_to if status == Status.REFERRED else ""
        if status == Status.FIXED:
            report.fixed_at = now
        report.save(update_fields=["status", "updated_at", "version", "reason", "referred_to", "fixed_at",
                                   "status_note"])
        StatusChange.objects.create(report=report, from_status=before, to_status=status, note=note,
                                    by_staff=actor, created_at=now)
        record_write(actor=actor, action="reports.status", target=report, subject_id=_audit_subject(report),
                     changes={"status": [before, status]})
        label = _status_text(status)
        extra = f"（{report.referred_to}）" if report.referred_to else (f"（{report.reason}）" if report.reason else "")
        _tell_followers(report, title=f"レポート #{report.pk} は「{label}」になりました",
                        body=f"{report.category.name_ja}\n{label}{extra}\n{note}")
    return report


def assign(*, actor: Staff, report_id: int, assignee_id: int | None) -> Report:
    assignee = None
    if assignee_id is not None:
        assignee = Staff.objects.filter(pk=assignee_id, is_active=True).first()
        if assignee is None:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("担当者を一覧から選んでください。"), field="assignee")
    with transaction.atomic():
        report = _locked(report_id)
        before = report.assigned_to_id
        report.assigned_to, report.updated_at, report.version = assignee, timezone.now(), report.version + 1
        report.save(update_fields=["assigned_to", "updated_at", "version"])
        record_write(actor=actor, action="reports.assign", target=report,
                     changes={"assigned_to": [before, assignee_id]})
    return report


def add_internal_note(*, actor: Staff, report_id: int, text: str) -> InternalNote:
    text = check_text(text or "", field="text", max_length=2000, multiline=True, font=False)
    if not text:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("メモを入力してください。"), field="text")
    with transaction.atomic():
        report = _locked(report_id)
        note = InternalNote.objects.create(report=report, author=actor, text=text)
        record_write(actor=actor, action="reports.internal_note", target=report)
    return note


def add_fix_photo(*, actor: Staff, report_id: int, raw: bytes) -> Photo:
    """A photo of the repair (stripped like every photo); shown on the public page once the report is public."""
    processed = photos.process(raw)
    with transaction.atomic():
        report = _locked(report_id)
        if Photo.objects.filter(report=report).count() >= 2 * MAX_PHOTOS:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("このレポートの写真はこれ以上追加できません。"),
                                   field="photo")
        photo = Photo.objects.create(report=report, kind=Photo.Kind.FIX, data=processed.data, thumb=processed.thumb,
                                     width=processed.width, height=processed.height, uploaded_by_staff=actor)
        record_write(actor=actor, action="reports.fix_photo", target=report, detail={"photo": photo.pk})
    return photo


def publish(*, actor: Staff, report_id: int, published: bool, public_text: str | None = None,
            now: datetime | None = None) -> Report:
    """The 公開基準: staff approve a report for the public map (and may edit the text the public reads)."""
    now = now or timezone.now()
    with transaction.atomic():
        report = _locked(report_id)
        changes: dict[str, list[object]] = {}
        if public_text is not None:
            text = check_text(public_text, field="public_text", max_length=MAX_DESCRIPTION, multiline=True,
                              font=False)
            if not text:
                raise ApplicationError(ErrorCode.INVALID_INPUT, _("公開する内容を入力してください。"),
                                       field="public_text")
            if text != report.public_text:
                changes["public_text"] = ["…", "…"]
                report.public_text = text
        if published != report.published:
            changes["published"] = [report.published, published]
            report.published = published
            report.published_at = now if published else None
        if changes:
            report.updated_at, report.version = now, report.version + 1
            report.save(update_fields=["public_text", "published", "published_at", "updated_at", "version"])
            record_write(actor=actor, action="reports.publish", target=report, changes=changes)
    return report


def set_photo(*, actor: Staff, photo_id: int, hidden: bool, blurred: bool) -> Photo:
    """Hide a photo from the public, or show the public a blurred copy (faces, number plates, homes)."""
    with transaction.atomic():
        photo = Photo.objects.select_for_update().filter(pk=photo_id).first()
        if photo is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("写真が見つかりません。"))
        changes: dict[str, list[object]] = {}
        if blurred != photo.blurred:
            changes["blurred"] = [photo.blurred, blurred]
            if blurred:
                photo.public_data, photo.thumb = photos.blurred(bytes(photo.data))
            else:
                photo.public_data = b""
                photo.thumb = photos.thumbnail_of(bytes(photo.data))
            photo.blurred = blurred
        if hidden != photo.hidden:
            changes["hidden"] = [photo.hidden, hidden]
            photo.hidden = hidden
        if changes:
            photo.save(update_fields=["public_data", "thumb", "blurred", "hidden"])
            record_write(actor=actor, action="reports.photo", target=photo, changes=changes,
                         detail={"report": photo.report_id})
    return photo


def merge(*, actor: Staff, report_id: int, into_id: int, note: str, now: datetime | None = None) -> Report:
    """重複: the report joins an original; its reporter and followers follow the original from now on and are told
    so; its 「わたしも」 count carries over."""
    if report_id == into_id:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("同じレポートには統合できません。"), field="into")
    note = check_text(note or "", field="note", max_length=2000, multiline=True, font=False)
    now = now or timezone.now()
    with transaction.atomic():
        first, second = sorted([report_id, into_id])
        locked = {r.pk: r for r in Report.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
        report, target = locked.get(report_id), locked.get(into_id)
        if report is None or target is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("レポートが見つかりません。"), field="into")
        if report.status == Status.DUPLICATE:
            raise ApplicationError(ErrorCode.CONFLICT, _("このレポートはすでに統合されています。"))
        if target.status == Status.DUPLICATE:
            raise ApplicationError(ErrorCode.CONFLICT,
                                   _("統合先も重複として統合済みです。元のレポートを選んでください。"))
        before = report.status
        text = note or f"#{target.pk} と同じ内容のため、そちらで対応します。"
        report.status, report.duplicate_of, report.updated_at = Status.DUPLICATE, target, now
        report.version, report.status_note = report.version + 1, text
        report.save(update_fields=["status", "duplicate_of", "updated_at", "version", "status_note"])
        StatusChange.objects.create(report=report, from_status=before, to_status=Status.DUPLICATE, note=text,
                                    by_staff=actor, created_at=now)
        followers = _followers(report.pk)
        existing = set(_followers(target.pk))
        Follower.objects.bulk_create([Follower(report=target, account_id=a) for a in followers if a not in existing])
        Report.objects.filter(pk=target.pk).update(me_too=F("me_too") + report.me_too + 1, updated_at=now)
        record_write(actor=actor, action="reports.merge", target=report, subject_id=_audit_subject(report),
                     changes={"status": [before, Status.DUPLICATE], "duplicate_of": [None, target.pk]})
        transaction.on_commit(lambda: notices.notify(
            account_ids=followers, title=f"レポート #{report.pk} は #{target.pk} にまとめられました",
            body=f"{text}\nこれからは #{target.pk} の対応状況をお知らせします。"))
    return report


def create_api_client(*, actor: Staff | None, name: str) -> tuple[ApiClient, str]:
    """An Open311 client and its api_key (shown once; only its SHA-256 is kept)."""
    name = check_text(name or "", field="name", max_length=100, font=False)
    if not name:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("名称を入力してください。"), field="name")
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        client = ApiClient.objects.create(name=name, key_hash=hashlib.sha256(key.encode()).hexdigest())
        record_write(actor=actor, action="reports.api_client", target=client)
    return client, key

