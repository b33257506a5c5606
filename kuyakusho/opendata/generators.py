"""The ward's standard datasets, generated live from the system (registered in ``OpendataConfig.ready``).

Column definitions are the Digital Agency's 自治体標準オープンデータセット as this module writes them in the
``*_COLUMNS`` lists (one place); the CSV files carry exactly that header row, UTF-8.

* 公共施設一覧 (standard 12): the offices, then rows other areas contribute (``sources.contribute``).
* 地域・年齢別人口 (standard 11): active residents by 町丁目, sex and 5-year band on the last day of the month,
  small cells suppressed with complementary suppression (``suppression.protect``, ``SMALL_CELL_THRESHOLD``).
* オープンデータ一覧 (standard 14): the catalogue itself, one row per file, every URL column filled.
* 窓口の混雑状況（時間帯別） and 証明書の交付件数（交付方法別・月別）: aggregates of tickets and issuances.
* AED設置箇所一覧, 指定緊急避難場所一覧, 公衆無線LANアクセスポイント一覧: CSV files the ward maintains in
  ``OPENDATA_CSV_DIR`` (the demo ships small synthetic ones), checked against the definition's header.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Avg, Case, Count, IntegerField, Max, Q, Value, When
from django.db.models.functions import TruncHour, TruncMonth
from django.urls import reverse
from django.utils import timezone

from kuyakusho.certificates.models import Channel, Issuance
from kuyakusho.certificates.models import Status as IssuanceStatus
from kuyakusho.core.ward import ward
from kuyakusho.offices.models import Office
from kuyakusho.queues.models import Ticket
from kuyakusho.residents.models import Resident, Sex

from . import sources
from .models import LICENSE_URLS, Dataset, Frequency, License, State
from .readings import reading_of
from .sources import GeneratedResource, GenerationContext, Source, Table
from .suppression import Protected, protect

SUPPRESSED = "X"  # 秘匿 (as in the national statistics)

FACILITY_COLUMNS = (
    "全国地方公共団体コード", "ID", "地方公共団体名", "名称", "名称_カナ", "名称_英字", "POIコード", "住所", "方書",
    "緯度", "経度", "電話番号", "内線番号", "法人番号", "団体名", "利用可能曜日", "開始時間", "終了時間",
    "利用可能日時特記事項", "説明", "バリアフリー情報", "URL", "備考",
)

AGE_BANDS = (*(f"{a}-{a + 4}歳" for a in range(0, 100, 5)), "100歳以上")
POPULATION_COLUMNS = (
    "全国地方公共団体コード", "地方公共団体名", "町字ID", "地域名", "調査年月日", "総人口", "男性", "女性",
    *(f"{band}の{sex}" for band in AGE_BANDS for sex in ("男性", "女性")),
    "備考",
)

CATALOGUE_COLUMNS = (
    "全国地方公共団体コード", "ID", "地方公共団体名", "データセット名", "データセット名_英語", "概要", "概要_英語",
    "標準データセット番号", "キーワード", "組織", "組織_英語", "連絡先電話番号", "連絡先メールアドレス",
    "ライセンス", "ライセンスURL", "公開日", "最終更新日", "更新頻度", "対象期間_開始", "対象期間_終了",
    "対象地域", "言語", "データセットURL", "データセットAPI_URL", "DCAT_URL", "組織URL",
    "ファイル_ID", "ファイル名", "ファイル_名称", "ファイル_説明", "ファイル_形式", "ファイル_文字コード",
    "ファイル_サイズ", "ファイル_SHA256", "ファイル_最終更新日", "ファイルURL", "ファイルAPI_URL",
    "ファイル_シフトJIS_URL", "生成日時", "生成元", "状態", "備考",
)

CONGESTION_COLUMNS = ("全国地方公共団体コード", "事務所コード", "事務所名", "日付", "時", "発券数",
                      "平均待ち時間（分）", "最長待ち時間（分）")
CERTIFICATE_COLUMNS = ("全国地方公共団体コード", "年月", "交付方法", "証明書の種類", "交付件数")

AED_COLUMNS = (
    "全国地方公共団体コード", "ID", "地方公共団体名", "名称", "名称_カナ", "名称_英字", "住所", "方書", "緯度", "経度",
    "設置位置", "電話番号", "内線番号", "法人番号", "団体名", "利用可能曜日", "開始時間", "終了時間",
    "利用可能日時特記事項", "小児対応設備の有無", "URL", "備考",
)
SHELTER_COLUMNS = (
    "全国地方公共団体コード", "ID", "地方公共団体名", "名称", "名称_カナ", "名称_英字", "住所", "方書", "緯度", "経度",
    "標高", "電話番号", "内線番号", "法人番号", "団体名", "災害種別_洪水", "災害種別_崖崩れ、土石流及び地滑り",
    "災害種別_高潮", "災害種別_地震", "災害種別_津波", "災害種別_大規模な火事", "災害種別_内水氾濫",
    "災害種別_火山現象", "指定避難所との住所同一", "URL", "備考",
)
WIFI_COLUMNS = (
    "全国地方公共団体コード", "ID", "地方公共団体名", "名称", "名称_カナ", "名称_英字", "住所", "方書", "緯度", "経度",
    "設置者", "電話番号", "内線番号", "SSID", "URL", "備考",
)

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

def public_facilities(context: GenerationContext) -> list[GeneratedResource]:
    w = ward()
    rows: list[list[sources.Value]] = []
    offices = list(Office.objects.order_by("sort_order", "code"))
    for office in offices:
        url = context.base_url + reverse("guide:office", args=[office.code]) if office.schedule_id else ""
        rows.append([
            w.code, f"{w.code}-office-{office.code}", w.name_ja, office.name_ja,
            reading_of(office.name_ja), office.name_en, "", office.address, "",
            float(office.latitude) if office.latitude is not None else "",
            float(office.longitude) if office.longitude is not None else "",
            office.phone, "", "", w.name_ja, "", "", "", "", office.access_ja,
            " / ".join(line.strip() for line in office.barrier_free_ja.splitlines() if line.strip()), url, "",
        ])
    contributed = sources.contributions(STANDARD_FACILITIES)
    for row in contributed:
        unknown = set(row) - set(FACILITY_COLUMNS)
        if unknown:
            raise ValueError(f"公共施設一覧: unknown columns {sorted(unknown)}")
        rows.append([row.get(c, "") if c not in ("全国地方公共団体コード", "地方公共団体名")
                     else (w.code if c == "全国地方公共団体コード" else w.name_ja) for c in FACILITY_COLUMNS])
    table = Table(FACILITY_COLUMNS, rows)
    return [GeneratedResource(
        file_name=f"{_file_prefix()}_public_facility.csv", name="公共施設一覧",
        generated_from=f"offices.Office: {len(offices)}件; 他の業務からの追加: {len(contributed)}件", table=table)]


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


def population_table(counts: dict[tuple[str, int | None], list[list[int]]], on: date,
                     threshold: int) -> Table:
    """The published table: one row per 町丁目 and the ward's total, small cells suppressed."""
    w = ward()
    areas = sorted(counts)
    males = [counts[a][0] for a in areas]
    females = [counts[a][1] for a in areas]
    protected = [_protect_or_withhold(males, threshold), _protect_or_withhold(females, threshold)] if areas else []
    rows: list[list[sources.Value]] = []
    note = f"{threshold}人未満の区分と、その値が合計から求められないよう併せて秘匿した区分は「{SUPPRESSED}」"
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
        rows.append([w.code, w.name_ja, "", area_name(town, chome), on.isoformat(), total,
                     SUPPRESSED if hide_m else m, SUPPRESSED if hide_f else f, *cells, ""])
    total_m = [sum(col) for col in zip(*males, strict=True)] if areas else [0] * len(AGE_BANDS)
    total_f = [sum(col) for col in zip(*females, strict=True)] if areas else [0] * len(AGE_BANDS)
    rows.append([w.code, w.name_ja, "", f"{w.name_ja}全体", on.isoformat(), sum(total_m) + sum(total_f),
                 sum(total_m), sum(total_f), *(v for pair in zip(total_m, total_f, strict=True) for v in pair),
                 note])
    types = ("text", "text", "text", "text", "text", "int", "int", "int", *("text",) * (len(AGE_BANDS) * 2), "text")
    return Table(POPULATION_COLUMNS, rows, types=types)


