"""Writes of the facilities area: registration (利用者登録) and its review, lottery rounds, applications, the
draw, confirmations and lapses. Bookings, payments and permits are in :mod:`kuyakusho.facilities.booking`.

Every function takes ``actor`` (a member of staff, a resident's ``identity.PortalAccount``, or None for the
scheduled tasks), runs in one transaction with its audit event, and sends mail after the commit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import Counter
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.models import Staff
from kuyakusho.audit.context import audit_context
from kuyakusho.audit.services import record_refusal, record_write
from kuyakusho.core.dates import age_on
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.text import check_text
from kuyakusho.core.wareki import format_wareki
from kuyakusho.identity.models import PortalAccount

from . import lottery
from .models import (
    Application,
    Booking,
    DrawEntry,
    FacilityKind,
    LotteryRound,
    Notice,
    Registrant,
    Room,
    Stage,
)
from .notices import queue_mail
from .permissions import acts_for
from .slots import add_months, find_period, open_periods

Actor = Staff | PortalAccount | None


def notice_date(d: date) -> str:
    """A date in a notice's text: 和暦 in Japanese (the default), ISO otherwise."""
    return format_wareki(d) if (translation.get_language() or "ja").startswith("ja") else d.isoformat()


# --- 利用者登録 ------------------------------------------------------------------------------------------------

def register(*, actor: PortalAccount, kind: str, name: str, kana: str, activity: str, member_count: int,
             ward_member_count: int, senior_member_count: int, representative_name: str,
             representative_birth_date: date, representative_in_ward: bool, phone: str, email: str) -> Registrant:
    """Register a person or a group for the account; staff review it before it may apply or book."""
    if kind not in Registrant.Kind.values:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("個人か団体かを選んでください。"), field="kind")
    name = check_text(name, field="name", max_length=100)
    kana = check_text(kana, field="kana", max_length=100)
    activity = check_text(activity or "", field="activity", max_length=200)
    representative_name = check_text(representative_name, field="representative_name", max_length=100)
    phone = check_text(phone, field="phone", max_length=20)
    if not name or not kana or not representative_name or not phone:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("名称、フリガナ、代表者氏名、電話番号は必須です。"))
    if kind == Registrant.Kind.PERSON:
        member_count, ward_member_count = 1, int(representative_in_ward)
        senior_member_count = min(senior_member_count, 1)
    if not 1 <= member_count <= 9999:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("構成員数は1人以上で入力してください。"),
                               field="member_count")
    if not 0 <= ward_member_count <= member_count:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("区内在住・在勤の人数は構成員数以下で入力してください。"),
                               field="ward_member_count")
    if not 0 <= senior_member_count <= member_count:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("75歳以上の人数は構成員数以下で入力してください。"),
                               field="senior_member_count")
    today = timezone.localdate()
    if representative_birth_date >= today:
        raise ApplicationError(ErrorCode.INVALID_DATE, _("代表者の生年月日が正しくありません。"),
                               field="representative_birth_date")
    linked = account_is_linked(actor)
    try:
        with transaction.atomic():
            r = Registrant.objects.create(
                number=f"t{secrets.token_hex(5)}", kind=kind, account=actor, name=name,
                kana=kana, activity=activity, member_count=member_count, ward_member_count=ward_member_count,
                senior_member_count=senior_member_count, representative_name=representative_name,
                representative_birth_date=representative_birth_date,
                representative_in_ward=representative_in_ward, phone=phone, email=email or "",
                identity_check=Registrant.Check.CARD if linked else Registrant.Check.NONE)
            r.number = f"{r.pk + 10_000_000:08d}"
            Registrant.objects.filter(pk=r.pk).update(number=r.number)
            record_write(actor=actor, action="facilities.registrant_registered", target=r,
                         changes={"kind": kind, "member_count": member_count, "ward_member_count": ward_member_count,
                                  "identity_check": r.identity_check})
    except IntegrityError:
        raise ApplicationError(ErrorCode.DUPLICATE,
                               _("個人の利用者登録はすでにあります（1人1つの利用者番号です）。")) from None
    return r


