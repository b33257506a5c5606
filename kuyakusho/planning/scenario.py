"""Scenarios: what the simulator is asked, from the console's form or an uploaded JSON file, checked and turned
into a ``SimulationInput`` from the recorded tickets.

One path for both: ``parse_scenario(dict)`` → ``Scenario`` (refusing bad input with a message that names the
field), then ``build_input(scenario)`` reads the recorded arrivals, service times and counters and applies the
what-ifs. A scenario file looks like::

    {"date_from": "2026-03-01", "date_to": "2026-04-30", "offices": ["nerima"], "seed": 7,
     "balk_queue": 40, "balk_probability": 0.3, "patience_minutes": 90,
     "extra_counters": [{"office": "nerima", "services": ["todoke"], "from_hour": 9, "to_hour": 12, "count": 1}],
     "saturday_openings": [{"office": "nerima", "date": "2026-03-28", "share": 0.15}],
     "konbini_shift": 0.2, "close_offices": ["seki"],
     "add_offices": [{"name": "新事務所", "lat": 35.75, "lon": 139.60, "counters": 4}],
     "arrival_rates": [{"office": "nerima", "service": "todoke", "hour": 9, "rate": 12}],
     "service_minutes": {"todoke": 20}}
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import ExtractHour
from django.utils.translation import gettext as _

from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.offices.hours import TOKYO
from kuyakusho.offices.models import Counter, Office, Service
from kuyakusho.queues.models import Status, Ticket

from .coverage import Site, catchment_shares, compute, nearest
from .geo import in_ward
from .selectors import office_sites, population
from .simulation import ArrivalRate, CounterPlan, OfficePlan, ServiceTimes, SimulationInput

CERTIFICATE_SERVICE = "shomei"  # the service whose demand can move to convenience stores
QUANTILES = 40  # service-time distributions kept as 41 quantile points
MAX_RATE_PER_HOUR = 1000.0
MAX_SEED = 2**31 - 1


@dataclass(frozen=True, slots=True)
class ExtraCounter:
    office: str
    services: tuple[str, ...]
    from_hour: int
    to_hour: int
    count: int = 1


@dataclass(frozen=True, slots=True)
class SaturdayOpening:
    office: str
    date: str
    share: float = 0.15  # of the following five weekdays' demand


@dataclass(frozen=True, slots=True)
class NewOffice:
    name: str
    lat: float
    lon: float
    counters: int = 4


@dataclass(frozen=True, slots=True)
class RateOverride:
    office: str
    service: str
    hour: int
    rate: float


@dataclass(frozen=True, slots=True)
class Scenario:
    date_from: datetime.date
    date_to: datetime.date
    offices: tuple[str, ...] = ()  # empty: every office
    seed: int = 1
    balk_queue: int = 0
    balk_probability: float = 0.0
    patience_minutes: float = 0.0
    extra_counters: tuple[ExtraCounter, ...] = ()
    saturday_openings: tuple[SaturdayOpening, ...] = ()
    konbini_shift: float = 0.0
    close_offices: tuple[str, ...] = ()
    add_offices: tuple[NewOffice, ...] = ()
    arrival_rates: tuple[RateOverride, ...] = ()
    service_minutes: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["date_from"], data["date_to"] = self.date_from.isoformat(), self.date_to.isoformat()
        return data

    @property
    def days(self) -> tuple[str, ...]:
        n = (self.date_to - self.date_from).days + 1
        return tuple((self.date_from + datetime.timedelta(days=i)).isoformat() for i in range(n))


def _fail(field_name: str, message: str) -> ApplicationError:
    return ApplicationError(ErrorCode.INVALID_INPUT, message, field=field_name)


def _date(value: object, name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise _fail(name, _("%(field)s は YYYY-MM-DD の日付で指定してください。") % {"field": name}) from None


def _number(value: object, name: str, *, low: float, high: float, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _fail(name, _("%(field)s は数値で指定してください。") % {"field": name})
    try:
        x = float(value)
    except ValueError:
        raise _fail(name, _("%(field)s は数値で指定してください。") % {"field": name}) from None
    if not math.isfinite(x) or (integer and x != int(x)):
        raise _fail(name, _("%(field)s は数値で指定してください。") % {"field": name})
    if x < low:
        if low == 0:
            raise _fail(name, _("%(field)s に負の値は指定できません（%(value)s）。") % {"field": name, "value": value})
        raise _fail(name, _("%(field)s は %(low)s 以上で指定してください（%(value)s）。")
                    % {"field": name, "low": low, "value": value})
    if x > high:
        raise _fail(name, _("%(field)s は %(high)s 以下で指定してください（%(value)s）。")
                    % {"field": name, "high": high, "value": value})
    return x


def _list(data: dict[str, object], key: str) -> list[dict[str, object]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _fail(key, _("%(field)s は項目の一覧で指定してください。") % {"field": key})
    return value


def _codes(value: object, name: str, known: set[str], what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(name, _("%(field)s はコードの一覧で指定してください。") % {"field": name})
    unknown = [v for v in value if v not in known]
    if unknown:
        raise _fail(name, _("%(what)sのコードが見つかりません: %(codes)s")
                    % {"what": what, "codes": ", ".join(unknown)})
    return tuple(value)


def parse_scenario(data: object) -> Scenario:
    """A checked ``Scenario`` from a form or a scenario file; ``ApplicationError`` names the first bad field."""
    if not isinstance(data, dict):
        raise _fail("scenario", _("シナリオはJSONのオブジェクトで指定してください。"))
    offices = set(Office.objects.filter(services__isnull=False).values_list("code", flat=True))
    services = set(Service.objects.values_list("code", flat=True))
    max_counters = int(getattr(settings, "PLANNING_MAX_COUNTERS", 40))
    date_from, date_to = _date(data.get("date_from"), "date_from"), _date(data.get("date_to"), "date_to")
    if date_to < date_from:
        raise _fail("date_to", _("終了日は開始日より後にしてください。"))
    max_days = int(getattr(settings, "PLANNING_MAX_DAYS", 92))
    if (date_to - date_from).days + 1 > max_days:
        raise _fail("date_to", _("一度に計算できる期間は%(n)s日までです。") % {"n": max_days})
    extra = []
    for i, e in enumerate(_list(data, "extra_counters")):
        name = f"extra_counters[{i}]"
        office = _codes([e.get("office")], f"{name}.office", offices, _("事務所"))[0]
        svc = _codes(e.get("services", sorted(services)), f"{name}.services", services, _("業務"))
        frm = int(_number(e.get("from_hour"), f"{name}.from_hour", low=0, high=23, integer=True))
        to = int(_number(e.get("to_hour"), f"{name}.to_hour", low=1, high=24, integer=True))
        if to <= frm:
            raise _fail(f"{name}.to_hour", _("終了時刻は開始時刻より後にしてください。"))
        count = int(_number(e.get("count", 1), f"{name}.count", low=1, high=max_counters, integer=True))
        extra.append(ExtraCounter(office=office, services=svc, from_hour=frm, to_hour=to, count=count))
    saturdays = []
    for i, s in enumerate(_list(data, "saturday_openings")):
        name = f"saturday_openings[{i}]"
        office = _codes([s.get("office")], f"{name}.office", offices, _("事務所"))[0]
        day = _date(s.get("date"), f"{name}.date")
        if day.weekday() != 5:
            raise _fail(f"{name}.date", _("%(day)s は土曜日ではありません。") % {"day": day.isoformat()})
        if not date_from <= day <= date_to:
            raise _fail(f"{name}.date", _("土曜開庁日 %(day)s が期間の外です。") % {"day": day.isoformat()})
        share = _number(s.get("share", 0.15), f"{name}.share", low=0, high=1)
        saturdays.append(SaturdayOpening(office=office, date=day.isoformat(), share=share))
    added = []
    for i, a in enumerate(_list(data, "add_offices")):
        name = f"add_offices[{i}]"
        label = str(a.get("name") or _("新しい事務所"))[:40]
        lat = _number(a.get("lat"), f"{name}.lat", low=-90, high=90)
        lon = _number(a.get("lon"), f"{name}.lon", low=-180, high=180)
        if not in_ward(lat, lon):
            raise _fail(f"{name}.lat", _("%(name)s の位置（%(lat)s, %(lon)s）は区の外です。")
                        % {"name": label, "lat": lat, "lon": lon})
        counters = int(_number(a.get("counters", 4), f"{name}.counters", low=1, high=max_counters, integer=True))
        added.append(NewOffice(name=label, lat=lat, lon=lon, counters=counters))
    rates = []
    for i, r in enumerate(_list(data, "arrival_rates")):
        name = f"arrival_rates[{i}]"
        rates.append(RateOverride(
            office=_codes([r.get("office")], f"{name}.office", offices, _("事務所"))[0],
            service=_codes([r.get("service")], f"{name}.service", services, _("業務"))[0],
            hour=int(_number(r.get("hour"), f"{name}.hour", low=0, high=23, integer=True)),
            rate=_number(r.get("rate"), f"{name}.rate", low=0, high=MAX_RATE_PER_HOUR)))
    minutes_raw = data.get("service_minutes", {})
    if not isinstance(minutes_raw, dict):
        raise _fail("service_minutes", _("service_minutes は業務コードと分の組で指定してください。"))
    minutes: dict[str, float] = {}
    for code, value in minutes_raw.items():
        _codes([code], f"service_minutes.{code}", services, _("業務"))
        m = _number(value, f"service_minutes.{code}", low=0, high=480)
        if m <= 0:
            raise _fail(f"service_minutes.{code}",
                        _("処理時間は0分より長くしてください（%(code)s）。") % {"code": code})
        minutes[str(code)] = m
    close = _codes(data.get("close_offices", []), "close_offices", offices, _("事務所"))
    chosen = _codes(data.get("offices", []), "offices", offices, _("事務所"))
    if close and set(offices) <= set(close) and not added:
        raise _fail("close_offices", _("すべての事務所を閉じることはできません。"))
    return Scenario(
        date_from=date_from, date_to=date_to, offices=chosen,
        seed=int(_number(data.get("seed", 1), "seed", low=0, high=MAX_SEED, integer=True)),
        balk_queue=int(_number(data.get("balk_queue", 0), "balk_queue", low=0, high=10000, integer=True)),
        balk_probability=_number(data.get("balk_probability", 0), "balk_probability", low=0, high=1),
        patience_minutes=_number(data.get("patience_minutes", 0), "patience_minutes", low=0, high=24 * 60),
        extra_counters=tuple(extra), saturday_openings=tuple(saturdays),
        konbini_shift=_number(data.get("konbini_shift", 0), "konbini_shift", low=0, high=1),
        close_offices=close, add_offices=tuple(added), arrival_rates=tuple(rates), service_minutes=minutes)


# --- from the records ------------------------------------------------------------------------------------

def recorded_rates(*, date_from: datetime.date, date_to: datetime.date,
                   offices: tuple[str, ...] = ()) -> dict[tuple[str, str, str, int], float]:
    """Tickets per (office, service, day, hour) as recorded: the arrival rate of that hour."""
    qs = Ticket.objects.filter(day__gte=date_from, day__lte=date_to, transferred_from__isnull=True)
    if offices:
        qs = qs.filter(office__code__in=offices)
    rows = (qs.annotate(h=ExtractHour("issued_at", tzinfo=TOKYO))
            .values_list("office__code", "service__code", "day", "h").annotate(n=Count("id")).order_by())
    return {(o, s, d.isoformat(), h): float(n) for o, s, d, h, n in rows}


def recorded_service_times(*, until: datetime.date) -> dict[str, ServiceTimes]:
    """Each service's recorded service time (call → done) over the year before ``until``, as quantiles."""
    out: dict[str, ServiceTimes] = {}
    since = until - datetime.timedelta(days=365)
    for s in Service.objects.all():
        values = sorted(v for v in Ticket.objects.filter(service=s, status=Status.DONE, service_seconds__isnull=False,
                                                         day__gt=since, day__lte=until)
                        .values_list("service_seconds", flat=True) if v is not None)
        if len(values) >= QUANTILES:
            out[s.code] = ServiceTimes(quantiles=tuple(
                round(values[min(len(values) - 1, round(i * (len(values) - 1) / QUANTILES))] / 60, 3)
                for i in range(QUANTILES + 1)))
        else:
            out[s.code] = ServiceTimes(mean=float(s.typical_minutes or 10))
    return out


