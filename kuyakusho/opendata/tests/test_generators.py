from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.conf import settings

from kuyakusho.audit.models import AuditEvent
from kuyakusho.opendata import definitions, generators, services, sources, wardfiles
from kuyakusho.opendata.models import Dataset, Resource
from kuyakusho.residents.models import Sex
from kuyakusho.residents.tests.factories import HouseholdFactory, ResidentFactory

from .factories import NURSERY_CSV, dataset
from .test_suppression import determined_cells

pytestmark = pytest.mark.django_db


def _csv(resource: Resource) -> list[list[str]]:
    return list(csv.reader(io.StringIO(bytes(resource.content.data).decode("utf-8"))))


def _people(town: str, chome: int, births: list[tuple[dt.date, str]]) -> None:
    household = HouseholdFactory(town=town, chome=chome)
    for n, (birth, sex) in enumerate(births):
        ResidentFactory(household=household, is_head=n == 0, birth_date=birth, sex=sex)


def test_population_is_published_with_small_cells_that_cannot_be_recovered(settings):
    settings.SMALL_CELL_THRESHOLD = 3
    on = dt.date(2026, 10, 31)
    # Three 町丁目; 30–34 year-old men: 4, 4, 1 (the 1 must be hidden), others in larger bands.
    _people("旭丘", 1, [(dt.date(1994, 1, 1), Sex.MALE)] * 4 + [(dt.date(1960, 1, 1), Sex.MALE)] * 5)
    _people("旭丘", 2, [(dt.date(1994, 1, 1), Sex.MALE)] * 4 + [(dt.date(1960, 1, 1), Sex.MALE)] * 6)
    _people("旭町", 1, [(dt.date(1994, 1, 1), Sex.MALE)] * 1 + [(dt.date(1960, 1, 1), Sex.MALE)] * 7
            + [(dt.date(2000, 1, 1), Sex.FEMALE)] * 3)
    result = services.regenerate(actor=None, key=generators.POPULATION, as_of=on)
    rows = _csv(result.resources[0])
    header = rows[0]
    assert tuple(header) == generators.POPULATION_COLUMNS
    by_area = {r[header.index("地域名")]: r for r in rows[1:]}
    col = header.index("30-34歳の男性")
    assert by_area["旭町一丁目"][col] == "X"
    # its complement: another 30–34 cell of the same column must be hidden too, or the ward total reveals it
    assert "X" in (by_area["旭丘一丁目"][col], by_area["旭丘二丁目"][col])
    assert by_area["旭町一丁目"][header.index("総人口")] in ("11", "X")
    assert by_area["練馬区全体"][col] == "9"  # the ward's totals are published
    # the definition's other columns: the ward's code and full name, the day, the households of each area
    for row in rows[1:]:
        assert row[header.index("全国地方公共団体コード")] == "131202"
        assert row[header.index("地方公共団体名")] == "東京都練馬区"
        assert row[header.index("調査年月日")] == "2026-10-31"
    assert [by_area[a][header.index("世帯数")] for a in ("旭丘一丁目", "旭町一丁目", "練馬区全体")] == ["1", "1", "3"]

    # The attacker: every published number and total, as linear equations over the hidden cells of each sex.
    bands = list(generators.AGE_BANDS)
    areas = [a for a in by_area if a != "練馬区全体"]
    hidden_any = False
    for sex in ("男性", "女性"):
        table, hidden = [], set()
        withheld = {i for i, area in enumerate(areas) if by_area[area][header.index(sex)] == "X"}
        for i, area in enumerate(areas):
            row = []
            for j, band in enumerate(bands):
                value = by_area[area][header.index(f"{band}の{sex}")]
                if value == "X":
                    hidden.add((i, j))
                    row.append(0)
                else:
                    row.append(int(value))
            table.append(row)
        hidden_any |= bool(hidden)
        assert not determined_cells(table, hidden, withheld)
        # and the plain subtraction of a published area total gives no single hidden value
        for i in range(len(areas)):
            in_row = [j for (r, j) in hidden if r == i]
            assert i in withheld or len(in_row) != 1
    assert hidden_any
    assert result.resources[0].generated_from.startswith("住民基本台帳")
    assert "3人未満" in result.resources[0].generated_from
    assert AuditEvent.objects.filter(action="opendata.regenerated", target_id=str(result.dataset.pk)).exists()