def account_is_linked(account: PortalAccount) -> bool:
    """Signed in with the My Number card and matched to the register (identity checked online)."""
    return account.kind == "card" and hasattr(account, "link")


def review_registrant(*, actor: Staff, registrant: Registrant, approve: bool, reason: str,
                      identity_checked_at_counter: bool = False) -> Registrant:
    """Approve or reject a registration (a rejection states its reason)."""
    reason = check_text(reason or "", field="reason", max_length=200)
    if not approve and not reason:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("不承認の理由を入力してください。"), field="reason")
    with transaction.atomic():
        r = Registrant.objects.select_for_update().get(pk=registrant.pk)
        if r.status != Registrant.Status.PENDING:
            raise ApplicationError(ErrorCode.CONFLICT, _("この登録はすでに審査済です。"))
        if approve and r.identity_check == Registrant.Check.NONE and not identity_checked_at_counter:
            raise ApplicationError(ErrorCode.REFUSED,
                                   _("本人確認が済んでいません。窓口で確認してから承認してください。"),
                                   field="identity_checked_at_counter")
        before = r.status
        r.status = Registrant.Status.APPROVED if approve else Registrant.Status.REJECTED
        r.review_reason, r.reviewed_by, r.reviewed_at = reason, actor, timezone.now()
        fields = ["status", "review_reason", "reviewed_by", "reviewed_at"]
        if approve and r.identity_check == Registrant.Check.NONE:
            r.identity_check = Registrant.Check.COUNTER
            fields.append("identity_check")
        r.save(update_fields=fields)
        record_write(actor=actor, action="facilities.registrant_reviewed", target=r,
                     changes={"status": [before, r.status], "identity_check": r.identity_check},
                     detail={"reason": reason})
        subject = str(_("利用者登録の審査結果"))
        body = (str(_("利用者登録を承認しました。利用者番号は %(n)s です。")) % {"n": r.number} if approve
                else str(_("利用者登録を承認できませんでした。理由：%(reason)s")) % {"reason": reason})
        _notice(r, subject, body)
    return r


def _notice(r: Registrant, subject: str, body: str) -> Notice:
    n = Notice.objects.create(registrant=r, subject=subject, body=body)
    if r.email:
        queue_mail([n.pk])
    return n


def check_group_rules(registrant: Registrant, kind: FacilityKind, on: date) -> None:
    """The kind's rules on who may use it (group only, size, share living in the ward, representative's age)."""
    if registrant.status != Registrant.Status.APPROVED:
        raise ApplicationError(ErrorCode.REFUSED, _("利用者登録の承認前は申し込めません。"))
    if kind.groups_only and registrant.kind != Registrant.Kind.GROUP:
        raise ApplicationError(ErrorCode.REFUSED, _("この施設は団体登録の方だけが利用できます。"))
    if registrant.kind == Registrant.Kind.GROUP and registrant.member_count < kind.min_group_size:
        raise ApplicationError(ErrorCode.REFUSED, _("この施設は%(n)s人以上の団体が利用できます。")
                               % {"n": kind.min_group_size})
    if registrant.kind == Registrant.Kind.GROUP and \
            registrant.ward_member_count * 100 < kind.min_ward_share * registrant.member_count:
        raise ApplicationError(ErrorCode.REFUSED, _("構成員の%(p)s％以上が区内在住・在勤の団体が利用できます。")
                               % {"p": kind.min_ward_share})
    if age_on(registrant.representative_birth_date, on) < kind.representative_min_age:
        raise ApplicationError(ErrorCode.REFUSED, _("代表者は%(n)s歳以上の方にしてください。")
                               % {"n": kind.representative_min_age})
    if kind.ward_only and not registrant.is_ward:
        raise ApplicationError(ErrorCode.REFUSED, _("この施設は区内の方だけが利用できます。"))


# --- Lottery rounds ----------------------------------------------------------------------------------------

