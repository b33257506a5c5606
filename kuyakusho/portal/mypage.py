"""My page: the signed-in resident's own record, who looked at it, certificates about her, her inbox.

Reads of the register are recorded as the resident's own (actor: her portal account, channel ``portal``,
purpose ``self``) in the same transaction as the read. The access log lists every audited event whose subject
is she: date and time, the office (or section) and role of the member of staff, the purpose and the channel;
staff names only when ``settings.PORTAL_SHOW_STAFF_NAMES`` is on.

Support measures (支援措置): the resident herself sees everything about her. Others see nothing of her here:
a household member's My page leaves out members under an active measure, and every other list is filtered
by the signed-in resident's own id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.mail import send_mail
from django.core.paginator import Page, Paginator
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.capabilities import Role
from kuyakusho.accounts.models import Staff
from kuyakusho.audit.models import AuditEvent, Kind
from kuyakusho.audit.services import record_read, record_write
from kuyakusho.certificates.forms import KIND_LABELS
from kuyakusho.certificates.models import Channel as CertificateChannel
from kuyakusho.certificates.models import Issuance, Requester, SupportMeasure
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.text import check_text
from kuyakusho.residents.portal_selectors import own_record
from kuyakusho.residents.records import ViewPurpose

from .models import AccessInquiry, InquiryStatus, PortalNotice

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from kuyakusho.residents.models import Resident

log = logging.getLogger(__name__)

SELF_PURPOSE = "self"
ACCESS_LOG_PER_PAGE = 20

CHANNEL_LABELS = {
    "console": _("区役所の業務端末"), "api": _("業務システム（API）"), "kiosk": _("自動交付機"),
    "portal": _("区民向けサイト"), "display": _("表示端末"), "system": _("システム処理"),
}
EVENT_KIND_LABELS: dict[str, StrOrPromise] = {Kind.READ: _("閲覧"), Kind.WRITE: _("更新"), Kind.AUTH: _("認証"),
                                              Kind.REFUSAL: _("拒否")}
#: What was done, by the audit action's area (first part) and a few actions of their own.
ACTION_LABELS = {
    "residents.open": _("住民記録の表示"), "residents.open_household": _("世帯の表示"),
    "residents.search": _("住民記録の検索"), "residents.my_number": _("個人番号の表示"),
    "certificates.issue": _("証明書の交付"), "certificates.wrong_pin": _("暗証番号の誤り"),
    "certificates.card_locked": _("カードのロック"), "portal.own_record": _("ご本人による表示"),
    "portal.own_record_full": _("ご本人による表示"), "identity.link": _("マイページとの連携"),
    "identity.sign_in": _("マイページへのログイン"),
    "identity.sandbox_certificate": _("署名用電子証明書の内容の確認"),
    "portal.access_inquiry": _("閲覧についての問い合わせ"),
    "certificates.online_create": _("証明書のオンライン申請"), "certificates.online_sign": _("オンライン申請への署名"),
    "certificates.online_open": _("オンライン申請の確認"),
    "certificates.online_issue": _("オンライン申請の証明書の交付"),
}
AREA_LABELS = {"residents": _("住民記録"), "certificates": _("証明書"), "seals": _("印鑑登録"),
               "identity": _("マイページ"), "portal": _("マイページ")}
PURPOSE_LABELS = {**{p.value: p.label for p in ViewPurpose}, SELF_PURPOSE: _("ご本人による確認"),
                  "search": _("住民記録の検索"), "my_number_use": _("個人番号利用事務"), "audit": _("監査")}


def linked_resident_id(session) -> int | None:
    try:
        return session.account.link.resident_id
    except ObjectDoesNotExist:
        return None


def _protected_ids(ids) -> set[int]:
    today = timezone.localdate()
    return set(SupportMeasure.objects.filter(resident_id__in=list(ids), starts_on__lte=today)
               .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today)).values_list("resident_id", flat=True))


@dataclass(frozen=True)
class MyRecord:
    resident: Resident
    members: list[Resident]


def my_record(*, session, resident_id: int, full: bool) -> MyRecord:
    """Her 住民票 items and household as the register holds them; the read recorded as her own."""
    resident, members = own_record(resident_id)
    hidden = _protected_ids(m.pk for m in members if m.pk != resident_id)
    members = [m for m in members if m.pk not in hidden]
    with transaction.atomic():
        record_read(actor=session.account, action="portal.own_record_full" if full else "portal.own_record",
                    subject_id=resident_id, purpose=SELF_PURPOSE, target=resident)
    return MyRecord(resident=resident, members=members)


@dataclass(frozen=True)
class AccessEntry:
    seq: int
    occurred_at: datetime
    kind: str
    action: str
    who: str
    office: str
    role: str
    purpose: str
    channel: str
    own: bool
    inquired: bool


def _entry(e: AuditEvent, asked: set[int]) -> AccessEntry:
    staff = e.actor
    own = e.actor_label.startswith("portal:")
    if staff is not None:
        offices = "、".join(o.name for o in staff.offices.all()) or str(_("区民事務所（全事務所）"))
        role = str(Role(staff.role).label) if staff.role in Role.values else staff.role
        who = (staff.display_name or staff.get_full_name() or staff.username) if settings.PORTAL_SHOW_STAFF_NAMES \
            else str(_("区の職員"))
    elif own:
        offices, role, who = "", "", str(_("ご本人"))
    else:
        offices, role, who = "", "", str(_("システム・端末"))
    area = e.action.split(".", 1)[0]
    action = ACTION_LABELS.get(e.action) or AREA_LABELS.get(area) or ""
    return AccessEntry(seq=e.seq, occurred_at=e.occurred_at, kind=str(EVENT_KIND_LABELS.get(e.kind, e.kind)),
                       action=str(action), who=who, office=offices, role=role,
                       purpose=str(PURPOSE_LABELS.get(e.purpose, e.purpose)) if e.purpose else "",
                       channel=str(CHANNEL_LABELS.get(e.channel, e.channel)), own=own, inquired=e.pk in asked)


def access_log(*, resident_id: int, page: int | str = 1, per_page: int = ACCESS_LOG_PER_PAGE) -> tuple[Page, list]:
    """Every audited event about her, newest first, a page at a time (the audit index on subject and seq)."""
    qs = (AuditEvent.objects.filter(subject_id=str(resident_id)).order_by("-seq")
          .select_related("actor").prefetch_related("actor__offices"))
    paginator = Paginator(qs, per_page)
    p = paginator.get_page(page)
    events = list(p.object_list)
    asked = set(AccessInquiry.objects.filter(resident_id=resident_id, event_id__in=[e.pk for e in events])
                .values_list("event_id", flat=True))
    return p, [_entry(e, asked) for e in events]


def file_inquiry(*, session, resident_id: int, seq: int, question: str) -> AccessInquiry:
    """She asks about one access to her record: an inquiry for the auditors (audited)."""
    question = check_text(question or "", field="question", max_length=1000, multiline=True) if question else ""
    event = AuditEvent.objects.filter(seq=seq, subject_id=str(resident_id)).first()
    if event is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("この記録は見つかりません。"))
    try:
        with transaction.atomic():
            inquiry = AccessInquiry.objects.create(account=session.account, resident_id=resident_id, event=event,
                                                   question=question)
            record_write(actor=session.account, action="portal.access_inquiry", target=inquiry,
                         subject_id=resident_id, detail={"event_seq": seq})
    except IntegrityError:
        raise ApplicationError(ErrorCode.DUPLICATE,
            _("この記録についてはすでにお問い合わせいただいています。")) from None
    return inquiry


def my_inquiries(*, account) -> list[AccessInquiry]:
    return list(AccessInquiry.objects.filter(account=account).select_related("event").order_by("-created_at")[:50])


# --- the auditors' side (console) ---------------------------------------------------------------------------

def open_inquiries(status: str = InquiryStatus.OPEN) -> QuerySet[AccessInquiry]:
    return (AccessInquiry.objects.filter(status=status).select_related("event", "event__actor")
            .order_by("created_at"))


def answer_inquiry(*, actor: Staff, inquiry_id: int, answer: str) -> AccessInquiry:
    answer = check_text(answer or "", field="answer", max_length=2000, multiline=True)
    if not answer.strip():
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("回答を入力してください。"), field="answer")
    with transaction.atomic():
        inquiry = AccessInquiry.objects.select_for_update().filter(pk=inquiry_id).first()
        if inquiry is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("お問い合わせが見つかりません。"))
        if inquiry.status != InquiryStatus.OPEN:
            raise ApplicationError(ErrorCode.CONFLICT, _("このお問い合わせにはすでに回答しています。"))
        inquiry.status, inquiry.answer = InquiryStatus.ANSWERED, answer
        inquiry.answered_by, inquiry.answered_at = actor, timezone.now()
        inquiry.save(update_fields=["status", "answer", "answered_by", "answered_at"])
        record_write(actor=actor, action="portal.access_inquiry_answer", target=inquiry,
                     subject_id=inquiry.resident_id, changes={"status": [InquiryStatus.OPEN, InquiryStatus.ANSWERED]})
        notice = PortalNotice.objects.create(account_id=inquiry.account_id, title=str(
            _("閲覧についてのお問い合わせへの回答")),
                                             body=answer)
    transaction.on_commit(lambda: _mail(notice.pk))
    return inquiry


# --- certificates about her, notices ---------------------------------------------------------------------

def issuances_about(resident_id: int) -> list[dict]:
    rows = (Issuance.objects.filter(subject_id=resident_id).select_related("office").order_by("-issued_at")
            .only("kind", "channel", "requester", "issued_at", "status", "office__name_ja", "office__name_en")[:100])
    channels = dict(CertificateChannel.choices)
    requesters = dict(Requester.choices)
    return [{"issued_at": i.issued_at, "kind": str(KIND_LABELS.get(i.kind, i.kind)),
             "channel": str(channels.get(i.channel, i.channel)),
             "requester": str(requesters.get(i.requester, i.requester)), "office": i.office.name if i.office else "",
             "status": i.status} for i in rows]


def notices(*, account) -> list[PortalNotice]:
    return list(PortalNotice.objects.filter(account=account).order_by("-created_at")[:50])


def _mail(notice_id: int) -> None:
    n = PortalNotice.objects.select_related("account").filter(pk=notice_id).first()
    if n is None or not n.account.notify_email:
        return
    try:
        send_mail(n.title, n.body, settings.DEFAULT_FROM_EMAIL, [n.account.notify_email])
    except OSError:  # the notice stays in the inbox; emailed_at stays empty
        log.warning("notice %s not mailed", n.pk)
        return
    PortalNotice.objects.filter(pk=n.pk).update(emailed_at=timezone.now())


def set_notify_email(*, account, email: str) -> None:
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("メールアドレスの形式が正しくありません。"),
                                   field="email") from None
    with transaction.atomic():
        type(account).objects.filter(pk=account.pk).update(notify_email=email)
        record_write(actor=account, action="portal.notify_email", target=account,
                     changes={"notify_email": ["…", "…" if email else ""]})
    account.notify_email = email


def my_data(*, session, resident_id: int) -> dict:
    """Everything My page shows about her, for download (her own read, recorded)."""
    rec = my_record(session=session, resident_id=resident_id, full=True)
    r = rec.resident
    h = r.household
    _page, log = access_log(resident_id=resident_id, per_page=1000)
    return {
        "resident": {"name": r.name, "name_kana": r.name_kana, "birth_date": r.birth_date, "sex": r.sex,
                     "address": h.address, "became_resident_on": r.became_resident_on,
                     "address_since": r.address_since, "relationship": r.relationship, "is_head": r.is_head,
                     "resident_code": r.resident_code, "honseki": r.honseki, "nationality": r.nationality},
        "household": [{"name": m.name, "relationship": m.relationship, "birth_date": m.birth_date}
                      for m in rec.members],
        "access_log": [{"at": e.occurred_at.isoformat(), "kind": e.kind, "action": e.action, "who": e.who,
                        "office": e.office, "role": e.role, "purpose": e.purpose, "channel": e.channel} for e in log],
        "certificates": [{**i, "issued_at": i["issued_at"].isoformat()} for i in issuances_about(resident_id)],
    }
