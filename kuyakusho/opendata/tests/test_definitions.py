"""The standard datasets' header rows against what their sources say (``opendata.definitions``)."""

from __future__ import annotations

import pytest

from kuyakusho.opendata import definitions, generators, sources

# (definition, number of items the source gives, the source's own count where it states one)
COUNTS = [
    (definitions.PUBLIC_FACILITIES, 24),  # cio/12: 24 items
    (definitions.AED, 22),  # cio/01: 22 items; a city's export header has the same 22
    (definitions.PUBLIC_WIFI, 18),  # cio/07: 18 items
    (definitions.OPEN_DATA_LIST, 15),  # cio/14; "旧推奨データセット形式（15列）"
    (definitions.EVACUATION_SPACES, 39),  # "431001_evacuation_space.csv（39列）"
    (definitions.POPULATION, 46),  # 8 + 18 bands × 2 sexes + 世帯数, 備考
]


@pytest.mark.parametrize(("definition", "count"), COUNTS, ids=[d.title for d, _n in COUNTS])
def test_each_definition_has_the_items_of_its_source_once(definition, count):
    assert len(definition.columns) == count
    assert len(set(definition.columns)) == count
    assert definition.source and definition.number
    assert definition.columns[-1] == "備考"


def test_the_recommended_sets_open_with_the_managing_body_and_the_new_ones_with_the_code():
    for d in definitions.ALL:
        if d.generation == "推奨データセット":
            assert d.columns[:4] == ("都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名")
        else:
            assert d.columns[0] == "全国地方公共団体コード" and d.number.startswith("A-")


def test_the_hours_columns_of_the_public_facilities_are_consecutive():
    cols = definitions.PUBLIC_FACILITIES.columns
    i = cols.index("利用可能曜日")
    assert cols[i:i + 4] == ("利用可能曜日", "開始時間", "終了時間", "利用可能日時特記事項")


def test_the_evacuation_spaces_carry_the_new_address_and_contact_items():
    cols = definitions.EVACUATION_SPACES.columns
    assert cols.index("町字ID") == cols.index("所在地_全国地方公共団体コード") + 1
    assert cols[7:13] == ("所在地_連結表記", "所在地_都道府県", "所在地_市区町村", "所在地_町字", "所在地_番地以下",
                          "建物名等(方書)")
    assert [c for c in cols if c.startswith("災害種別_")] == [
        "災害種別_洪水", "災害種別_崖崩れ、土石流及び地滑り", "災害種別_高潮", "災害種別_地震", "災害種別_津波",
        "災害種別_大規模な火事", "災害種別_内水氾濫", "災害種別_火山現象"]
    assert cols.index("地方公共団体名") == 23  # where the sheet has it, after 市区町村コード


def test_the_population_bands_run_to_85_and_alternate_the_sexes():
    assert definitions.AGE_BANDS[0] == "0-4歳" and definitions.AGE_BANDS[-1] == "85歳以上"
    assert len(definitions.AGE_BANDS) == 18
    cols = definitions.POPULATION.columns
    assert cols[:8] == ("全国地方公共団体コード", "地域コード", "地方公共団体名", "調査年月日", "地域名", "総人口",
                        "男性", "女性")
    assert cols[8:12] == ("0-4歳の男性", "0-4歳の女性", "5-9歳の男性", "5-9歳の女性")
    assert cols[-2:] == ("世帯数", "備考")


def test_the_generated_datasets_declare_categories_of_the_list():
    builtin = {generators.STANDARD_FACILITIES, generators.POPULATION, generators.CATALOGUE, generators.CONGESTION,
               generators.CERTIFICATES, "file-aed", "file-evacuation_space", "file-public_wifi"}
    registered = {s.key: s for s in sources.all_sources()}
    assert builtin <= set(registered)
    for key, source in registered.items():
        category = source.extra.get("分類")
        assert category in definitions.OPEN_DATA_CATEGORIES or (category is None and key not in builtin), key


def test_how_a_standard_number_reads():
    assert definitions.standard_title("A-04") == "自治体標準オープンデータセット（正式版） A-04 地域・年齢別人口"
    assert definitions.standard_title("12") == "推奨データセット 12 公共施設一覧"
    assert definitions.standard_title("13") == "標準データセット 13"  # not one the catalogue generates