def open_round(*, actor: Staff, kind: FacilityKind, month: date, seed_sources: str) -> LotteryRound:
    """Open the lottery of ``month``'s slots, its window and the public sources of its seed fixed now."""
    if not kind.lottery:
        raise ApplicationError(ErrorCode.REFUSED, _("この種類の施設は抽選を行いません。"))
    month = month.replace(day=1)
    seed_sources = check_text(seed_sources, field="seed_sources", max_length=1000, multiline=True)
    if not seed_sources.strip():
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("乱数の元にする公表予定の数値を入力してください。"),
                               field="seed_sources")
    window_month = add_months(month, -kind.months_ahead)
    opens = window_month.replace(day=kind.window_first_day)
    closes = window_month.replace(day=kind.window_last_day)
    try:
        with transaction.atomic():
            rnd = LotteryRound.objects.create(kind=kind, month=month, window_opens=opens, window_closes=closes,
                                              draw_on=closes + timedelta(days=1), seed_sources=seed_sources)
            record_write(actor=actor, action="facilities.round_opened", target=rnd,
                         changes={"kind": kind.code, "month": month, "window": [opens, closes],
                                  "seed_sources": seed_sources})
    except IntegrityError:
        raise ApplicationError(ErrorCode.DUPLICATE, _("この月の抽選はすでにあります。")) from None
    return rnd


def round_for(kind: FacilityKind, day: date) -> LotteryRound | None:
    return LotteryRound.objects.filter(kind=kind, month=day.replace(day=1)).defer("published").first()


def _stage(registrant: Registrant, kind: FacilityKind) -> str:
    if registrant.kind == Registrant.Kind.GROUP and registrant.is_ward and Stage.WARD_GROUP in kind.stages:
        return Stage.WARD_GROUP
    return Stage.EVERYONE


def apply(*, actor: PortalAccount, registrant: Registrant, room: Room, day: date, period: str, attendees: int,
          today: date | None = None) -> Application:
    """Apply for one slot in its month's lottery."""
    today = today or timezone.localdate()
    if not acts_for(actor, registrant):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("この利用者番号では申し込めません。"))
    facility = room.facility
    kind = facility.kind
    if not room.is_active:
        raise ApplicationError(ErrorCode.CLOSED, _("この部屋は利用を終了しました。"), field="room")
    rnd = round_for(kind, day)
    if rnd is None or rnd.status != LotteryRound.Status.OPEN or not rnd.window_opens <= today <= rnd.window_closes:
        raise ApplicationError(ErrorCode.CLOSED, _("抽選の申込期間外です。"), field="date")
    check_group_rules(registrant, kind, today)
    if not 1 <= attendees <= room.capacity:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("利用人数は1人以上、定員（%(n)s人）以下です。")
                               % {"n": room.capacity}, field="attendees")
    p = find_period(room.scheme, period)
    if p is None or p not in open_periods(room, day, facility=facility, closures=facility.closures.all()):
        raise ApplicationError(ErrorCode.CLOSED, _("この日時は休館日または利用時間外です。"), field="date")
    with transaction.atomic():
        Registrant.objects.select_for_update().get(pk=registrant.pk)  # one cap check at a time per registrant
        if Booking.objects.filter(room=room, date=day, period=period, status__in=("provisional", "confirmed")).exists():
            raise ApplicationError(ErrorCode.CONFLICT, _("この枠はすでに予約されています。"))
        if Application.objects.filter(round=rnd, registrant=registrant).count() >= kind.cap_per_month:
            raise ApplicationError(ErrorCode.REFUSED, _("1か月の申込は%(n)s件までです。") % {"n": kind.cap_per_month})
        try:
            with transaction.atomic():
                app = Application.objects.create(round=rnd, registrant=registrant, room=room, date=day,
                                                 period=period, stage=_stage(registrant, kind), attendees=attendees)
        except IntegrityError:
            raise ApplicationError(ErrorCode.DUPLICATE, _("この枠にはすでに申し込んでいます。")) from None
        record_write(actor=actor, action="facilities.applied", target=app,
                     changes={"round": rnd.pk, "room": room.pk, "date": day, "period": period, "stage": app.stage})
    return app


