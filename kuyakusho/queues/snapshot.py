"""The state of offices' queues as plain data: what the congestion page, the lobby display, the ticket
holder's page, the JSON API and the live pushes all show. Built in a fixed number of grouped queries,
whatever the number of offices (strings in the active language)."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kuyakusho.core.recent import recent
from kuyakusho.core.templatetags.kuyakusho import wareki
from kuyakusho.offices.hours import Calendar, Opening
from kuyakusho.offices.models import Office, Schedule

from .estimates import live_rates, rates
from .models import ACTIVE, Status, Ticket
from .selectors import offices_taking_tickets


def _when(at: datetime | None, now: datetime) -> str:
    if at is None:
        return _("未定")
    local, today = timezone.localtime(at), timezone.localtime(now).date()
    if local.date() == today:
        return _("本日 %(time)s") % {"time": f"{local:%H:%M}"}
    return f"{wareki(local)} {local:%H:%M}"


def opening_text(o: Opening, now: datetime) -> dict:
    if o.is_open:
        return {"is_open": True, "status": _("受付中"), "label": _("受付中"),
                "detail": _("%(time)sまで") % {"time": f"{timezone.localtime(o.closes_at):%H:%M}"}}
    detail = _("次の受付開始: %(when)s") % {"when": _when(o.next_opens_at, now)}
    if o.closed_reason:
        detail = f"{o.closed_reason} · {detail}"
    return {"is_open": False, "status": _("受付時間外"), "detail": detail, "label": f"{_('受付時間外')}（{detail}）"}


def closed_headline(cal: Calendar, office: Office, now: datetime) -> str:
    """What a resident must read first when an office is not taking visitors: why, in words, not "0人 約0分"."""
    at = timezone.localtime(now)
    spans = cal.intervals(at.date(), office.pk)
    if not spans:
        reason = cal.closed_reason(at.date(), office.pk)
        return (_("本日は閉庁日です（%(reason)s）") % {"reason": reason}) if reason else _("本日は受付を行っていません")
    if at < spans[0][0]:
        return _("本日の受付は%(time)sからです") % {"time": f"{spans[0][0]:%H:%M}"}
    if at >= spans[-1][1]:
        return _("本日の受付は終了しました")
    return _("ただいま受付時間外です")


def snapshots(codes: list[str] | None = None, *, detail: bool = False, now: datetime | None = None) -> list[dict]:
    explicit_now = now is not None  # the present reads the averages from their shared snapshot
    now = now or timezone.now()
    offices = list(offices_taking_tickets().filter(code__in=codes) if codes is not None else offices_taking_tickets())
    if not offices:
        return []
    ids = [o.pk for o in offices]
    calendars: dict[int | None, Calendar] = {}
    for o in offices:
        if o.schedule_id not in calendars:
            calendars[o.schedule_id] = Calendar.load(o.schedule or Schedule.objects.get(code="offices"))
    all_services = {s.pk: s for o in offices for s in o.services.all()}
    services_asked = list(all_services.values())
    rate = rates(ids, services_asked, now) if explicit_now else live_rates(ids, services_asked)
    today = timezone.localdate(now)
    waiting = Ticket.objects.filter(office_id__in=ids, day=today, status=Status.WAITING)
    queues: dict[tuple[int, int], list[str]] = defaultdict(list)
    counts: dict[tuple[int, int], int] = {}
    if detail:
        rows = waiting.order_by("priority", "queued_at", "id").values_list("office_id", "service_id", "letter",
                                                                           "number", "priority")
        # priority tickets ("" sorts first) go last in ORDER BY priority: put them first here.
        prio: defaultdict[tuple[int, int], list[str]] = defaultdict(list)
        normal: defaultdict[tuple[int, int], list[str]] = defaultdict(list)
        for office_id, service_id, letter, number, priority in rows:
            (prio if priority else normal)[(office_id, service_id)].append(f"{letter}-{number:03d}")
        for key in set(prio) | set(normal):
            queues[key] = prio[key] + normal[key]
            counts[key] = len(queues[key])
    else:
        for r in waiting.values("office_id", "service_id").annotate(n=Count("id")):
            counts[(r["office_id"], r["service_id"])] = r["n"]
    active: dict[int, list[dict]] = defaultdict(list)
    if detail:
        for t in (Ticket.objects.filter(office_id__in=ids, day=today, status__in=ACTIVE)
                  .select_related("counter", "service").order_by("-called_at")):
            assert t.counter is not None  # a called or served ticket is at a counter (a database constraint)
            active[t.office_id].append({
                "label": t.label, "counter": t.counter.number, "counter_label": str(t.counter.label),
                "service": t.service.code, "status": t.status, "status_label": str(t.get_status_display()),
                "called_at": t.called_at.isoformat() if t.called_at else None, "recalls": t.recalls})
    out = []
    for o in offices:
        cal = calendars[o.schedule_id]
        services = []
        for s in o.services.all():
            key = (o.pk, s.pk)
            n, est = counts.get(key, 0), rate[key]
            so = cal.status(now, office=o, service=s)
            services.append({
                "code": s.code, "name": s.name, "letter": s.letter, "waiting": n,
                "wait_minutes": est.wait_minutes(n), "minutes_per_person": round(est.minutes_per_person, 2),
                "counters": est.counters, "estimate_source": est.source, **opening_text(so, now),
                **({"queue": queues.get(key, [])} if detail else {}),
            })
        opening = cal.status(now, office=o)
        snap = {
            "office": o.code, "name": o.name, "waiting": sum(s["waiting"] for s in services),
            **opening_text(opening, now), "services": services, "updated_at": now.isoformat(),
            "headline": "" if opening.is_open else closed_headline(cal, o, now),
            "next_text": "" if opening.is_open else _("次の受付: %(when)s") % {
                "when": _when(opening.next_opens_at, now)},
        }
        if detail:
            snap["called"] = active.get(o.pk, [])
        out.append(snap)
    return out


def snapshot(code: str, *, detail: bool = True, now: datetime | None = None) -> dict | None:
    found = snapshots([code], detail=detail, now=now)
    return found[0] if found else None


def position(ticket: Ticket) -> dict:
    """:func:`ticket_position` of one ticket, read directly: its counter when called, or how many wait before it
    in its service's queue (priority tickets first, then by place in the queue) and the minutes that makes —
    a count and the averages' snapshot instead of the whole office's snapshot (the ticket holder's page)."""
    if ticket.status in ACTIVE:
        assert ticket.counter is not None  # a called or served ticket is at a counter (a database constraint)
        return {"state": ticket.status, "counter": ticket.counter.number, "counter_label": str(ticket.counter.label)}
    if ticket.status != Status.WAITING:
        return {"state": "unknown"}
    before = Q(queued_at__lt=ticket.queued_at) | Q(queued_at=ticket.queued_at, id__lt=ticket.pk)
    if ticket.priority:
        before = Q(priority__gt="") & (Q(priority__lt=ticket.priority) | Q(priority=ticket.priority) & before)
    else:
        before = Q(priority__gt="") | Q(priority="") & before
    ahead = Ticket.objects.filter(before, office_id=ticket.office_id, service_id=ticket.service_id, day=ticket.day,
                                  status=Status.WAITING).count()
    rate = live_rates([ticket.office_id], [ticket.service])[(ticket.office_id, ticket.service_id)]
    minutes = math.ceil(ahead * round(rate.minutes_per_person, 2) / max(1, rate.counters)) if ahead else 0
    return {"state": "waiting", "ahead": ahead, "wait_minutes": minutes, "service": ticket.service.code}


PAGE_SNAPSHOT_SECONDS = 5  # resident pages' congestion figures: a few changes a minute, read many times a second


def recent_snapshots(codes: list[str] | None = None, *, detail: bool = False) -> list[dict]:
    """:func:`snapshots` of the present for resident pages (the congestion and office pages), from the shared
    cache: at most ``PAGE_SNAPSHOT_SECONDS`` old, built by whichever process asks first in each period. Live
    pushes, the lobby display, counters and the ticket holder's page read the queues themselves."""
    name = "queues:{}:{}".format(int(detail), ",".join(codes) if codes is not None else "*")
    return recent(name, lambda: snapshots(codes, detail=detail), seconds=PAGE_SNAPSHOT_SECONDS)


def ticket_position(snap: dict | None, label: str) -> dict:
    """Where ``label`` stands in an office's detail snapshot: called (and where), or people ahead and minutes."""
    if snap is None:
        return {"state": "unknown"}
    for c in snap.get("called", []):
        if c["label"] == label:
            return {"state": c["status"], "counter": c["counter"], "counter_label": c["counter_label"]}
    for s in snap["services"]:
        queue = s.get("queue", [])
        if label in queue:
            ahead = queue.index(label)
            minutes = math.ceil(ahead * s["minutes_per_person"] / max(1, s["counters"])) if ahead else 0
            return {"state": "waiting", "ahead": ahead, "wait_minutes": minutes, "service": s["code"]}
    return {"state": "unknown"}
