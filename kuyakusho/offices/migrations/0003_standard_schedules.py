"""The ward's standard schedules: office counters, certificate kiosks, convenience stores.

Office hours (seed 002): weekdays 8:30–17:00 for every service, weekday nights 17:00–19:00 for
notifications (届出) only — those rules name their services and are added with the offices
(kuyakusho.demo.offices). Kiosks: weekdays 8:30–21:00, weekends and holidays 9:00–17:00.
Convenience stores: 6:30–23:00 every day. All closed 12/29–1/3 (a local rule, not a national holiday).
"""

import datetime

from django.db import migrations

SCHEDULES = [
    ("offices", "区民事務所の窓口", "Service center counters"),
    ("kiosk", "自動交付機", "Certificate kiosks"),
    ("konbini", "コンビニ交付", "Convenience-store issuance"),
]
T = datetime.time
RULES = [
    ("offices", "mon,tue,wed,thu,fri", T(8, 30), T(17, 0), "平日"),
    ("kiosk", "mon,tue,wed,thu,fri", T(8, 30), T(21, 0), "平日"),
    ("kiosk", "sat,sun,hol", T(9, 0), T(17, 0), "土日祝日"),
    ("konbini", "mon,tue,wed,thu,fri,sat,sun,hol", T(6, 30), T(23, 0), "毎日"),
]


def create(apps, schema_editor):
    Schedule = apps.get_model("offices", "Schedule")
    OpeningRule = apps.get_model("offices", "OpeningRule")
    SpecialDay = apps.get_model("offices", "SpecialDay")
    by_code = {}
    for code, ja, en in SCHEDULES:
        by_code[code], _ = Schedule.objects.get_or_create(code=code, defaults={"name_ja": ja, "name_en": en})
    for code, days, opens, closes, note in RULES:
        OpeningRule.objects.get_or_create(schedule=by_code[code], office=None, days=days, opens=opens,
                                          closes=closes, defaults={"note_ja": note})
    for schedule in by_code.values():
        SpecialDay.objects.get_or_create(
            schedule=schedule, office=None, kind="closed", annual=True,
            date_from=datetime.date(2000, 12, 29), date_to=datetime.date(2001, 1, 3),
            defaults={"reason_ja": "年末年始", "reason_en": "New Year holidays"},
        )


class Migration(migrations.Migration):
    dependencies = [("offices", "0002_hours_services_counters")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