def withdrawable(app: Application, today: date) -> bool:
    """An application may be withdrawn while its round's window is open."""
    return app.round.status == LotteryRound.Status.OPEN and today <= app.round.window_closes


def withdraw(*, actor: PortalAccount, application: Application) -> None:
    """Withdraw an application while the window is open."""
    with transaction.atomic():
        app = Application.objects.select_for_update().select_related("round", "registrant").get(pk=application.pk)
        if not acts_for(actor, app.registrant):
            raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("この申込は取り下げられません。"))
        if not withdrawable(app, timezone.localdate()):
            raise ApplicationError(ErrorCode.CLOSED, _("申込期間が終わった申込は取り下げられません。"))
        record_write(actor=actor, action="facilities.application_withdrawn", target=app,
                     changes={"room": app.room_id, "date": app.date, "period": app.period})
        app.delete()


def published_data(rnd: LotteryRound, key: str, seed_values: str) -> dict[str, Any]:
    """The draw's input as published: no names, pseudonymous applicants (an HMAC of the registrant under the
    ward's secret, different in every round), opaque references."""
    kind = rnd.kind
    stage_order = {s: i for i, s in enumerate(kind.stages or [Stage.EVERYONE])}
    secret = settings.SECRET_KEY.encode()
    pseudonyms: dict[int, str] = {}
    rows = Application.objects.filter(round=rnd).order_by("id").values_list(
        "id", "registrant_id", "room_id", "date", "period", "stage", "registrant__kind",
        "registrant__member_count", "registrant__ward_member_count", "registrant__representative_in_ward")
    tickets = []
    for pk, reg, room, day, period, stage, rkind, members, ward_members, rep_in_ward in rows:
        name = pseudonyms.get(reg)
        if name is None:
            message = f"facilities-draw:{rnd.pk}:{reg}".encode()
            name = pseudonyms[reg] = hmac.new(secret, message, hashlib.sha256).hexdigest()[:16]
        is_ward = rep_in_ward if rkind == Registrant.Kind.PERSON else ward_members * 2 >= members
        tickets.append([f"A{pk}", name, f"{room}/{day.isoformat()}/{period}", stage_order.get(stage, len(stage_order)),
                        bool(is_ward or not kind.ward_only)])
    return {"round": rnd.pk, "kind": kind.code, "month": rnd.month.isoformat(), "algorithm": lottery.ALGORITHM,
            "seed_sources": rnd.seed_sources, "seed_values": seed_values, "key": key,
            "rules": {"one_win_per_period": kind.one_win_per_period, "stages": list(kind.stages)},
            "tickets": tickets}