def recorded_priority_share(*, date_from: datetime.date, date_to: datetime.date) -> float:
    qs = Ticket.objects.filter(day__gte=date_from, day__lte=date_to)
    total = qs.count()
    return round(qs.exclude(priority="").count() / total, 4) if total else 0.0


def staffed_counters(office: Office, hours: tuple[int, int]) -> tuple[CounterPlan, ...]:
    """The office's active counters, each with its services, open over the hours the office took tickets."""
    plans = []
    for c in Counter.objects.filter(office=office, is_active=True).prefetch_related("services").order_by("number"):
        services = tuple(sorted(s.code for s in c.services.all()))
        if services:
            plans.append(CounterPlan(services=services, open_hour=hours[0], close_hour=hours[1]))
    return tuple(plans)


def build_input(scenario: Scenario) -> SimulationInput:
    """The recorded period with the scenario's what-ifs applied. Refuses a period without recorded tickets."""
    rates = recorded_rates(date_from=scenario.date_from, date_to=scenario.date_to, offices=scenario.offices
                           if not (scenario.close_offices or scenario.add_offices) else ())
    if not rates:
        raise _fail("date_from", _("%(f)s〜%(t)s には記録された番号札がありません。記録のある期間を選んでください。")
                    % {"f": scenario.date_from.isoformat(), "t": scenario.date_to.isoformat()})
    offices = {o.code: o for o in Office.objects.filter(services__isnull=False).distinct()}
    open_hours: dict[str, tuple[int, int]] = {}
    for (o, _s, _d, h) in rates:
        lo, hi = open_hours.get(o, (h, h + 1))
        open_hours[o] = (min(lo, h), max(hi, h + 1))
    plans = {code: OfficePlan(code=code, name=offices[code].name,
                              counters=staffed_counters(offices[code], open_hours[code]))
             for code in sorted(open_hours)}
    # Overrides of the recorded rate: the same rate on every day the office took tickets.
    office_days = {(o, d) for (o, _s, d, _h) in rates}
    for r in scenario.arrival_rates:
        for (o, d) in office_days:
            if o == r.office:
                rates[(o, r.service, d, r.hour)] = r.rate
    if scenario.konbini_shift:
        for key in list(rates):
            if key[1] == CERTIFICATE_SERVICE:
                rates[key] *= 1 - scenario.konbini_shift
    for s in scenario.saturday_openings:
        _saturday(rates, s, plans, open_hours)
    if scenario.close_offices or scenario.add_offices:
        _move_demand(rates, plans, scenario, open_hours)
    for (o, _s, _d, h), rate in rates.items():  # demand moved to an office widens its hours
        if rate > 0 and o in plans:
            lo, hi = open_hours.get(o, (h, h + 1))
            open_hours[o] = (min(lo, h), max(hi, h + 1))
    for code, p in list(plans.items()):
        lo, hi = open_hours[code]
        plans[code] = replace(p, counters=tuple(replace(c, open_hour=min(c.open_hour, lo),
                                                        close_hour=max(c.close_hour, hi)) if not c.days else c
                                                for c in p.counters))
    for e in scenario.extra_counters:
        if e.office in plans:
            p = plans[e.office]
            plans[e.office] = replace(p, counters=(*p.counters, CounterPlan(
                services=e.services, open_hour=e.from_hour, close_hour=e.to_hour, count=e.count)))
    chosen = set(scenario.offices) if scenario.offices else set(plans)
    chosen |= {p for p in plans if p.startswith("new-")}
    chosen -= set(scenario.close_offices)
    times = recorded_service_times(until=scenario.date_to)
    for code, m in scenario.service_minutes.items():
        base = times.get(code)
        if base is not None and base.quantiles and base.average > 0:
            k = m / base.average
            times[code] = ServiceTimes(quantiles=tuple(round(q * k, 3) for q in base.quantiles))
        else:
            times[code] = ServiceTimes(mean=m)
    arrivals = tuple(ArrivalRate(office=o, service=s, day=d, hour=h, rate=round(r, 4))
                     for (o, s, d, h), r in sorted(rates.items()) if o in chosen and r > 0)
    return SimulationInput(
        days=scenario.days, offices=tuple(plans[c] for c in sorted(chosen) if c in plans), arrivals=arrivals,
        service_times=times, priority_share=recorded_priority_share(date_from=scenario.date_from,
                                                                     date_to=scenario.date_to),
        balk_queue=scenario.balk_queue, balk_probability=scenario.balk_probability,
        patience_minutes=scenario.patience_minutes)


