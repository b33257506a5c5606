"""Writes to offices' calendars: an administrator adds or removes a closed day or an extra opening.

Hook for higher areas: ``on_schedule_changed(listener)`` registers ``listener(office_codes)``, called after
the change commits with the codes of the offices whose opening state may have changed (the queues app
registers one in its ``AppConfig.ready()`` to push the new state to congestion pages and ticket machines).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import date, time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kuyakusho.accounts.actors import as_staff
from kuyakusho.accounts.models import Staff
from kuyakusho.audit.services import record_write
from kuyakusho.core.actors import Actor
from kuyakusho.core.errors import ApplicationError, ErrorCode

from .models import Office, Schedule, Service, SpecialDay

ScheduleListener = Callable[[list[str]], None]
_schedule_listeners: list[ScheduleListener] = []


def on_schedule_changed(listener: ScheduleListener) -> None:
    """Call ``listener(office_codes)`` after every committed change to an office calendar."""
    if listener not in _schedule_listeners:
        _schedule_listeners.append(listener)


def add_special_day(*, actor: Actor, schedule: Schedule, kind: str, date_from: date, date_to: date | None = None,
                    office: Office | None = None, services: Sequence[Service] = (), opens: time | None = None,
                    closes: time | None = None, reason_ja: str, reason_en: str = "") -> SpecialDay:
    date_to = date_to or date_from
    if kind not in SpecialDay.Kind.values:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("種別が正しくありません。"), field="kind")
    if date_to < date_from:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("終了日は開始日以降にしてください。"), field="date_to")
    if (date_to - date_from).days > 366:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("期間は1年以内にしてください。"), field="date_to")
    if kind == SpecialDay.Kind.OPEN:
        if opens is None or closes is None:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("臨時開庁には開始時刻と終了時刻を入力してください。"),
                                   field="opens")
        if opens >= closes:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("終了時刻は開始時刻より後にしてください。"),
                                   field="closes")
    else:
        opens = closes = None
    if not reason_ja.strip():
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("理由を入力してください。"), field="reason_ja")
    if office is not None and office.schedule_id not in (None, schedule.pk):
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("この事務所は別の開庁時間の区分に属しています。"),
                               field="office")
    with transaction.atomic():
        day = SpecialDay.objects.create(schedule=schedule, office=office, kind=kind, date_from=date_from,
                                        date_to=date_to, opens=opens, closes=closes, reason_ja=reason_ja.strip(),
                                        reason_en=reason_en.strip(), created_by=as_staff(actor))
        day.services.set(services)
        record_write(actor=actor, action="offices.special_day.add", target=day, changes={
            "kind": [None, kind], "date_from": [None, date_from], "date_to": [None, date_to],
            "office": [None, office.code if office else None], "services": [None, sorted(s.code for s in services)],
            "opens": [None, opens], "closes": [None, closes], "reason": [None, reason_ja]})
    _changed(schedule)
    return day


DEMO_REASON_JA = "デモ用の臨時開庁（終日）"
DEMO_REASON_EN = "Open all day for the demo"


def open_today_for_demo(*, actor: Actor) -> list[SpecialDay]:
    """The demo ward only: every schedule (counters, kiosks, stores) open all of today, so that a newcomer
    trying the platform at night sees the ticket machine, the kiosk and the counter work. Each opening is an
    ordinary, audited extra opening, shown on the office guide and removable like any other; installations
    without ``settings.DEMO_MODE`` refuse it. A closed period (the year end) still wins, as it does for any
    extra opening."""
    if not settings.DEMO_MODE:
        raise ApplicationError(ErrorCode.REFUSED, _("デモ用の臨時開庁は、デモ環境でのみ使えます。"))
    today = timezone.localdate()
    days = []
    for schedule in Schedule.objects.order_by("code"):
        if SpecialDay.objects.filter(schedule=schedule, kind=SpecialDay.Kind.OPEN, date_from=today,
                                     reason_ja=DEMO_REASON_JA).exists():
            continue
        days.append(add_special_day(actor=actor, schedule=schedule, kind=SpecialDay.Kind.OPEN, date_from=today,
                                    opens=time(0), closes=time(23, 59, 59), reason_ja=DEMO_REASON_JA,
                                    reason_en=DEMO_REASON_EN))
    return days


def remove_special_day(*, actor: Staff, special_day: SpecialDay) -> None:
    if special_day.annual:
        raise ApplicationError(ErrorCode.REFUSED,
                               _("毎年の閉庁日（年末年始など）はこの画面では削除できません。"))
    schedule = special_day.schedule
    with transaction.atomic():
        record_write(actor=actor, action="offices.special_day.remove", target=special_day, changes={
            "kind": [special_day.kind, None], "date_from": [special_day.date_from, None],
            "date_to": [special_day.date_to, None], "reason": [special_day.reason_ja, None]})
        special_day.delete()
    _changed(schedule)


def _changed(schedule: Schedule) -> None:
    """Opening states shown live (congestion, ticket machines) follow at once."""
    if schedule.code != "offices" and not schedule.offices.exists():
        return
    codes = list(schedule.offices.values_list("code", flat=True))
    for listener in _schedule_listeners:
        transaction.on_commit(functools.partial(listener, codes))


def set_display_alternation(*, actor: Staff, office: Office, seconds: int) -> Office:
    """How the office's lobby display (呼出表示) shows its words: 0 in one language, otherwise Japanese and English
    in turn every ``seconds`` (5 to 600)."""
    if seconds and not 5 <= seconds <= 600:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("切り替えの間隔は5〜600秒（切り替えないときは0）です。"),
                               field="seconds")
    with transaction.atomic():
        office = Office.objects.select_for_update().get(pk=office.pk)
        before = office.display_alternate_seconds
        if before != seconds:
            office.display_alternate_seconds = seconds
            office.save(update_fields=["display_alternate_seconds"])
            record_write(actor=actor, action="offices.display_alternation", target=office,
                         changes={"display_alternate_seconds": [before, seconds]})
    return office
