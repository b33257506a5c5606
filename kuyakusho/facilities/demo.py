"""The demo ward's public facilities: 22 地区区民館, 8 地域集会所, 2 体育館 and 3 テニスコート with realistic rooms,
fees (integer yen per slot), hours (two schedules of ``offices``) and the rules of each kind."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from kuyakusho.core.ward import ward
from kuyakusho.offices.models import OpeningRule, Schedule, SpecialDay

from .models import Facility, FacilityKind, Fee, LotteryRound, Room, Stage
from .slots import SCHEMES, add_months

EVERY_DAY = "mon,tue,wed,thu,fri,sat,sun,hol"

KINDS = [
    # code, ja, en, groups_only, ward_only, min size, share %, lottery, stages, senior waiver
    ("kuminkan", "地区区民館", "Community hall", False, False, 1, 0, True,
     [Stage.WARD_GROUP, Stage.EVERYONE], True),
    ("shukaijo", "地域集会所", "Neighbourhood meeting room", False, False, 1, 0, False, [Stage.EVERYONE], True),
    ("gym", "体育館", "Gymnasium", True, False, 5, 50, True, [Stage.WARD_GROUP, Stage.EVERYONE], False),
    ("tennis", "テニスコート", "Tennis courts", False, True, 2, 0, True, [Stage.EVERYONE], False),
]

# (room code, ja, en, capacity, m², equipment ja, equipment en, scheme, (resident, group, non-resident) per unit)
KUMINKAN_ROOMS = [
    ("hall", "集会室", "Assembly room", 60, 90, "机・椅子、マイク、プロジェクター",
     "Tables, chairs, microphone, projector", "periods", (1200, 900, 1800)),
    ("yoshitsu", "洋室", "Meeting room", 24, 40, "机・椅子、ホワイトボード", "Tables, chairs, whiteboard", "periods",
     (600, 450, 900)),
    ("washitsu", "和室", "Japanese-style room", 20, 36, "座卓、茶道具", "Low tables, tea set", "periods",
     (500, 400, 800)),
]
SHUKAIJO_ROOMS = [
    ("room", "集会室", "Meeting room", 30, 50, "机・椅子", "Tables, chairs", "hourly", (300, 200, 450)),
]
GYM_ROOMS = [
    ("arena", "競技場（全面）", "Main arena (whole)", 200, 900, "バスケットボール・バレーボール・バドミントン",
     "Basketball, volleyball, badminton", "hourly", (2400, 1800, 3600)),
    ("small", "小体育室", "Small gym", 40, 250, "卓球台8台", "8 table-tennis tables", "hourly", (800, 600, 1200)),
]
TENNIS_ROOMS = [
    (f"court{n}", f"{n}番コート", f"Court {n}", 8, 660, "砂入り人工芝", "Sand-filled artificial turf", "court",
     (1600, 1300, 2400)) for n in (1, 2, 3, 4)
]

KUMINKAN_TOWNS = ["豊玉北", "豊玉上", "桜台", "練馬", "向山", "貫井", "春日町", "北町", "平和台", "早宮", "田柄",
                  "光が丘", "旭町", "高松", "石神井町", "石神井台", "上石神井", "関町北", "南大泉", "大泉町",
                  "大泉学園町", "西大泉"]
SHUKAIJO_TOWNS = ["小竹町", "羽沢", "氷川台", "錦", "土支田", "谷原", "三原台", "立野町"]
GYM_TOWNS = [("光が丘", "光が丘体育館"), ("大泉町", "大泉学園町体育館")]
TENNIS_TOWNS = [("石神井台", "石神井公園テニスコート"), ("土支田", "土支田庭球場"),
                ("関町南", "武蔵関公園テニスコート")]

AREAS = {
    "練馬": ["豊玉北", "豊玉上", "桜台", "練馬", "向山", "貫井", "小竹町", "羽沢", "氷川台", "錦"],
    "光が丘": ["春日町", "北町", "平和台", "早宮", "田柄", "光が丘", "旭町", "高松", "土支田"],
    "石神井": ["石神井町", "石神井台", "上石神井", "谷原", "三原台", "立野町"],
    "大泉": ["南大泉", "大泉町", "大泉学園町", "西大泉"],
    "関": ["関町北", "関町南"],
}
ROMAJI = {"kuminkan": "Community Hall", "shukaijo": "Meeting Room", "gym": "Gymnasium", "tennis": "Tennis Courts"}
TOWNS_EN = {
    "豊玉北": "Toyotamakita", "豊玉上": "Toyotamakami", "桜台": "Sakuradai", "練馬": "Nerima", "向山": "Koyama",
    "貫井": "Nukui", "春日町": "Kasugacho", "北町": "Kitamachi", "平和台": "Heiwadai", "早宮": "Hayamiya",
    "田柄": "Tagara", "光が丘": "Hikarigaoka", "旭町": "Asahicho", "高松": "Takamatsu", "石神井町": "Shakujiimachi",
    "石神井台": "Shakujiidai", "上石神井": "Kamishakujii", "関町北": "Sekimachikita", "南大泉": "Minamioizumi",
    "大泉町": "Oizumimachi", "大泉学園町": "Oizumigakuencho", "西大泉": "Nishioizumi", "小竹町": "Kotakecho",
    "羽沢": "Hazawa", "氷川台": "Hikawadai", "錦": "Nishiki", "土支田": "Doshida", "谷原": "Yahara",
    "三原台": "Miharadai", "立野町": "Tatenocho", "関町南": "Sekimachiminami",
}
NAMES_EN = {"光が丘体育館": "Hikarigaoka Gymnasium", "大泉学園町体育館": "Oizumigakuencho Gymnasium",
            "石神井公園テニスコート": "Shakujii Park Tennis Courts", "土支田庭球場": "Doshida Tennis Courts",
            "武蔵関公園テニスコート": "Musashiseki Park Tennis Courts"}
NAMES_KANA = {"光が丘体育館": "ヒカリガオカタイイクカン", "大泉学園町体育館": "オオイズミガクエンチョウタイイクカン",
              "石神井公園テニスコート": "シャクジイコウエンテニスコート", "土支田庭球場": "ドシダテイキュウジョウ",
              "武蔵関公園テニスコート": "ムサシセキコウエンテニスコート"}


def _towns() -> dict[str, tuple[str, Decimal, Decimal]]:
    """Each town's reading and the representative point of its first 丁目 (the ward's town list)."""
    found: dict[str, tuple[str, Decimal, Decimal]] = {}
    with open(ward().towns_csv, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            found.setdefault(row["town"], (row["town_kana"], Decimal(row["lat"]), Decimal(row["lon"])))
    return found


def _area(town: str) -> str:
    return next((a for a, towns in AREAS.items() if town in towns), "練馬")


def _schedules() -> dict[str, Schedule]:
    halls, _ = Schedule.objects.get_or_create(code="facilities", defaults={
        "name_ja": "区民館・集会所の利用時間", "name_en": "Community halls and meeting rooms"})
    sports, _ = Schedule.objects.get_or_create(code="facilities-sports", defaults={
        "name_ja": "体育施設の利用時間", "name_en": "Sports facilities"})
    if not OpeningRule.objects.filter(schedule=halls).exists():
        OpeningRule.objects.create(schedule=halls, days=EVERY_DAY, opens=time(9), closes=time(21, 30),
                                   note_ja="毎日")
        SpecialDay.objects.create(schedule=halls, kind=SpecialDay.Kind.CLOSED, annual=True,
                                  date_from=date(2000, 12, 29), date_to=date(2001, 1, 3),
                                  reason_ja="年末年始", reason_en="New Year holidays")
    if not OpeningRule.objects.filter(schedule=sports).exists():
        OpeningRule.objects.create(schedule=sports, days=EVERY_DAY, opens=time(7), closes=time(21),
                                   note_ja="毎日")
        SpecialDay.objects.create(schedule=sports, kind=SpecialDay.Kind.CLOSED, annual=True,
                                  date_from=date(2000, 12, 29), date_to=date(2001, 1, 3),
                                  reason_ja="年末年始", reason_en="New Year holidays")
    return {"halls": halls, "sports": sports}


@transaction.atomic
def create_demo_facilities(today: date | None = None) -> int:
    """The demo ward's facilities and this month's lottery rounds (nothing if there are facilities already);
    returns how many facilities were made."""
    if Facility.objects.exists():
        return 0
    schedules = _schedules()
    kinds = {}
    for i, (code, ja, en, groups_only, ward_only, size, share, has_lottery, stages, waiver) in enumerate(KINDS):
        kinds[code] = FacilityKind.objects.create(
            code=code, name_ja=ja, name_en=en, groups_only=groups_only, ward_only=ward_only, min_group_size=size,
            min_ward_share=share, lottery=has_lottery, stages=[str(s) for s in stages], senior_waiver=waiver,
            sort_order=i)
    towns = _towns()
    plan: list[tuple[str, str, str, list[Any]]] = []
    plan += [("kuminkan", t, f"{t}地区区民館", KUMINKAN_ROOMS) for t in KUMINKAN_TOWNS]
    plan += [("shukaijo", t, f"{t}地域集会所", SHUKAIJO_ROOMS) for t in SHUKAIJO_TOWNS]
    plan += [("gym", t, name, GYM_ROOMS) for t, name in GYM_TOWNS]
    plan += [("tennis", t, name, TENNIS_ROOMS) for t, name in TENNIS_TOWNS]
    count = 0
    for n, (kind, town, name, rooms) in enumerate(plan, start=1):
        kana, lat, lon = towns.get(town, ("", Decimal("35.735"), Decimal("139.652")))
        suffix = {"kuminkan": "チククミンカン", "shukaijo": "チイキシュウカイジョ", "gym": "タイイクカン",
                  "tennis": "テニスコート"}[kind]
        facility = Facility.objects.create(
            code=f"{ward().code}-F{n:04d}", kind=kinds[kind], name_ja=name,
            name_en=NAMES_EN.get(name) or f"{TOWNS_EN[town]} {ROMAJI[kind]}",
            kana=NAMES_KANA.get(name) or f"{kana}{suffix}", area=_area(town),
            address=f"東京都{ward().name_ja}{town}一丁目{(n % 20) + 1}番{(n * 7) % 30 + 1}号",
            postal_code="", latitude=lat + Decimal(n % 7) / 2000, longitude=lon + Decimal(n % 5) / 2000,
            phone=f"03-{3900 + n:04d}-{1000 + n * 13:04d}", floors="地上2階" if kind != "tennis" else "",
            floor_area=None if kind == "tennis" else 400 + 30 * n,
            barrier_free_ja="" if kind == "tennis" else "エレベーター\n多機能トイレ\n車いすの貸出",
            barrier_free_en="" if kind == "tennis" else "Lift\nAccessible toilet\nWheelchairs to borrow",
            schedule=schedules["sports" if kind in ("gym", "tennis") else "halls"])
        fees = []
        for order, (code, ja, en, cap, area, eq_ja, eq_en, scheme, (res, grp, non)) in enumerate(rooms):
            room = Room.objects.create(facility=facility, code=code, name_ja=ja, name_en=en, capacity=cap,
                                       floor_area=area, equipment_ja=eq_ja, equipment_en=eq_en, scheme=scheme,
                                       sort_order=order)
            for i, p in enumerate(SCHEMES[scheme]):
                night = p.code == "night" or (scheme == "court" and i >= 4)
                factor = 1.25 if night else 1.0
                fees.append(Fee(room=room, period=p.code, resident=_yen(res * factor), group=_yen(grp * factor),
                                nonresident=_yen(non * factor)))
        Fee.objects.bulk_create(fees)
        count += 1
    _rounds(kinds.values(), today or date.today())
    return count


def _rounds(kinds: Iterable[FacilityKind], today: date) -> None:
    """This month's window for the lottery of the month its kinds draw (seed sources named in advance)."""
    for kind in kinds:
        if not kind.lottery:
            continue
        window = today.replace(day=1)
        month = add_months(window, kind.months_ahead)
        closes = window.replace(day=kind.window_last_day)
        LotteryRound.objects.create(
            kind=kind, month=month, window_opens=window.replace(day=kind.window_first_day), window_closes=closes,
            draw_on=closes + timedelta(days=1),
            seed_sources=f"{closes + timedelta(days=1):%Y年%m月%d日}に公表される「ナンバーズ4」の当選番号\n"
                         f"同日に公表される「ロト6」の本数字")


def _yen(value: float) -> int:
    return round(value / 10.0) * 10