def _saturday(rates: dict[tuple[str, str, str, int], float], s: SaturdayOpening, plans: dict[str, OfficePlan],
              open_hours: dict[str, tuple[int, int]]) -> None:
    """An extra Saturday opening (9:00–17:00) takes ``share`` of the next five weekdays' demand of the office."""
    day = datetime.date.fromisoformat(s.date)
    week = {(day + datetime.timedelta(days=n)).isoformat() for n in range(2, 7)}
    moved: dict[str, float] = defaultdict(float)
    for key in list(rates):
        o, svc, d, _h = key
        if o == s.office and d in week:
            take = rates[key] * s.share
            rates[key] -= take
            moved[svc] += take
    hours = range(9, 17)
    for svc, total in moved.items():
        for h in hours:
            k = (s.office, svc, s.date, h)
            rates[k] = rates.get(k, 0.0) + total / len(hours)
    p = plans.get(s.office)
    if p is not None:
        lo, hi = open_hours.get(s.office, (9, 17))
        extra = tuple(replace(c, days=(s.date,), open_hour=9, close_hour=17) for c in p.counters
                      if c.open_hour <= 9 and c.close_hour >= 17 and not c.days)
        plans[s.office] = replace(p, counters=(*p.counters, *extra))
        open_hours[s.office] = (min(lo, 9), max(hi, 17))