def run_draw(*, actor: Staff | None, round: LotteryRound, seed_values: str, today: date | None = None
             ) -> LotteryRound:
    """Draw the round once. A second draw is refused and audited.

    The draw's transaction records what makes the result: the seed's values and key, the published
    (pseudonymised) applications and the SHA-256 digest of every outcome; the result is then fixed, since anyone
    can recompute it from those. Writing one row per result and one notice per registrant is queued
    (:func:`write_results`, run by the task worker after the commit), and checks that the redraw gives the
    recorded digest before writing anything.
    """
    today = today or timezone.localdate()
    try:
        key = lottery.seed_key(seed_values)
    except lottery.SeedError:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("乱数の元の値を、元ごとに1行、数字で入力してください。"),
                               field="seed_values") from None
    try:
        with transaction.atomic():
            rnd = LotteryRound.objects.select_for_update().select_related("kind").get(pk=round.pk)
            if rnd.status != LotteryRound.Status.OPEN:
                raise _Redraw(rnd)
            if today <= rnd.window_closes:
                raise ApplicationError(ErrorCode.CLOSED, _("申込期間が終わるまで抽選できません。"))
            data = published_data(rnd, key, seed_values)
            result = lottery.draw(lottery.tickets_from_published(data), key=key,
                                  one_win_per_period=rnd.kind.one_win_per_period)
            digest = result.digest
            rnd.status, rnd.seed_values, rnd.seed_key = LotteryRound.Status.DRAWN, seed_values, key
            rnd.drawn_at, rnd.result_digest = timezone.now(), digest
            rnd.confirm_deadline = today + timedelta(days=rnd.kind.confirm_days)
            rnd.published = {**data, "digest": digest}
            rnd.save(update_fields=["status", "seed_values", "seed_key", "drawn_at", "confirm_deadline",
                                    "result_digest", "published"])
            counts = Counter(o for o, _r in result.outcomes.values())
            record_write(actor=actor, action="facilities.round_drawn", target=rnd,
                         changes={"status": ["open", "drawn"], "digest": digest, "key": key},
                         detail={"applications": len(result.outcomes), **counts})
            round_id = rnd.pk
            transaction.on_commit(lambda: write_round_results.enqueue(round_id))
    except _Redraw as r:
        with transaction.atomic():
            record_refusal(actor=actor, action="facilities.redraw_refused", target=r.round,
                           detail={"drawn_at": r.round.drawn_at, "digest": r.round.result_digest})
        raise ApplicationError(ErrorCode.CONFLICT,
                               _("この月の抽選はすでに行われています。再抽選はできません。")) from None
    return rnd


class _Redraw(Exception):
    def __init__(self, rnd: LotteryRound):
        super().__init__("redraw")
        self.round = rnd


def write_results(*, round_id: int) -> int:
    """Write a drawn round's result rows (winners awaiting confirmation, ranked substitutes) and one notice per
    registrant, once. The result is recomputed from the published data and must give the recorded digest.
    Returns how many rows were written (0 if they were already)."""
    with transaction.atomic():
        rnd = LotteryRound.objects.select_for_update().get(pk=round_id)
        if rnd.status != LotteryRound.Status.DRAWN or DrawEntry.objects.filter(round=rnd).exists():
            return 0
        result = lottery.redraw(rnd.published)
        mismatch = result.digest != rnd.result_digest
        if not mismatch:
            _write_entries(rnd, result)
    if mismatch:  # nothing written; the refusal is kept
        with transaction.atomic():
            record_refusal(actor=None, action="facilities.results_mismatch", target=rnd,
                           detail={"recorded": rnd.result_digest, "redraw": result.digest})
        raise ApplicationError(ErrorCode.CONFLICT, _("抽選結果を再現できませんでした。"))
    return len(result.outcomes)


def _write_entries(rnd: LotteryRound, result: lottery.Result) -> None:
    """One row per result and a notice per registrant (inside the caller's transaction)."""
    confirm_by = rnd.confirm_deadline
    entries = []
    for ref, (outcome, rank) in result.outcomes.items():
        won = outcome == DrawEntry.Outcome.WON
        entries.append(DrawEntry(application_id=int(ref[1:]), round_id=rnd.pk, outcome=outcome, rank=rank,
                                 state=DrawEntry.State.WAITING if won else "",
                                 confirm_by=confirm_by if won else None))
    DrawEntry.objects.bulk_create(entries, batch_size=5000)
    _result_notices(rnd, result)
    record_write(actor=None, action="facilities.round_results_written", target=rnd,
                 changes={"entries": len(entries), "digest": rnd.result_digest})


@task
def write_round_results(round_id: int) -> int:
    """The task the draw queues: its result rows and the registrants' notices (run by the task worker)."""
    with audit_context(channel="system", via="facilities.write_round_results"):
        return write_results(round_id=round_id)