def test_an_area_whose_total_would_tell_a_small_cell_withholds_its_total(settings):
    settings.SMALL_CELL_THRESHOLD = 3
    women = [(dt.date(1970, 1, 1), Sex.FEMALE)] * 4 + [(dt.date(1990, 1, 1), Sex.FEMALE)] * 5
    _people("旭丘", 1, [(dt.date(1994, 1, 1), Sex.MALE)] * 5 + [(dt.date(1960, 1, 1), Sex.MALE)] * 5 + women)
    _people("旭丘", 2, [(dt.date(1994, 1, 1), Sex.MALE)] * 6 + [(dt.date(1960, 1, 1), Sex.MALE)] * 6 + women)
    _people("旭町", 1, [(dt.date(1994, 1, 1), Sex.MALE)] * 4 + [(dt.date(1960, 1, 1), Sex.MALE)] * 4 + women)
    _people("小竹町", 1, [(dt.date(1970, 1, 1), Sex.FEMALE)])  # one woman: her band is the area's total
    table = generators.population_table(*generators.population_counts(dt.date(2026, 10, 31))[:1],
                                        dt.date(2026, 10, 31), 3)
    header = list(table.header)
    row = next(r for r in table.rows if r[header.index("地域名")] == "小竹町一丁目")
    assert row[header.index("総人口")] == "X" and row[header.index("女性")] == "X"
    assert row[header.index("55-59歳の女性")] == "X"


def test_a_table_that_cannot_be_protected_is_published_for_the_ward_only():
    _people("旭丘", 1, [(dt.date(1970, 1, 1), Sex.FEMALE)])  # the ward's only woman of her band: nothing hides her
    _people("旭丘", 2, [(dt.date(1960, 1, 1), Sex.MALE)] * 12)
    on = dt.date(2026, 10, 31)
    table = generators.population_table(generators.population_counts(on)[0], on, 3)
    header = list(table.header)
    *areas, ward_row = table.rows
    for row in areas:
        assert row[header.index("女性")] == "X" and row[header.index("55-59歳の女性")] == "X"
    assert ward_row[header.index("女性")] == 1  # the ward as a whole is still counted


def test_population_counts_residents_on_the_day():
    _people("旭丘", 1, [(dt.date(1990, 6, 1), Sex.FEMALE)])
    counts, read = generators.population_counts(dt.date(2026, 10, 31))
    assert read == 1 and counts[("旭丘", 1)][1][generators.band_of(dt.date(1990, 6, 1), dt.date(2026, 10, 31))] == 1
    counts, read = generators.population_counts(dt.date(2000, 1, 1))  # before they moved in
    assert read == 0


def test_regenerating_unchanged_data_keeps_the_file_and_records_the_run():
    first = services.regenerate(actor=None, key="file-aed")
    res = first.resources[0]
    second = services.regenerate(actor=None, key="file-aed")
    again = Resource.objects.get(pk=res.pk)
    assert second.changed == 0 and again.sha256 == res.sha256 and again.last_modified == res.last_modified
    assert again.generated_at >= res.generated_at
    assert "aed.csv" in again.generated_from


def test_csv_files_follow_the_definition_and_are_labelled_synthetic():
    for key, definition in (("file-aed", definitions.AED), ("file-evacuation_space", definitions.EVACUATION_SPACES),
                            ("file-public_wifi", definitions.PUBLIC_WIFI)):
        result = services.regenerate(actor=None, key=key)
        rows = _csv(result.resources[0])
        assert tuple(rows[0]) == definition.columns and len(rows) > 1
        assert result.dataset.standard_id == definition.number
        assert "架空" in result.dataset.notes and settings.OPENDATA_CSV_SYNTHETIC


def test_a_file_with_the_wrong_header_is_refused(settings, tmp_path):
    (tmp_path / "aed.csv").write_text("名称,住所\nx,y\n", encoding="utf-8")
    settings.OPENDATA_CSV_DIR = tmp_path
    with pytest.raises(ValueError, match="見出し行が「AED設置箇所一覧」の定義（22項目）と違います"):
        services.regenerate(actor=None, key="file-aed")
    assert not Dataset.objects.filter(name="aed").exists()
    assert "error" in services.regenerate_all(actor=None)["file-aed"]


