"""What supervisors and administrators change: channel policies, revocations, alerts, support measures,
本人通知 registrations and cards. Each write: keyword-only, one transaction, an audit event inside it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.models import Staff
from kuyakusho.audit.services import diff, record_write
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.text import check_text
from kuyakusho.offices.models import Schedule
from kuyakusho.residents.models import Resident

from ..documents.model import CertificateKind
from ..models import (
    SELF_SERVICE,
    Alert,
    Card,
    Channel,
    ChannelPolicy,
    Identity,
    Issuance,
    Notice,
    NoticeRegistration,
    Option,
    Requester,
    Status,
    SupportMeasure,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

#: How each channel can know who is asking (a store terminal cannot look at a photo).
IDENTITIES: dict[str, tuple[str, ...]] = {
    Channel.COUNTER: (Identity.PHOTO_ID,),
    Channel.POST_OFFICE: (Identity.PHOTO_ID,),
    Channel.KIOSK: (Identity.RESIDENT_CARD, Identity.MY_NUMBER_CARD),
    Channel.KONBINI: (Identity.MY_NUMBER_CARD,),
    Channel.POSTAL: (Identity.ID_COPY,),
    Channel.ONLINE: (Identity.CARD_SIGNATURE,),
}
#: Online requests are mailed to the registered address of a current resident: never 印鑑登録証明書 (the seal
#: card), 除票 or 転出証明書.
ONLINE_KINDS = {CertificateKind.JUMINHYO, CertificateKind.JUMINHYO_KISAI, CertificateKind.KAZEI,
                CertificateKind.HIKAZEI, CertificateKind.NOZEI}
#: A card proves who holds it, not a proxy's letter or a third party's purpose.
SELF_SERVICE_REQUESTERS = (Requester.SELF, Requester.HOUSEHOLD)
MAX_FEE = 10_000
POLICY_FIELDS = ("enabled", "schedule_id", "identity", "kinds", "options", "requesters", "fees")


def _invalid(message: StrOrPromise, field: str | None = None) -> ApplicationError:
    return ApplicationError(ErrorCode.INVALID_INPUT, message, field=field)


# --- channel policies --------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyInput:
    enabled: bool
    schedule_id: int | None
    identity: str
    kinds: tuple[str, ...]
    options: tuple[str, ...]
    requesters: tuple[str, ...]
    fees: dict[str, int]


def _policy_values(policy: ChannelPolicy) -> dict[str, Any]:
    return {f: getattr(policy, f) for f in POLICY_FIELDS}


def _clean_policy(channel: str, data: PolicyInput) -> dict[str, Any]:
    kinds = [k.value for k in CertificateKind if k.value in set(data.kinds)]
    if len(kinds) != len(set(data.kinds)):
        raise _invalid(_("証明書の種類の指定が正しくありません。"), "kinds")
    options = [o for o in Option.values if o in set(data.options)]
    if len(options) != len(set(data.options)):
        raise _invalid(_("記載事項の指定が正しくありません。"), "options")
    requesters = [r for r in Requester.values if r in set(data.requesters)]
    if len(requesters) != len(set(data.requesters)) or not requesters:
        raise _invalid(_("請求できる人を一つ以上選んでください。"), "requesters")
    if data.enabled and not kinds:
        raise _invalid(_("取り扱う証明書を一つ以上選んでください。"), "kinds")
    if data.identity not in IDENTITIES[channel]:
        raise _invalid(_("この交付方法では、その本人確認の方法は使えません。"), "identity")
    if channel in {*SELF_SERVICE, Channel.ONLINE} and not set(requesters) <= set(SELF_SERVICE_REQUESTERS):
        raise _invalid(_("カードによる交付では、本人と同一世帯の方の請求だけを受け付けられます。"), "requesters")
    if channel == Channel.ONLINE and not set(kinds) <= ONLINE_KINDS:
        raise _invalid(_("オンライン申請で取り扱えるのは、住民票の写し・記載事項証明書と税の証明書だけです。"), "kinds")
    fees = {}
    for kind in kinds:
        fee = data.fees.get(kind)
        if fee is None or isinstance(fee, bool) or not isinstance(fee, int) or not 0 <= fee <= MAX_FEE:
            raise _invalid(_("手数料は0円から%(max)s円までの整数で入力してください。") % {"max": f"{MAX_FEE:,}"},
                           f"fee_{kind}")
        fees[kind] = fee
    if data.schedule_id is not None and not Schedule.objects.filter(pk=data.schedule_id).exists():
        raise _invalid(_("取扱時間の区分が見つかりません。"), "schedule")
    return {"enabled": bool(data.enabled), "schedule_id": data.schedule_id, "identity": data.identity,
            "kinds": kinds, "options": options, "requesters": requesters, "fees": fees}


def update_policy(*, actor: Staff, channel: str, data: PolicyInput, seen_updated_at: datetime | None) -> ChannelPolicy:
    """Change one channel's policy. ``seen_updated_at``: the version on the administrator's screen."""
    if channel not in Channel.values:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("この交付方法は設定されていません。"))
    values = _clean_policy(channel, data)
    with transaction.atomic():
        policy = ChannelPolicy.objects.select_for_update().filter(channel=channel).first()
        if policy is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("この交付方法は設定されていません。"))
        if seen_updated_at is not None and policy.updated_at != seen_updated_at:
            raise ApplicationError(ErrorCode.CONFLICT, _(
                "この設定は他の管理者が先に変更しました。画面を開き直して、最新の設定を確認してください。"))
        before = _policy_values(policy)
        for name, value in values.items():
            setattr(policy, name, value)
        changes = diff(before, _policy_values(policy))
        if not changes:
            return policy
        policy.save()
        record_write(actor=actor, action="certificates.policy_update", target=policy, changes=changes,
                     detail={"channel": channel})
    return policy


# --- issued certificates -----------------------------------------------------------------------


def revoke_issuance(*, actor: Staff, issuance_id: int, reason: str) -> Issuance:
    """Revoke an issued certificate: the public verification page will say so."""
    reason = check_text(reason or "", field="reason", max_length=200)
    if not reason:
        raise _invalid(_("失効させる理由を入力してください。"), "reason")
    with transaction.atomic():
        issuance = Issuance.objects.select_for_update().filter(pk=issuance_id).first()
        if issuance is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("交付記録が見つかりません。"))
        if issuance.status == Status.REVOKED:
            raise ApplicationError(ErrorCode.CONFLICT, _("この証明書はすでに失効しています。"))
        issuance.status = Status.REVOKED
        issuance.revoked_at = timezone.now()
        issuance.revoke_reason = reason
        issuance.save(update_fields=["status", "revoked_at", "revoke_reason"])
        record_write(actor=actor, action="certificates.revoke", target=issuance, subject_id=issuance.subject_id,
                     changes={"status": [Status.ISSUED, Status.REVOKED]},
                     detail={"number": issuance.number, "reason": reason})
    return issuance


# --- alerts ------------------------------------------------------------------------------------


def acknowledge_alert(*, actor: Staff, alert_id: int) -> Alert:
    with transaction.atomic():
        alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
        if alert is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("警告が見つかりません。"))
        if alert.acknowledged_at is not None:
            raise ApplicationError(ErrorCode.CONFLICT, _("この警告は確認済みです。"))
        alert.acknowledged_by = actor
        alert.acknowledged_at = timezone.now()
        alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
        record_write(actor=actor, action="certificates.alert_ack", target=alert, subject_id=alert.resident_id,
                     detail={"kind": alert.kind, "channel": alert.channel})
    return alert


# --- support measures (支援措置) -----------------------------------------------------------------


def start_support_measure(*, actor: Staff, resident_id: int, starts_on: date, ends_on: date | None = None,
                          note: str = "") -> SupportMeasure:
    note = check_text(note or "", field="note", max_length=200)
    if ends_on is not None and ends_on < starts_on:
        raise _invalid(_("終了日は開始日より後にしてください。"), "ends_on")
    with transaction.atomic():
        resident = Resident.objects.select_for_update().filter(pk=resident_id).first()
        if resident is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("対象の方が見つかりません。"), field="resident")
        overlapping = SupportMeasure.objects.filter(resident=resident).exclude(ends_on__lt=starts_on)
        if ends_on is not None:
            overlapping = overlapping.filter(starts_on__lte=ends_on)
        if overlapping.exists():
            raise ApplicationError(ErrorCode.DUPLICATE, _("この方には、期間の重なる支援措置がすでにあります。"),
                                   field="starts_on")
        measure = SupportMeasure.objects.create(resident=resident, starts_on=starts_on, ends_on=ends_on, note=note,
                                                created_by=actor)
        record_write(actor=actor, action="certificates.support_measure_start", target=measure,
                     subject_id=resident.pk, changes={"starts_on": [None, starts_on], "ends_on": [None, ends_on]})
    return measure


def end_support_measure(*, actor: Staff, measure_id: int, ends_on: date) -> SupportMeasure:
    with transaction.atomic():
        measure = SupportMeasure.objects.select_for_update().filter(pk=measure_id).first()
        if measure is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("支援措置が見つかりません。"))
        if ends_on < measure.starts_on:
            raise _invalid(_("終了日は開始日より後にしてください。"), "ends_on")
        if measure.ends_on is not None and measure.ends_on < timezone.localdate():
            raise ApplicationError(ErrorCode.CONFLICT, _("この支援措置はすでに終了しています。"))
        before = measure.ends_on
        measure.ends_on = ends_on
        measure.save(update_fields=["ends_on"])
        record_write(actor=actor, action="certificates.support_measure_end", target=measure,
                     subject_id=measure.resident_id, changes={"ends_on": [before, ends_on]})
    return measure


# --- 本人通知 ----------------------------------------------------------------------------------


def register_notice(*, actor: Staff, resident_id: int, mailing_address: str, registered_on: date | None = None
                    ) -> NoticeRegistration:
    """Register (or re-activate) a resident for 本人通知."""
    address = check_text(mailing_address or "", field="mailing_address", max_length=200)
    if not address:
        raise _invalid(_("通知の送付先を入力してください。"), "mailing_address")
    registered_on = registered_on or timezone.localdate()
    with transaction.atomic():
        resident = Resident.objects.select_for_update().filter(pk=resident_id).first()
        if resident is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("対象の方が見つかりません。"), field="resident")
        registration = NoticeRegistration.objects.select_for_update().filter(resident=resident).first()
        if registration is not None and registration.active:
            raise ApplicationError(ErrorCode.DUPLICATE, _("この方はすでに本人通知に登録されています。"))
        before = {"active": registration.active, "mailing_address": registration.mailing_address} \
            if registration else {}
        if registration is None:
            registration = NoticeRegistration(resident=resident)
        registration.registered_on = registered_on
        registration.mailing_address = address
        registration.active = True
        registration.save()
        record_write(actor=actor, action="certificates.notice_register", target=registration,
                     subject_id=resident.pk,
                     changes=diff(before, {"active": True, "mailing_address": address}))
    return registration


def end_notice_registration(*, actor: Staff, registration_id: int) -> NoticeRegistration:
    with transaction.atomic():
        registration = NoticeRegistration.objects.select_for_update().filter(pk=registration_id).first()
        if registration is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("本人通知の登録が見つかりません。"))
        if not registration.active:
            raise ApplicationError(ErrorCode.CONFLICT, _("この登録はすでに廃止されています。"))
        registration.active = False
        registration.save(update_fields=["active"])
        record_write(actor=actor, action="certificates.notice_unregister", target=registration,
                     subject_id=registration.resident_id, changes={"active": [True, False]})
    return registration


def mark_notice_sent(*, actor: Staff, notice_id: int) -> Notice:
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("registration").filter(pk=notice_id).first()
        if notice is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("通知書が見つかりません。"))
        if notice.sent_at is not None:
            raise ApplicationError(ErrorCode.CONFLICT, _("この通知書は発送済みです。"))
        notice.sent_at = timezone.now()
        notice.save(update_fields=["sent_at"])
        record_write(actor=actor, action="certificates.notice_sent", target=notice,
                     subject_id=notice.registration.resident_id, detail={"issuance": notice.issuance_id})
    return notice


# --- cards -------------------------------------------------------------------------------------


def deactivate_card(*, actor: Staff, card_id: int) -> Card:
    """A lost or returned card stops working on every channel."""
    with transaction.atomic():
        card = Card.objects.select_for_update().filter(pk=card_id).first()
        if card is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("カードが見つかりません。"))
        if not card.active:
            raise ApplicationError(ErrorCode.CONFLICT, _("このカードはすでに使用停止です。"))
        card.active = False
        card.save(update_fields=["active"])
        record_write(actor=actor, action="certificates.card_deactivate", target=card, subject_id=card.resident_id,
                     changes={"active": [True, False]})
    return card
