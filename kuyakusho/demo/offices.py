"""The six 区民事務所 of the demo ward (Nerima): services, counters and opening rules.

Seed 002: four offices since 2008 (練馬 in the main ward building, 光が丘, 石神井, 大泉) and two more
from July 2014 in the former 第二出張所 (north-east) and 関出張所 (south-west). Counters open on
weekdays; notifications also on weekday nights 17:00–19:00 at every office; 練馬 every Saturday
9:00–17:00; all offices on some Saturdays of the March–April peak.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from kuyakusho.guide.standard import ensure_standard_procedures
from kuyakusho.offices.models import Counter, Office, OpeningRule, Service, SpecialDay
from kuyakusho.offices.standard import ensure_standard_schedules

# code, name, English name, address, latitude, longitude
OFFICES = [
    ("nerima", "練馬区民事務所", "Nerima Service Center", "練馬区豊玉北6-12-1（区役所本庁舎）", 35.735623, 139.651658),
    ("hikarigaoka", "光が丘区民事務所", "Hikarigaoka Service Center", "練馬区光が丘2-9-6", 35.759650, 139.628930),
    ("shakujii", "石神井区民事務所", "Shakujii Service Center", "練馬区石神井町2-14-1", 35.744050, 139.606260),
    ("oizumi", "大泉区民事務所", "Oizumi Service Center", "練馬区東大泉1-28-1", 35.749680, 139.586750),
    ("daini", "第二区民事務所", "Daini Service Center", "練馬区北町2-26-1（旧第二出張所）", 35.766560, 139.661870),
    ("seki", "関区民事務所", "Seki Service Center", "練馬区関町北1-7-2（旧関出張所）", 35.726940, 139.578250),
]
PHONE = "03-3993-1111"
# code: postal code, access (ja, en)
CONTACT = {
    "nerima": ("176-8501", "西武池袋線・都営大江戸線「練馬」駅から徒歩5分",
               "5 minutes' walk from Nerima Station (Seibu Ikebukuro Line, Toei Oedo Line)"),
    "hikarigaoka": ("179-0072", "都営大江戸線「光が丘」駅から徒歩3分",
                    "3 minutes' walk from Hikarigaoka Station (Toei Oedo Line)"),
    "shakujii": ("177-0041", "西武池袋線「石神井公園」駅から徒歩7分",
                 "7 minutes' walk from Shakujii-koen Station (Seibu Ikebukuro Line)"),
    "oizumi": ("178-0063", "西武池袋線「大泉学園」駅から徒歩10分、または西武バス「大泉学園町」下車",
               "10 minutes' walk from Oizumi-gakuen Station (Seibu Ikebukuro Line), or Seibu Bus to Oizumi-gakuen-cho"),
    "daini": ("179-0081", "東武東上線「東武練馬」駅から徒歩8分",
              "8 minutes' walk from Tobu-nerima Station (Tobu Tojo Line)"),
    "seki": ("177-0051", "西武新宿線「武蔵関」駅から徒歩5分",
             "5 minutes' walk from Musashi-seki Station (Seibu Shinjuku Line)"),
}
BARRIER_FREE = (
    "入口に段差はありません\n車いす使用者用トイレ\nエレベーター\n車いすの貸出\n筆談器・コミュニケーションボード\n"
    "障害者用駐車場（台数に限りがあります）",
    "Step-free entrance\nWheelchair-accessible toilet\nLift\nWheelchairs to borrow\n"
    "Writing pad and communication board\nAccessible parking (limited spaces)",
)

# code, letter, name, English, description, English description, typical minutes
SERVICES = [
    ("todoke", "A", "届出", "Notifications", "転入・転出・転居・世帯変更の届出",
     "Moving in, out or within the ward; household changes", 18),
    ("shomei", "B", "証明", "Certificates", "住民票の写し・印鑑登録証明書・戸籍の証明",
     "Residence, seal and family register certificates", 6),
    ("inkan", "C", "印鑑登録", "Seal registration", "印鑑の登録・廃止、登録証の再発行",
     "Registering or cancelling a personal seal", 10),
    ("kokuho", "D", "国民健康保険・年金", "Health insurance and pension", "国民健康保険・国民年金の加入・脱退",
     "Joining or leaving national health insurance and pension", 14),
]

# Counters per office: list of service codes handled by counter 1, 2, …
_BIG = [["todoke"], ["todoke"], ["todoke", "inkan"], ["shomei"], ["shomei"], ["inkan", "shomei"],
        ["kokuho"], ["kokuho"]]
_SMALL = [["todoke"], ["todoke", "inkan"], ["shomei", "inkan"], ["kokuho", "shomei"]]
COUNTERS = {"nerima": _BIG, "hikarigaoka": [*_BIG[:6], ["kokuho"]], "shakujii": [*_BIG[:6], ["kokuho"]],
            "oizumi": [*_SMALL, ["shomei"]], "daini": _SMALL, "seki": _SMALL}

NIGHT_SERVICES = ("todoke", "inkan")  # 平日夜間は転入・転出や印鑑登録の届出等 (seed)


def peak_saturdays(year: int) -> list[datetime.date]:
    """The last two Saturdays of March and the first two of April (the 転入転居 peak)."""
    march = [datetime.date(year, 3, d) for d in range(1, 32) if datetime.date(year, 3, d).weekday() == 5]
    april = [datetime.date(year, 4, d) for d in range(1, 31) if datetime.date(year, 4, d).weekday() == 5]
    return march[-2:] + april[:2]


@transaction.atomic
def create_offices() -> list[Office]:
    schedule = ensure_standard_schedules()["offices"]
    services = {}
    for i, (code, letter, ja, en, dja, den, minutes) in enumerate(SERVICES):
        services[code], _ = Service.objects.update_or_create(code=code, defaults={
            "letter": letter, "name_ja": ja, "name_en": en, "description_ja": dja, "description_en": den,
            "typical_minutes": minutes, "sort_order": i})
    out = []
    for i, (code, name_ja, name_en, address, lat, lon) in enumerate(OFFICES):
        office, _ = Office.objects.update_or_create(
            code=code,
            defaults={"name_ja": name_ja, "name_en": name_en, "address": address, "latitude": lat,
                      "longitude": lon, "schedule": schedule, "sort_order": i, "phone": PHONE,
                      "postal_code": CONTACT[code][0], "access_ja": CONTACT[code][1], "access_en": CONTACT[code][2],
                      "barrier_free_ja": BARRIER_FREE[0], "barrier_free_en": BARRIER_FREE[1]},
        )
        office.services.set(services.values())
        for n, codes in enumerate(COUNTERS[code], start=1):
            counter, _ = Counter.objects.get_or_create(office=office, number=n)
            counter.services.set([services[c] for c in codes])
        out.append(office)

    night, created = OpeningRule.objects.get_or_create(
        schedule=schedule, office=None, days="mon,tue,wed,thu,fri", opens=datetime.time(17), closes=datetime.time(19),
        defaults={"note_ja": "平日夜間（届出のみ）"})
    if created:
        night.services.set([services[c] for c in NIGHT_SERVICES])
    OpeningRule.objects.get_or_create(
        schedule=schedule, office=out[0], days="sat", opens=datetime.time(9), closes=datetime.time(17),
        defaults={"note_ja": "毎週土曜日（練馬区民事務所）"})
    year = timezone.localdate().year
    for y in (year, year + 1):
        for d in peak_saturdays(y):
            SpecialDay.objects.get_or_create(
                schedule=schedule, office=None, kind=SpecialDay.Kind.OPEN, date_from=d, date_to=d,
                defaults={"opens": datetime.time(9), "closes": datetime.time(17),
                          "reason_ja": "混雑期の土曜臨時窓口", "reason_en": "Extra Saturday opening (peak season)"})
    ensure_standard_procedures()  # the procedure guide's entries find their counter services
    return out