def _aed_file(tmp_path, **changes: str) -> None:
    source = (Path(settings.OPENDATA_CSV_DIR) / "aed.csv").read_text(encoding="utf-8").splitlines()
    header = source[0].split(",")
    row = source[1].split(",")
    for column, value in changes.items():
        row[header.index(column)] = value
    (tmp_path / "aed.csv").write_text("\n".join([source[0], ",".join(row)]) + "\n", encoding="utf-8")


@pytest.mark.parametrize(("column", "value"), [
    ("都道府県コード又は市区町村コード", "131201"),  # the check digit of 13120 is 2
    ("都道府県コード又は市区町村コード", "13120"),
    ("緯度", "北緯35度"), ("経度", "1.3965E+2"), ("緯度", "135.1"),
    ("開始時間", "9時"), ("終了時間", "25:00"),
])
def test_a_file_with_a_malformed_value_is_refused(settings, tmp_path, column, value):
    _aed_file(tmp_path, **{column: value})
    settings.OPENDATA_CSV_DIR = tmp_path
    expected = f"aed.csv の2行目「{column}」の値「{re.escape(value)}」は定義の形式ではありません"
    with pytest.raises(ValueError, match=expected):
        services.regenerate(actor=None, key="file-aed")
    assert not Dataset.objects.filter(name="aed").exists()


def test_a_bad_file_keeps_the_published_one(settings, tmp_path):
    published = services.regenerate(actor=None, key="file-aed").resources[0]
    _aed_file(tmp_path, 緯度="north")
    settings.OPENDATA_CSV_DIR = tmp_path
    assert "緯度" in services.regenerate_all(actor=None)["file-aed"]
    kept = Resource.objects.get(pk=published.pk)
    assert kept.sha256 == published.sha256 and bytes(kept.content.data) == bytes(published.content.data)


def test_well_formed_values_pass(settings, tmp_path):
    _aed_file(tmp_path, 緯度="35.736100", 開始時間="00:00", 終了時間="24:00")
    settings.OPENDATA_CSV_DIR = tmp_path
    rows = _csv(services.regenerate(actor=None, key="file-aed").resources[0])
    assert rows[1][rows[0].index("緯度")] == "35.736100"


def test_local_government_codes():
    assert wardfiles.valid_local_government_code("131202")  # 練馬区
    assert wardfiles.valid_local_government_code("011002")  # 札幌市
    assert not wardfiles.valid_local_government_code("131201")
    assert not wardfiles.valid_local_government_code("１３１２０２")  # full-width digits


def test_public_facilities_from_offices_and_contributed_rows():
    from kuyakusho.demo.offices import create_offices

    create_offices()

    def contributed():
        return [{"NO": "pool-1", "名称": "サンプル温水プール", "住所": "東京都練馬区どこか1-1"}]

    sources.contribute(generators.STANDARD_FACILITIES, contributed)
    try:
        result = services.regenerate(actor=None, key=generators.STANDARD_FACILITIES, as_of=dt.date(2026, 6, 1))
    finally:
        sources._CONTRIBUTORS[generators.STANDARD_FACILITIES].remove(contributed)
    rows = _csv(result.resources[0])
    header = rows[0]
    assert tuple(header) == definitions.PUBLIC_FACILITIES.columns
    assert result.dataset.standard_id == definitions.PUBLIC_FACILITIES.number
    names = [r[header.index("名称")] for r in rows[1:]]
    assert "練馬区民事務所" in names and "サンプル温水プール" in names
    pool = next(r for r in rows if r[header.index("名称")] == "サンプル温水プール")
    assert [pool[header.index(c)] for c in ("都道府県コード又は市区町村コード", "都道府県名", "市区町村名")] \
        == ["131202", "東京都", "練馬区"]  # the managing body is filled in for contributed rows too
    office = next(r for r in rows if r[header.index("名称")] == "練馬区民事務所")
    col = {c: office[header.index(c)] for c in header}
    assert col["URL"].endswith("/offices/nerima/")
    assert col["名称_カナ"] == "ネリマクミンジムショ"  # 全角カタカナ
    assert wardfiles.valid_local_government_code(col["都道府県コード又は市区町村コード"])
    assert re.fullmatch(r"35\.[0-9]+", col["緯度"]) and re.fullmatch(r"139\.[0-9]+", col["経度"])
    # the hours from the offices' calendar
    assert (col["利用可能曜日"], col["開始時間"], col["終了時間"]) == ("月火水木金土", "08:30", "17:00")
    assert "祝日は休み" in col["利用可能日時特記事項"] and "年末年始" in col["利用可能日時特記事項"]
    assert col["電話番号"] == "03-3993-1111" and ";" in col["バリアフリー情報"]
    assert (col["住所"], col["方書"]) == ("東京都練馬区豊玉北6-12-1", "区役所本庁舎")


