"""The ward's default channel policies (an administrator changes them in the console).

Fees in yen. 個人番号 is printed only at the counter by default; seal certificates are not sent by post;
the post office counter handles a restricted list of types. Used by the data migration and by
``ensure_default_policies`` (tests that flush the database, a fresh installation).
"""

from __future__ import annotations

ALL_OPTIONS = ["head", "honseki", "resident_code", "my_number", "history"]
FEES = {"juminhyo": 300, "juminhyo_kisai": 300, "johyo": 300, "inkan": 300, "kazei": 300, "hikazei": 300,
        "nozei": 300, "tenshutsu": 0}
POLICIES = [
    # channel, schedule, identity, kinds, options, requesters, fees
    ("counter", "offices", "photo_id", list(FEES), ALL_OPTIONS,
     ["self", "household", "proxy", "third_party", "official"], FEES),
    ("kiosk", "kiosk", "resident_card", ["juminhyo", "inkan", "kazei", "hikazei"], ["head", "honseki"],
     ["self", "household"], {"juminhyo": 300, "inkan": 300, "kazei": 300, "hikazei": 300}),
    ("konbini", "konbini", "my_number_card", ["juminhyo", "juminhyo_kisai", "inkan", "kazei", "hikazei"],
     ["head", "honseki", "resident_code"], ["self", "household"],
     {"juminhyo": 200, "juminhyo_kisai": 200, "inkan": 200, "kazei": 200, "hikazei": 200}),
    ("post_office", "offices", "photo_id", ["juminhyo", "inkan", "kazei", "hikazei", "nozei"], ["head"],
     ["self", "household"], {"juminhyo": 300, "inkan": 300, "kazei": 300, "hikazei": 300, "nozei": 300}),
    ("postal", None, "id_copy", ["juminhyo", "juminhyo_kisai", "johyo", "kazei", "hikazei", "nozei"],
     ["head", "honseki", "resident_code", "history"], ["self", "household", "proxy", "third_party", "official"],
     {k: v for k, v in FEES.items() if k not in ("inkan", "tenshutsu")}),
    # Online requests: signed with the card's signing certificate, paid online, mailed to the registered
    # address; the resident or her household only; never 印鑑登録証明書 (it needs the seal card).
    ("online", "online", "card_signature", ["juminhyo", "juminhyo_kisai", "kazei", "hikazei", "nozei"],
     ["head", "honseki", "resident_code"], ["self", "household"],
     {"juminhyo": 300, "juminhyo_kisai": 300, "kazei": 300, "hikazei": 300, "nozei": 300}),
]

#: The online channel's own schedule: requests are taken all day, every day (the desk works its hours).
ONLINE_SCHEDULE = ("online", "オンライン申請", "Online requests")
ALL_DAYS = "mon,tue,wed,thu,fri,sat,sun,hol"


def create_online_schedule(Schedule, OpeningRule) -> None:  # model classes, historical or real
    import datetime

    code, name_ja, name_en = ONLINE_SCHEDULE
    schedule, created = Schedule.objects.get_or_create(code=code, defaults={"name_ja": name_ja, "name_en": name_en})
    if created:
        OpeningRule.objects.create(schedule=schedule, days=ALL_DAYS, opens=datetime.time(0, 0),
                                   closes=datetime.time(23, 59, 59, 999999), note_ja="終日")


def create_policies(ChannelPolicy, Schedule) -> None:  # model classes, historical or real
    for channel, schedule, identity, kinds, options, requesters, fees in POLICIES:
        hours = Schedule.objects.filter(code=schedule).first() if schedule else None
        if schedule and hours is None:  # its schedule comes with a later migration, which creates the policy
            continue
        ChannelPolicy.objects.get_or_create(channel=channel, defaults={
            "schedule": hours,
            "identity": identity, "kinds": kinds, "options": options, "requesters": requesters, "fees": fees,
        })


def ensure_default_policies() -> None:
    # Here, not at the top: a migration imports this module, and must not load today's models with it.
    from kuyakusho.offices.models import OpeningRule, Schedule

    from .models import ChannelPolicy

    if ChannelPolicy.objects.count() < len(POLICIES):
        create_online_schedule(Schedule, OpeningRule)
        create_policies(ChannelPolicy, Schedule)
