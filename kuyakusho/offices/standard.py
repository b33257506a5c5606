"""The ward's standard schedules (also created by migration 0003; tests that flush the database, and
new installations, call :func:`ensure_standard_schedules`)."""

from __future__ import annotations

import datetime

from django.db import transaction

from .models import OpeningRule, Schedule, SpecialDay

T = datetime.time
SCHEDULES = [
    ("offices", "区民事務所の窓口", "Service center counters"),
    ("kiosk", "自動交付機", "Certificate kiosks"),
    ("konbini", "コンビニ交付", "Convenience-store issuance"),
]
RULES = [
    ("offices", "mon,tue,wed,thu,fri", T(8, 30), T(17, 0), "平日"),
    ("kiosk", "mon,tue,wed,thu,fri", T(8, 30), T(21, 0), "平日"),
    ("kiosk", "sat,sun,hol", T(9, 0), T(17, 0), "土日祝日"),
    ("konbini", "mon,tue,wed,thu,fri,sat,sun,hol", T(6, 30), T(23, 0), "毎日"),
]


@transaction.atomic
def ensure_standard_schedules() -> dict[str, Schedule]:
    by_code = {}
    for code, ja, en in SCHEDULES:
        by_code[code], created = Schedule.objects.get_or_create(code=code, defaults={"name_ja": ja, "name_en": en})
        if not created:
            continue
        for rule_code, days, opens, closes, note in RULES:
            if rule_code == code:
                OpeningRule.objects.create(schedule=by_code[code], days=days, opens=opens, closes=closes, note_ja=note)
        SpecialDay.objects.create(
            schedule=by_code[code], kind=SpecialDay.Kind.CLOSED, annual=True, date_from=datetime.date(2000, 12, 29),
            date_to=datetime.date(2001, 1, 3), reason_ja="年末年始", reason_en="New Year holidays")
    return by_code