def test_addresses_read_from_the_prefecture_with_the_building_apart():
    assert generators.address_columns("練馬区光が丘2-9-6") == {"住所": "東京都練馬区光が丘2-9-6", "方書": ""}
    assert generators.address_columns("東京都練馬区北町2-26-1（旧第二出張所）") \
        == {"住所": "東京都練馬区北町2-26-1", "方書": "旧第二出張所"}
    assert generators.address_columns("千葉市中央区1-1") == {"住所": "千葉市中央区1-1", "方書": ""}


def test_a_contributed_row_with_an_unknown_column_is_refused():
    def contributed():
        return [{"ID": "pool-1", "名称": "サンプル温水プール"}]

    sources.contribute(generators.STANDARD_FACILITIES, contributed)
    try:
        with pytest.raises(ValueError, match="定義にない項目があります（ID）"):
            services.regenerate(actor=None, key=generators.STANDARD_FACILITIES)
    finally:
        sources._CONTRIBUTORS[generators.STANDARD_FACILITIES].remove(contributed)


def test_the_catalogue_list_has_one_row_per_dataset_with_its_urls():
    dataset(csv=NURSERY_CSV)
    services.regenerate(actor=None, key="file-aed")
    first = _csv(services.regenerate(actor=None, key=generators.CATALOGUE).resources[0])
    assert {r[first[0].index("NO")] for r in first[1:]} == {"nursery-schools", "aed"}
    result = services.regenerate(actor=None, key=generators.CATALOGUE)  # now the list lists itself too
    rows = _csv(result.resources[0])
    header = rows[0]
    assert tuple(header) == definitions.OPEN_DATA_LIST.columns and len(header) == 15
    by_no = {r[header.index("NO")]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert set(by_no) == {"nursery-schools", "aed", "opendata-list"}
    for row in by_no.values():
        assert row["URL"].startswith("http") and row["URL"].endswith(f"/opendata/dataset/{row['NO']}/")
        assert f"package_show?id={row['NO']}" in row["備考"] and row["API対応有無"] == "有"
        for column in ("登録日", "最終更新日"):
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[column])
        assert row["分類"] in ("", *definitions.OPEN_DATA_CATEGORIES)
    assert by_no["aed"]["分類"] == "社会保障・衛生" and by_no["aed"]["データ形式"] == "CSV"
    assert by_no["opendata-list"]["分類"] == "行財政"
    assert by_no["nursery-schools"]["分類"] == ""  # staff-published datasets have none in the catalogue
    assert by_no["nursery-schools"]["ライセンス"].startswith("クリエイティブ・コモンズ 表示 4.0 国際")


def test_regenerate_all_runs_every_source_and_the_catalogue_last():
    outcome = services.regenerate_all(actor=None)
    assert set(outcome) == {s.key for s in sources.all_sources()}
    assert list(outcome)[-1] == generators.CATALOGUE
    assert all(v.startswith("ok") for v in outcome.values()), outcome
    listed = Dataset.objects.get(name="opendata-list").resources.get()
    names = {r[0] for r in _csv(listed)[1:]}
    assert names  # the list lists the datasets generated before it


def test_certificate_counts_and_congestion_hold_aggregates_only():
    cert = services.regenerate(actor=None, key=generators.CERTIFICATES).resources[0]
    cong = services.regenerate(actor=None, key=generators.CONGESTION).resources[0]
    assert tuple(_csv(cert)[0]) == generators.CERTIFICATE_COLUMNS
    assert tuple(_csv(cong)[0]) == generators.CONGESTION_COLUMNS
    for header in (generators.CERTIFICATE_COLUMNS, generators.CONGESTION_COLUMNS):
        assert not {"氏名", "住所", "生年月日", "請求者"} & set(header)