def _move_demand(rates: dict[tuple[str, str, str, int], float], plans: dict[str, OfficePlan], scenario: Scenario,
                 open_hours: dict[str, tuple[int, int]]) -> None:
    """Closed or added offices: each office's recorded demand follows its residents to their nearest office."""
    sites = office_sites()
    pop = population()
    kept = tuple(s for s in sites if s.code not in scenario.close_offices)
    new = tuple(Site(code=f"new-{i + 1}", name=a.name, lat=a.lat, lon=a.lon)
                for i, a in enumerate(scenario.add_offices))
    shares = catchment_shares(before=compute(sites=sites, population=pop),
                              after=compute(sites=kept + new, population=pop))
    by_code = {s.code: s for s in sites}
    for s in sites:  # an office without counted residents: its demand goes to the nearest remaining office
        if s.code not in shares:
            shares[s.code] = {s.code: 1.0} if s.code not in scenario.close_offices else {
                nearest(kept + new, s.lat, s.lon)[0].code: 1.0}
    moved: dict[tuple[str, str, str, int], float] = defaultdict(float)
    for key, rate in rates.items():
        o, svc, d, h = key
        fallback = {o: 1.0} if o in by_code else {}
        for dest, share in shares.get(o, fallback).items():
            moved[(dest, svc, d, h)] += rate * share
    rates.clear()
    rates.update(moved)
    span = (min(h[0] for h in open_hours.values()), max(h[1] for h in open_hours.values()))
    for code in {k[0] for k, r in moved.items() if r > 0} - set(plans):
        office = Office.objects.filter(code=code).first()
        if office is not None:  # an office that took no tickets in the period now takes some
            plans[code] = OfficePlan(code=code, name=office.name, counters=staffed_counters(office, span))
            open_hours[code] = span
    template = next(iter(plans.values())).counters[0].services if plans else ()
    for i, a in enumerate(scenario.add_offices):
        code = f"new-{i + 1}"
        hours = (min(h[0] for h in open_hours.values()), max(h[1] for h in open_hours.values()))
        every = tuple(sorted({s for p in plans.values() for c in p.counters for s in c.services})) or template
        plans[code] = OfficePlan(code=code, name=a.name, counters=(
            CounterPlan(services=every, open_hour=hours[0], close_hour=hours[1], count=a.counters),))
        open_hours[code] = hours