def _result_notices(rnd: LotteryRound, result: lottery.Result) -> None:
    """One notice per registrant: how many slots won and on the substitute lists (mailed after commit)."""
    per: dict[int, Counter[str]] = {}
    ids = {f"A{pk}": reg for pk, reg in Application.objects.filter(round=rnd).values_list("id", "registrant_id")}
    for ref, (outcome, _rank) in result.outcomes.items():
        per.setdefault(ids[ref], Counter())[outcome] += 1
    subject = str(_("施設の抽選結果（%(month)s）")) % {"month": f"{rnd.month.year}/{rnd.month.month:02d}"}
    template = str(_("当選%(won)s件、補欠%(sub)s件、落選・対象外%(lost)s件です。当選は%(by)sまでに確認してください。"))
    notices = [Notice(registrant_id=reg, subject=subject,
                      body=template % {"won": c["won"], "sub": c["substitute"], "lost": c["excluded"],
                                       "by": notice_date(rnd.confirm_deadline) if rnd.confirm_deadline else ""})
               for reg, c in per.items()]
    Notice.objects.bulk_create(notices, batch_size=5000)
    with_email = set(Registrant.objects.filter(pk__in=list(per)).exclude(email="").values_list("pk", flat=True))
    queue_mail([n.pk for n in notices if n.registrant_id in with_email and n.pk is not None])


# --- Confirmations and lapses -------------------------------------------------------------------------------

def lapse_unconfirmed(*, today: date | None = None) -> int:
    """Wins not confirmed by their deadline lapse; the next substitute of the slot is asked to confirm."""
    today = today or timezone.localdate()
    lapsed = 0
    due = list(DrawEntry.objects.filter(state=DrawEntry.State.WAITING, confirm_by__lt=today)
               .values_list("pk", flat=True)[:5000])
    for pk in due:
        with transaction.atomic():
            e = DrawEntry.objects.select_for_update().select_related("application", "round__kind").get(pk=pk)
            if e.state != DrawEntry.State.WAITING:
                continue
            e.state = DrawEntry.State.LAPSED
            e.save(update_fields=["state"])
            record_write(actor=None, action="facilities.win_lapsed", target=e, changes={"state": ["waiting", "lapsed"]})
            _notice(e.application.registrant, str(_("当選の失効")),
                    str(_("当選確認の期限を過ぎたため、当選は失効しました。")))
            promote_next_substitute(e, today)
            lapsed += 1
    return lapsed


def substitute_deadline(day: date, today: date, confirm_days: int) -> date | None:
    """The confirmation deadline a substitute promoted today gets for a slot used on ``day``: the kind's days, at
    most the day before use; ``None`` when that leaves no day beyond today (the slot then opens first-come)."""
    deadline = min(today + timedelta(days=confirm_days), day - timedelta(days=1))
    return deadline if deadline > today else None


def promote_next_substitute(e: DrawEntry, today: date) -> DrawEntry | None:
    """Offer the slot of ``e`` (a win that lapsed, unconfirmed or unpaid) to its next substitute, if the
    substitute's confirmation deadline can still be met (inside the caller's transaction). Returns the promoted
    entry, or None: no substitute left, or too late, and the slot opens first-come."""
    app = e.application
    deadline = substitute_deadline(app.date, today, e.round.kind.confirm_days)
    if deadline is None:
        return None
    nxt = (DrawEntry.objects.select_for_update()
           .filter(round=e.round, outcome=DrawEntry.Outcome.SUBSTITUTE, state="", application__room=app.room_id,
                   application__date=app.date, application__period=app.period)
           .select_related("application__registrant").order_by("rank").first())
    if nxt is None:
        return None
    nxt.state, nxt.confirm_by = DrawEntry.State.WAITING, deadline
    nxt.save(update_fields=["state", "confirm_by"])
    record_write(actor=None, action="facilities.substitute_promoted", target=nxt,
                 changes={"state": ["", "waiting"], "rank": nxt.rank, "after": e.pk})
    _notice(nxt.application.registrant, str(_("補欠からの繰り上げ当選")),
            str(_("補欠から繰り上げで当選しました。%(by)sまでに当選を確認してください。"))
            % {"by": notice_date(deadline)})
    return nxt

