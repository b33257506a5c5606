"""The ward's standard datasets, generated live from the system (registered in ``OpendataConfig.ready``).

The header rows are the national definitions in ``definitions`` (each with its source and generation); the CSV
files carry exactly that header row, UTF-8.

* 公共施設一覧: the offices, then rows other areas contribute (``sources.contribute``); opening hours from the
  platform's hours function (``opendata.hours``).
* 地域・年齢別人口: active residents by 町丁目, sex and 5-year band on the last day of the month, small cells
  suppressed with complementary suppression (``suppression.protect``, ``SMALL_CELL_THRESHOLD``).
* オープンデータ一覧: the catalogue itself, one row per dataset, every URL filled.
* 窓口の混雑状況（時間帯別） and 証明書の交付件数（交付方法別・月別）: aggregates of tickets and issuances.
* AED設置箇所一覧, 指定緊急避難場所一覧, 公衆無線LANアクセスポイント一覧: CSV files the ward maintains in
  ``OPENDATA_CSV_DIR`` (the demo ships small synthetic ones), checked against the definition's header and the
  formats of their code, coordinate and time columns (``wardfiles``).

町字ID (of the アドレス・ベース・レジストリ) is a column of the 正式版 指定緊急避難場所一覧; the platform's town table
(``residents.addresses``, from the ward's towns file ``nerima-towns.csv``) carries no 町字ID, so nothing here can
fill it and the demo file leaves it blank. None of the generated files' definitions has the column.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Avg, Case, Count, IntegerField, Max, Q, Value, When
from django.db.models.functions import TruncHour, TruncMonth
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kuyakusho.certificates.models import Channel, Issuance
from kuyakusho.certificates.models import Status as IssuanceStatus
from kuyakusho.core.ward import ward
from kuyakusho.offices.models import Office
from kuyakusho.queues.models import Ticket
from kuyakusho.residents.models import Household, Resident, Sex

from . import definitions, sources
from .hours import standard_hours
from .models import LICENSE_URLS, Dataset, Frequency, License, State
from .readings import katakana_of
from .sources import GeneratedResource, GenerationContext, Source, Table
from .suppression import Protected, protect
from .wardfiles import csv_file_generator

SUPPRESSED = "X"  # 秘匿 (as in the national statistics)

FACILITY_COLUMNS = definitions.PUBLIC_FACILITIES.columns
AGE_BANDS = definitions.AGE_BANDS
POPULATION_COLUMNS = definitions.POPULATION.columns
CATALOGUE_COLUMNS = definitions.OPEN_DATA_LIST.columns
AED_COLUMNS = definitions.AED.columns
SHELTER_COLUMNS = definitions.EVACUATION_SPACES.columns
WIFI_COLUMNS = definitions.PUBLIC_WIFI.columns

CONGESTION_COLUMNS = ("全国地方公共団体コード", "事務所コード", "事務所名", "日付", "時", "発券数",
                      "平均待ち時間（分）", "最長待ち時間（分）")
CERTIFICATE_COLUMNS = ("全国地方公共団体コード", "年月", "交付方法", "証明書の種類", "交付件数")

_KANJI_DIGITS = "〇一二三四五六七八九"


def _kanji_number(n: int) -> str:
    if n < 10:
        return _KANJI_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _KANJI_DIGITS[tens]) + "十" + (_KANJI_DIGITS[ones] if ones else "")


def area_name(town: str, chome: int | None) -> str:
    return f"{town}{_kanji_number(chome)}丁目" if chome else town


def month_end(d: date) -> date:
    first_next = (d.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first_next - timedelta(days=1)


def _file_prefix() -> str:
    return ward().code


# --- 公共施設一覧 -------------------------------------------------------------------------------------------------

def coordinate(value: Decimal | float | None) -> str:
    """緯度・経度 as a decimal number of degrees (no exponent, trailing zeros kept as stored)."""
    return "" if value is None else format(Decimal(str(value)), "f")


_BUILDING_NOTE = re.compile(r"^(?P<address>.*?)（(?P<building>[^（）]+)）$")


def address_columns(address: str) -> dict[str, str]:
    """住所 from 都道府県 on (東京都練馬区…) and, split off, a building note in brackets as 方書."""
    w = ward()
    match = _BUILDING_NOTE.match(address.strip())
    street, building = (match["address"], match["building"]) if match else (address.strip(), "")
    if w.is_this_ward(street):
        street = w.full_name_ja + w.without_ward(street)
    return {"住所": street, "方書": building}


def manager_columns() -> dict[str, str]:
    """The first four items of a 推奨データセット row: the ward as the managing body."""
    w = ward()
    return {"都道府県コード又は市区町村コード": w.code, "都道府県名": w.prefecture_ja, "市区町村名": w.name_ja}


def public_facilities(context: GenerationContext) -> list[GeneratedResource]:
    w = ward()
    rows: list[list[sources.Value]] = []
    offices = list(Office.objects.select_related("schedule").prefetch_related("services")
                   .order_by("sort_order", "code"))
    for office in offices:
        url = context.base_url + reverse("guide:office", args=[office.code]) if office.schedule_id else ""
        hours = standard_hours(office.schedule, on=context.as_of, office=office, services=list(office.services.all()))
        row: dict[str, sources.Value] = {
            **manager_columns(), "NO": f"{w.code}-office-{office.code}", "名称": office.name_ja,
            "名称_カナ": katakana_of(office.name_ja), **address_columns(office.address),
            "緯度": coordinate(office.latitude), "経度": coordinate(office.longitude), "電話番号": office.tel,
            "団体名": w.name_ja, **hours.as_row(), "説明": office.access_ja,
            "バリアフリー情報": ";".join(line.strip() for line in office.barrier_free_ja.splitlines() if line.strip()),
            "URL": url,
        }
        rows.append([row.get(c, "") for c in FACILITY_COLUMNS])
    contributed = sources.contributions(STANDARD_FACILITIES)
    for contribution in contributed:
        unknown = set(contribution) - set(FACILITY_COLUMNS)
        if unknown:
            raise ValueError(_("公共施設一覧：定義にない項目があります（%(names)s）。")
                             % {"names": "、".join(sorted(unknown))})
        merged = {**contribution, **manager_columns()}
        rows.append([merged.get(c, "") for c in FACILITY_COLUMNS])
    table = Table(FACILITY_COLUMNS, rows)
    return [GeneratedResource(
        file_name=f"{_file_prefix()}_public_facility.csv", name="公共施設一覧",
        generated_from=f"offices.Office: {len(offices)}件（開庁時間は offices.hours）; "
                       f"他の業務からの追加: {len(contributed)}件",
        table=table)]


# --- 地域・年齢別人口 -----------------------------------------------------------------------------------------------

def band_of(birth: date, on: date) -> int:
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return min(max(age, 0) // 5, len(AGE_BANDS) - 1)


def _age_reached_by(on: date, years: int) -> date:
    """The latest birth date of someone who is at least ``years`` old on ``on`` (29 February → 28th)."""
    year = on.year - years
    last = month_end(date(year, on.month, 1)).day
    return date(year, on.month, min(on.day, last))


def population_counts(on: date) -> tuple[dict[tuple[str, int | None], list[list[int]]], int]:
    """Counts by (town, chome) → [male bands, female bands], of residents registered on ``on``.

    The database counts (one row per 町丁目, sex and band comes back, not one per person): the band is worked out
    in the query from the birth date (``band_of``'s rule: age in completed years on ``on``).
    """
    width = len(AGE_BANDS)
    band = Case(*(When(birth_date__gt=_age_reached_by(on, 5 * (k + 1)), then=Value(k)) for k in range(width - 1)),
                default=Value(width - 1), output_field=IntegerField())
    alive_then = Q(became_resident_on__lte=on) & (Q(removed_on__isnull=True) | Q(removed_on__gt=on))
    groups = (Resident.objects.filter(alive_then, birth_date__lte=on).annotate(band=band)
              .values_list("household__town", "household__chome", "sex", "band").annotate(n=Count("pk"))
              .order_by())
    counts: dict[tuple[str, int | None], list[list[int]]] = {}
    read = 0
    for town, chome, sex, k, n in groups:
        read += n
        cell = counts.get((town, chome))
        if cell is None:
            cell = counts[(town, chome)] = [[0] * width, [0] * width]
        cell[0 if sex == Sex.MALE else 1][k] += n
    return counts, read


def _protect_or_withhold(table: list[list[int]], threshold: int) -> Protected:
    """``suppression.protect``, or, for a table where small cells cannot be hidden among the areas (a lone
    person the ward's totals would point to), every area row withheld: only the ward's totals are published."""
    try:
        return protect(table, threshold)
    except ValueError:
        every = frozenset((i, j) for i in range(len(table)) for j in range(len(table[0])))
        return Protected(every, frozenset(c for c in every if 0 < table[c[0]][c[1]] < threshold),
                         frozenset(range(len(table))))


def household_counts(on: date) -> dict[tuple[str, int | None], int]:
    """Households of the register on ``on``, by (town, chome) (世帯数): established by then and not yet closed
    (the register closes a household when its last member leaves) — one read of the households, not of every
    resident."""
    existing = Q(established_on__lte=on) & (Q(closed_on__isnull=True) | Q(closed_on__gt=on))
    return {(town, chome): n for town, chome, n in
            Household.objects.filter(existing).values_list("town", "chome").annotate(n=Count("id")).order_by()}


def population_table(counts: dict[tuple[str, int | None], list[list[int]]], on: date,
                     threshold: int, households: dict[tuple[str, int | None], int] | None = None) -> Table:
    """The published table: one row per 町丁目 and the ward's total, small cells suppressed. 世帯数 is given
    when ``households`` is: a count of households tells no age or sex, so it is published for every area (as
    the ward's own 町丁目別世帯数 are)."""
    w = ward()
    areas = sorted(counts)
    males = [counts[a][0] for a in areas]
    females = [counts[a][1] for a in areas]
    protected = [_protect_or_withhold(males, threshold), _protect_or_withhold(females, threshold)] if areas else []
    rows: list[list[sources.Value]] = []
    note = f"{threshold}人未満の区分と、その値が合計から求められないよう併せて秘匿した区分は「{SUPPRESSED}」"
    head = (w.code, "", w.full_name_ja, on.isoformat())
    for i, (town, chome) in enumerate(areas):
        cells: list[sources.Value] = []
        for band in range(len(AGE_BANDS)):
            for sex in (0, 1):
                value = (males, females)[sex][i][band]
                cells.append(SUPPRESSED if protected[sex].is_suppressed(i, band) else value)
        # A row withheld for one sex (its total would tell a small cell) withholds that total and the area's.
        hide_m, hide_f = (i in protected[0].hidden_rows), (i in protected[1].hidden_rows)
        m, f = sum(males[i]), sum(females[i])
        total: sources.Value = SUPPRESSED if hide_m or hide_f else m + f
        homes: sources.Value = "" if households is None else households.get((town, chome), 0)
        rows.append([*head, area_name(town, chome), total, SUPPRESSED if hide_m else m,
                     SUPPRESSED if hide_f else f, *cells, homes, ""])
    total_m = [sum(col) for col in zip(*males, strict=True)] if areas else [0] * len(AGE_BANDS)
    total_f = [sum(col) for col in zip(*females, strict=True)] if areas else [0] * len(AGE_BANDS)
    all_homes: sources.Value = "" if households is None else sum(households.get(a, 0) for a in areas)
    rows.append([*head, f"{w.name_ja}全体", sum(total_m) + sum(total_f), sum(total_m), sum(total_f),
                 *(v for pair in zip(total_m, total_f, strict=True) for v in pair), all_homes, note])
    types = ("text", "text", "text", "text", "text", "int", "int", "int", *("text",) * (len(AGE_BANDS) * 2),
             "int", "text")
    return Table(POPULATION_COLUMNS, rows, types=types)


def population(context: GenerationContext) -> list[GeneratedResource]:
    # The end of the last month that has ended (the set is monthly): 31 October for any day of November.
    on = context.as_of if context.as_of == month_end(context.as_of) else context.as_of.replace(day=1) - timedelta(1)
    counts, read = population_counts(on)
    table = population_table(counts, on, settings.SMALL_CELL_THRESHOLD, household_counts(on))
    return [GeneratedResource(
        file_name=f"{_file_prefix()}_population_by_area_age.csv", name=f"地域・年齢別人口（{on.isoformat()}現在）",
        generated_from=f"住民基本台帳: {on.isoformat()}現在の住民 {read}人を町丁目・性別・5歳階級で集計"
                       f"（{settings.SMALL_CELL_THRESHOLD}人未満を秘匿）",
        table=table)]


# --- オープンデータ一覧 ---------------------------------------------------------------------------------------------

def _ja(label: object) -> str:
    """A choice label in Japanese (the files are Japanese whatever language the run is in)."""
    with translation.override("ja"):
        return str(label)


def _local_date(moment: datetime) -> str:
    return timezone.localtime(moment).date().isoformat()


def catalogue(context: GenerationContext) -> list[GeneratedResource]:
    """One row per published dataset (推奨データセット 14). 分類 is the category its generator declares
    (``Source.extra["分類"]``); the catalogue keeps none for datasets staff publish, so theirs is blank."""
    base = context.base_url
    file_name = f"{_file_prefix()}_opendata_list.csv"
    categories = {s.key: s.extra.get("分類", "") for s in sources.all_sources()}
    rows: list[list[sources.Value]] = []
    datasets = list(Dataset.objects.filter(state=State.ACTIVE).select_related("organization")
                    .prefetch_related("resources").order_by("name"))
    for ds in datasets:
        api_url = base + reverse("opendata:action", args=["package_show"]) + f"?id={ds.name}"
        dcat_url = base + reverse("opendata:dataset_dcat", args=[ds.name, "ttl"])
        formats = sorted({r.format for r in ds.resources.all()})
        row: dict[str, sources.Value] = {
            **manager_columns(), "NO": ds.name, "データ名称": ds.title, "データ概要": ds.notes,
            "データ形式": ";".join(formats), "分類": categories.get(ds.source, ""),
            "更新頻度": _ja(Frequency(ds.frequency).label),
            "URL": base + reverse("opendata:dataset", args=[ds.name]), "API対応有無": "有",
            "ライセンス": f"{_ja(License(ds.license_id).label)}（{LICENSE_URLS[License(ds.license_id)]}）",
            "登録日": _local_date(ds.issued), "最終更新日": _local_date(ds.modified),
            "備考": f"CKAN API: {api_url} DCAT: {dcat_url}",
        }
        rows.append([row.get(c, "") for c in CATALOGUE_COLUMNS])
    table = Table(CATALOGUE_COLUMNS, rows)
    return [GeneratedResource(file_name=file_name, name="オープンデータ一覧",
                              generated_from=f"このカタログ: 公開中のデータセット {len(datasets)}件", table=table)]


# --- 窓口の混雑状況・証明書の交付件数 --------------------------------------------------------------------------------

def congestion(context: GenerationContext) -> list[GeneratedResource]:
    tz = timezone.get_default_timezone()
    since = context.as_of - timedelta(days=settings.OPENDATA_CONGESTION_DAYS)
    groups = (Ticket.objects.filter(day__gt=since, day__lte=context.as_of)
              .annotate(hour=TruncHour("issued_at", tzinfo=tz))
              .values("office__code", "office__name_ja", "hour")
              .annotate(n=Count("id"), mean=Avg("wait_seconds"), longest=Max("wait_seconds"))
              .order_by("office__code", "hour"))
    w = ward()
    rows: list[list[sources.Value]] = []
    tickets = 0
    for g in groups:
        hour = g["hour"].astimezone(tz)
        tickets += g["n"]
        rows.append([w.code, g["office__code"], g["office__name_ja"], hour.date().isoformat(), hour.hour, g["n"],
                     round(g["mean"] / 60, 1) if g["mean"] is not None else "",
                     round(g["longest"] / 60, 1) if g["longest"] is not None else ""])
    table = Table(CONGESTION_COLUMNS, rows, types=("text", "text", "text", "text", "int", "int", "numeric",
                                                   "numeric"))
    return [GeneratedResource(
        file_name=f"{_file_prefix()}_counter_congestion.csv", name="窓口の混雑状況（時間帯別）",
        generated_from=f"queues.Ticket: {since + timedelta(days=1)}〜{context.as_of}の番号札 {tickets}件の集計",
        table=table)]


def certificate_counts(context: GenerationContext) -> list[GeneratedResource]:
    tz = timezone.get_default_timezone()
    groups = (Issuance.objects.filter(status=IssuanceStatus.ISSUED, issued_at__date__lte=context.as_of)
              .annotate(month=TruncMonth("issued_at", tzinfo=tz))
              .values("month", "channel", "kind").annotate(n=Count("id")).order_by("month", "channel", "kind"))
    w = ward()
    rows: list[list[sources.Value]] = []
    total = 0
    labels = dict(Channel.choices)
    for g in groups:
        total += g["n"]
        rows.append([w.code, g["month"].astimezone(tz).strftime("%Y-%m"), str(labels.get(g["channel"], g["channel"])),
                     g["kind"], g["n"]])
    table = Table(CERTIFICATE_COLUMNS, rows, types=("text", "text", "text", "text", "int"))
    return [GeneratedResource(
        file_name=f"{_file_prefix()}_certificates_by_channel.csv", name="証明書の交付件数（交付方法別・月別）",
        generated_from=f"certificates.Issuance: 交付済み {total}件の集計", table=table)]


# --- registration ---------------------------------------------------------------------------------------------------

STANDARD_FACILITIES = "standard-public-facilities"
POPULATION = "standard-population"
CATALOGUE = "standard-opendata-list"
CONGESTION = "counter-congestion"
CERTIFICATES = "certificate-counts"

SYNTHETIC_NOTE = "このデータはデモ用の架空データです（実在の施設・設備ではありません）。"
SYNTHETIC_NOTE_EN = "Synthetic demo data (not real places)."


def _org(key: str) -> tuple[str, str, str]:
    return {
        "general": ("general-affairs", "総務部 情報政策課", "General Affairs Department, Information Policy Section"),
        "residents": ("residents", "区民部 戸籍住民課", "Residents Department, Family and Resident Registration"),
        "disaster": ("disaster-prevention", "危機管理室 防災計画課", "Crisis Management Office, Disaster Planning"),
    }[key]


def register_builtin() -> None:
    def source(key: str, org: str, **kw: object) -> Source:
        name, title, title_en = _org(org)
        return Source(key=key, organization=name, organization_title=title, organization_title_en=title_en,
                      **kw)  # type: ignore[arg-type]

    sources.register(source(
        STANDARD_FACILITIES, "general", dataset_name="public-facilities", title="公共施設一覧",
        title_en="Public facilities", standard_id=definitions.PUBLIC_FACILITIES.number,
        reading="こうきょうしせついちらん", extra={"分類": "行財政"},
        notes="区の公共施設（区民事務所など）の名称・所在地・連絡先。業務システムの登録内容から毎日生成しています。",
        notes_en="The ward's public facilities, generated daily from the systems that manage them.",
        tags=("施設", "区民事務所"), frequency="daily", generate=public_facilities))
    sources.register(source(
        POPULATION, "residents", dataset_name="population-by-area-and-age", title="地域・年齢別人口",
        title_en="Population by area and age", standard_id=definitions.POPULATION.number,
        reading="ちいきねんれいべつじんこう", extra={"分類": "人口・世帯"},
        notes="住民基本台帳による町丁目別・男女別・5歳階級別の人口（月末現在）。少数の区分は秘匿しています。",
        notes_en="Residents by 町丁目, sex and five-year age band at the end of each month, from the resident "
                 "register; small counts are suppressed.",
        tags=("人口", "統計", "住民基本台帳"), frequency="monthly", generate=population))
    sources.register(source(
        CATALOGUE, "general", dataset_name="opendata-list", title="オープンデータ一覧",
        title_en="Open data list", standard_id=definitions.OPEN_DATA_LIST.number, reading="おーぷんでーたいちらん",
        notes="このカタログで公開しているデータセットの一覧（推奨データセット「オープンデータ一覧」の項目による）。",
        notes_en="Every dataset of this catalogue, in the national recommended-dataset format.",
        extra={"分類": "行財政"},
        tags=("オープンデータ",), frequency="daily", generate=catalogue))
    sources.register(source(
        CONGESTION, "residents", dataset_name="counter-congestion", title="窓口の混雑状況（時間帯別）",
        title_en="Counter congestion by hour", reading="まどぐちのこんざつじょうきょう", extra={"分類": "行財政"},
        notes="区民事務所ごと・時間帯ごとの発券数と待ち時間（番号札の集計、個人情報を含みません）。",
        notes_en="Tickets issued and waiting times per office and hour (aggregates of the ticket system).",
        tags=("窓口", "混雑", "待ち時間"), frequency="daily", generate=congestion))
    sources.register(source(
        CERTIFICATES, "residents", dataset_name="certificate-counts", title="証明書の交付件数（交付方法別・月別）",
        title_en="Certificates issued by channel and month", reading="しょうめいしょのこうふけんすう",
        extra={"分類": "行財政"},
        notes="住民票の写し・印鑑登録証明書などの交付件数を、窓口・コンビニ・郵送などの交付方法と月ごとに集計したもの。",
        notes_en="Certificates issued per channel (counter, convenience store, post …) and month.",
        tags=("証明書", "統計", "コンビニ交付"), frequency="monthly", generate=certificate_counts))
    for stem, definition, title_en, reading, tags, category in (
        ("aed", definitions.AED, "AED locations", "えーいーでぃーせっちかしょいちらん", ("AED", "救命", "防災"),
         "社会保障・衛生"),
        ("evacuation_space", definitions.EVACUATION_SPACES, "Designated emergency evacuation sites",
         "していきんきゅうひなんばしょいちらん", ("避難場所", "防災"), "司法・安全・環境"),
        ("public_wifi", definitions.PUBLIC_WIFI, "Public Wi-Fi access points",
         "こうしゅうむせんらんあくせすぽいんといちらん", ("Wi-Fi", "無線LAN"), "情報通信・科学技術"),
    ):
        title = definition.title
        sources.register(source(
            f"file-{stem}", "disaster" if stem != "public_wifi" else "general",
            dataset_name=stem.replace("_", "-"), title=title, title_en=title_en, standard_id=definition.number,
            reading=reading, extra={"分類": category},
            notes=f"区が管理する{title}のファイル。" + (SYNTHETIC_NOTE if settings.OPENDATA_CSV_SYNTHETIC else ""),
            notes_en=f"{title_en}, from the file the ward maintains. "
                     + (SYNTHETIC_NOTE_EN if settings.OPENDATA_CSV_SYNTHETIC else ""),
            tags=tags, frequency="irregular", synthetic=settings.OPENDATA_CSV_SYNTHETIC,
            generate=csv_file_generator(stem, definition)))


def population_rows_by_area(table: Table) -> dict[str, list[sources.Value]]:
    """Rows of a published population table by 地域名 (tests and planning read it back)."""
    index = table.header.index("地域名")
    return {str(row[index]): list(row) for row in table.rows}