def population(context: GenerationContext) -> list[GeneratedResource]:
    # The end of the last month that has ended (the set is monthly): 31 October for any day of November.
    on = context.as_of if context.as_of == month_end(context.as_of) else context.as_of.replace(day=1) - timedelta(1)
    counts, read = population_counts(on)
    table = population_table(counts, on, settings.SMALL_CELL_THRESHOLD)
    return [GeneratedResource(
        file_name=f"{_file_prefix()}_population_by_area_age.csv", name=f"地域・年齢別人口（{on.isoformat()}現在）",
        generated_from=f"住民基本台帳: {on.isoformat()}現在の住民 {read}人を町丁目・性別・5歳階級で集計"
                       f"（{settings.SMALL_CELL_THRESHOLD}人未満を秘匿）",
        table=table)]


# --- オープンデータ一覧 ---------------------------------------------------------------------------------------------

def catalogue(context: GenerationContext) -> list[GeneratedResource]:
    w = ward()
    base = context.base_url
    file_name = f"{_file_prefix()}_opendata_list.csv"
    rows: list[list[sources.Value]] = []
    datasets = (Dataset.objects.filter(state=State.ACTIVE).select_related("organization")
                .prefetch_related("tags", "resources").order_by("name"))
    for ds in datasets:
        ds_url = base + reverse("opendata:dataset", args=[ds.name])
        api_url = base + reverse("opendata:action", args=["package_show"]) + f"?id={ds.name}"
        dcat_url = base + reverse("opendata:dataset_dcat", args=[ds.name, "ttl"])
        org_url = base + reverse("opendata:index") + f"?organization={ds.organization.name}"
        common: list[sources.Value] = [
            w.code, "", w.name_ja, ds.title, ds.title_en, ds.notes, ds.notes_en, ds.standard_id,
            ";".join(t.name for t in ds.tags.all()), ds.organization.title, ds.organization.title_en,
            ds.organization.phone, ds.organization.email, str(License(ds.license_id).label),
            LICENSE_URLS[License(ds.license_id)], ds.issued.date().isoformat(), ds.modified.date().isoformat(),
            str(Frequency(ds.frequency).label), ds.temporal_start.isoformat() if ds.temporal_start else "",
            ds.temporal_end.isoformat() if ds.temporal_end else "", ds.spatial, "ja",
            ds_url, api_url, dcat_url, org_url,
        ]
        for res in ds.resources.all():
            download = base + reverse("opendata:download", args=[res.id, res.file_name])
            own = res.file_name == file_name and ds.source == CATALOGUE
            rows.append([
                *common[:1], f"{ds.name}/{res.file_name}", *common[2:],
                str(res.id), res.file_name, res.name, res.description, res.format,
                "UTF-8" if res.format in ("CSV", "JSON", "GeoJSON") else "", "" if own else res.size,
                "" if own else res.sha256, res.last_modified.date().isoformat(), download,
                base + reverse("opendata:action", args=["resource_show"]) + f"?id={res.id}",
                download + "?encoding=shift_jis" if res.format == "CSV" else download,
                res.generated_at.isoformat() if res.generated_at else "", res.generated_from, "公開中",
                "このファイル自身（サイズとSHA-256はAPIで確認できます）" if own else "",
            ])
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


# --- CSV files the ward maintains --------------------------------------------------------------------------------

def csv_file_generator(file_stem: str, columns: tuple[str, ...],
                       title: str) -> Callable[[GenerationContext], list[GeneratedResource]]:
    def generate(context: GenerationContext) -> list[GeneratedResource]:
        path = Path(settings.OPENDATA_CSV_DIR) / f"{file_stem}.csv"
        text = path.read_bytes().decode("utf-8-sig")
        reader = csv.reader(io.StringIO(text))
        header = tuple(next(reader, ()))
        if header != columns:
            raise ValueError(f"{path.name}: the header is not the definition's ({len(header)} columns)")
        rows = [row for row in reader if any(cell.strip() for cell in row)]
        table = Table(columns, rows)
        return [GeneratedResource(file_name=f"{_file_prefix()}_{file_stem}.csv", name=title,
                                  generated_from=f"区が管理するファイル {path.name}: {len(rows)}件", table=table)]

    return generate


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
        title_en="Public facilities", standard_id="12", reading="こうきょうしせついちらん",
        notes="区の公共施設（区民事務所など）の名称・所在地・連絡先。業務システムの登録内容から毎日生成しています。",
        notes_en="The ward's public facilities, generated daily from the systems that manage them.",
        tags=("施設", "区民事務所"), frequency="daily", generate=public_facilities))
    sources.register(source(
        POPULATION, "residents", dataset_name="population-by-area-and-age", title="地域・年齢別人口",
        title_en="Population by area and age", standard_id="11", reading="ちいきねんれいべつじんこう",
        notes="住民基本台帳による町丁目別・男女別・5歳階級別の人口（月末現在）。少数の区分は秘匿しています。",
        notes_en="Residents by 町丁目, sex and five-year age band at the end of each month, from the resident "
                 "register; small counts are suppressed.",
        tags=("人口", "統計", "住民基本台帳"), frequency="monthly", generate=population))
    sources.register(source(
        CATALOGUE, "general", dataset_name="opendata-list", title="オープンデータ一覧",
        title_en="Open data list", standard_id="14", reading="おーぷんでーたいちらん",
        notes="このカタログで公開しているデータセットとファイルの一覧（デジタル庁の項目定義による）。",
        notes_en="Every dataset and file of this catalogue, in the Digital Agency's format.",
        tags=("オープンデータ",), frequency="daily", generate=catalogue))
    sources.register(source(
        CONGESTION, "residents", dataset_name="counter-congestion", title="窓口の混雑状況（時間帯別）",
        title_en="Counter congestion by hour", reading="まどぐちのこんざつじょうきょう",
        notes="区民事務所ごと・時間帯ごとの発券数と待ち時間（番号札の集計、個人情報を含みません）。",
        notes_en="Tickets issued and waiting times per office and hour (aggregates of the ticket system).",
        tags=("窓口", "混雑", "待ち時間"), frequency="daily", generate=congestion))
    sources.register(source(
        CERTIFICATES, "residents", dataset_name="certificate-counts", title="証明書の交付件数（交付方法別・月別）",
        title_en="Certificates issued by channel and month", reading="しょうめいしょのこうふけんすう",
        notes="住民票の写し・印鑑登録証明書などの交付件数を、窓口・コンビニ・郵送などの交付方法と月ごとに集計したもの。",
        notes_en="Certificates issued per channel (counter, convenience store, post …) and month.",
        tags=("証明書", "統計", "コンビニ交付"), frequency="monthly", generate=certificate_counts))
    for stem, columns, title, title_en, sid, reading, tags in (
        ("aed", AED_COLUMNS, "AED設置箇所一覧", "AED locations", "1", "えーいーでぃーせっちかしょいちらん",
         ("AED", "救命", "防災")),
        ("evacuation_space", SHELTER_COLUMNS, "指定緊急避難場所一覧", "Designated emergency evacuation sites", "10",
         "していきんきゅうひなんばしょいちらん", ("避難場所", "防災")),
        ("public_wifi", WIFI_COLUMNS, "公衆無線LANアクセスポイント一覧", "Public Wi-Fi access points", "7",
         "こうしゅうむせんらんあくせすぽいんといちらん", ("Wi-Fi", "無線LAN")),
    ):
        sources.register(source(
            f"file-{stem}", "disaster" if stem != "public_wifi" else "general",
            dataset_name=stem.replace("_", "-"), title=title, title_en=title_en, standard_id=sid, reading=reading,
            notes=f"区が管理する{title}のファイル。" + (SYNTHETIC_NOTE if settings.OPENDATA_CSV_SYNTHETIC else ""),
            notes_en=f"{title_en}, from the file the ward maintains. "
                     + (SYNTHETIC_NOTE_EN if settings.OPENDATA_CSV_SYNTHETIC else ""),
            tags=tags, frequency="irregular", synthetic=settings.OPENDATA_CSV_SYNTHETIC,
            generate=csv_file_generator(stem, columns, title)))


def population_rows_by_area(table: Table) -> dict[str, list[sources.Value]]:
    """Rows of a published population table by 地域名 (tests and planning read it back)."""
    index = table.header.index("地域名")
    return {str(row[index]): list(row) for row in table.rows}

