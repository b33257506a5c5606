"""The header rows of the standard datasets this catalogue publishes, each with where it was taken from.

Two generations of the national definitions exist:

* 推奨データセット (政府CIOポータル, 2019–2021; numbers 1–14, e.g. 12 公共施設一覧): the item lists below
  marked 「推奨データセット」 are copied from its transcription in ``NEC-FIWARE/smart-data-models``
  (``cio/<NN>_<name>/``, OpenAPI ``info.title: 推奨データセット``, version 1.0.0, "政府CIOポータルで推奨データセット
  として選定されたデータセットのデータ項目定義"), item for item and in its order.
* 自治体標準オープンデータセット（正式版）, デジタル庁: the definitions are the workbook 「データ項目定義書A」
  (``https://www.digital.go.jp/resources/open_data/municipal-standard-data-set-test``; version of 2025-05-01:
  ``…/20250501_resources_open_data_municipal-standard-open-dataset_table_a.xlsx``), sheets A-01 公共施設一覧,
  A-03 指定緊急避難場所一覧, A-04 地域・年齢別人口, A-06 オープンデータ一覧, A-07 公衆無線LANアクセスポイント一覧,
  A-08 AED設置箇所一覧. The workbook itself could not be read here (no copy in the reference sources searched on
  2026-12-06); a 正式版 header is used only where published files and implementations reproduce the whole row
  consistently (A-03, A-04). For A-01, A-06, A-07 and A-08 no complete 正式版 row was found — only scattered
  column names (所在地_連結表記, 町字ID, 連絡先FormURL …, and for A-06 a 42-column list whose names could not all be
  confirmed) — so those datasets keep the 推奨データセット definition, which is complete and sourced.

A dataset generated here writes exactly its tuple as the CSV header; the ward's own files are refused unless
their header is exactly the tuple (``wardfiles.csv_file_generator``). ``tests/test_definitions.py`` checks the
tuples against the counts and landmarks given in the sources.
"""

from __future__ import annotations

from dataclasses import dataclass

# 推奨データセット: the first four items of every list (the managing body).
_MANAGER = ("都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名")


@dataclass(frozen=True)
class Definition:
    title: str
    columns: tuple[str, ...]
    generation: str  # "推奨データセット" or "自治体標準オープンデータセット（正式版）"
    number: str  # the dataset's number in that generation (推奨 "12", 正式版 "A-03")
    source: str  # where the header row was taken from


# 公共施設一覧 — 推奨データセット 12, 24 items.
# Source: NEC-FIWARE/smart-data-models, cio/12_公共施設一覧/datamodels.md
# (commit 4ae28f2f3e8e5b3097c6134a7711a71277d3c1b1);
# the same 24 names in the same order are the CSV column list of a BODIK-style importer
# (DatasetPublicFacilitiesCSVTitleNumber). 正式版 A-01 not found complete (see the module docstring).
# 利用可能曜日 is written as the day characters run together (月火水木金), 開始時間・終了時間 as hh:mm, and
# バリアフリー情報 「;」-separated as the definition says.
PUBLIC_FACILITIES = Definition(
    title="公共施設一覧", generation="推奨データセット", number="12",
    source="NEC-FIWARE/smart-data-models cio/12_公共施設一覧 (commit 4ae28f2f)",
    columns=(
        *_MANAGER, "名称", "名称_カナ", "名称_通称", "POIコード", "住所", "方書", "緯度", "経度", "電話番号",
        "内線番号", "法人番号", "団体名", "利用可能曜日", "開始時間", "終了時間", "利用可能日時特記事項", "説明",
        "バリアフリー情報", "URL", "備考",
    ),
)

# AED設置箇所一覧 — 推奨データセット 1, 22 items.
# Source: NEC-FIWARE/smart-data-models, cio/01_AED設置箇所一覧/model.yaml
# (commit 6a51da18f9582fbb90fe1558d73bb3989e9d5ec0);
# the same 22 names in the same order are the header a municipality's CSV export writes (栃木県小山市, code 092088).
# 正式版 A-08 not found complete.
AED = Definition(
    title="AED設置箇所一覧", generation="推奨データセット", number="1",
    source="NEC-FIWARE/smart-data-models cio/01_AED設置箇所一覧 (commit 6a51da18)",
    columns=(
        *_MANAGER, "名称", "名称_カナ", "住所", "方書", "緯度", "経度", "設置位置", "電話番号", "内線番号",
        "法人番号", "団体名", "利用可能曜日", "開始時間", "終了時間", "利用可能日時特記事項", "小児対応設備の有無",
        "URL", "備考",
    ),
)

# 公衆無線LANアクセスポイント一覧 — 推奨データセット 7, 18 items.
# Source: NEC-FIWARE/smart-data-models, cio/07_公衆無線LANアクセスポイント一覧/datamodels.md
# (commit 4ae28f2f3e8e5b3097c6134a7711a71277d3c1b1). 正式版 A-07 not found complete (a city's 28-column file was
# seen, with columns renamed by the importer, so its exact names could not be confirmed).
PUBLIC_WIFI = Definition(
    title="公衆無線LANアクセスポイント一覧", generation="推奨データセット", number="7",
    source="NEC-FIWARE/smart-data-models cio/07_公衆無線LANアクセスポイント一覧 (commit 4ae28f2f)",
    columns=(
        *_MANAGER, "名称", "名称_カナ", "名称_英語", "住所", "方書", "緯度", "経度", "設置者", "電話番号", "内線番号",
        "SSID", "提供エリア", "URL", "備考",
    ),
)

# オープンデータ一覧 — 推奨データセット 14, 15 items (one row per dataset).
# Source: NEC-FIWARE/smart-data-models, cio/14_オープンデータ一覧/model.yaml and datamodels.md
# (commit 6a51da18f9582fbb90fe1558d73bb3989e9d5ec0);
# queria-io/dataset-metro-tokyo models/ods/mart/open_data_list.table.yml
# also calls the old form 15 columns. The 正式版 A-06 form has 42 columns (one row per file): 34 of their names
# were seen in importers (データセット_タイトル, ファイル_ダウンロードURL …) but not the full ordered row, so it is
# not generated here.
OPEN_DATA_LIST = Definition(
    title="オープンデータ一覧", generation="推奨データセット", number="14",
    source="NEC-FIWARE/smart-data-models cio/14_オープンデータ一覧 (commit 6a51da18)",
    columns=(
        *_MANAGER, "データ名称", "データ概要", "データ形式", "分類", "更新頻度", "URL", "API対応有無", "ライセンス",
        "登録日", "最終更新日", "備考",
    ),
)

# 分類 of オープンデータ一覧: the values the definition allows (cio/14 model.yaml, enum).
OPEN_DATA_CATEGORIES = (
    "国土・気象", "人口・世帯", "労働・賃金", "農林水産業", "鉱工業", "商業・サービス業", "企業・家計・経済",
    "住宅・土地・建設", "エネルギー・水", "運輸・観光", "情報通信・科学技術", "教育・文化・スポーツ・生活", "行財政",
    "司法・安全・環境", "社会保障・衛生", "国際", "その他",
)

# 指定緊急避難場所一覧 — 正式版 A-03, 39 items.
# Source: 定義書A sheet A-03 (2025-05-01), as reproduced identically — names and order — by three independent
# uses: 熊本市's published 431001_evacuation_space.csv (39 columns, くまもとデータ連携基盤
# https://datacatalogportal.dlp-kumamoto.jp/), a converter writing つくば市's list in this form, and a
# shelter-record class exporting it. (地方公共団体名 sits after 市区町村コード in this sheet.)
EVACUATION_SPACES = Definition(
    title="指定緊急避難場所一覧", generation="自治体標準オープンデータセット（正式版）", number="A-03",
    source="デジタル庁 定義書A A-03 (2025-05-01), header as published by 熊本市 431001_evacuation_space.csv",
    columns=(
        "全国地方公共団体コード", "ID", "名称", "名称_カナ", "名称_英字", "所在地_全国地方公共団体コード", "町字ID",
        "所在地_連結表記", "所在地_都道府県", "所在地_市区町村", "所在地_町字", "所在地_番地以下", "建物名等(方書)",
        "緯度", "経度", "標高", "電話番号", "内線番号", "連絡先メールアドレス", "連絡先FormURL",
        "連絡先備考（その他、SNSなど）", "郵便番号", "市区町村コード", "地方公共団体名", "災害種別_洪水",
        "災害種別_崖崩れ、土石流及び地滑り", "災害種別_高潮", "災害種別_地震", "災害種別_津波", "災害種別_大規模な火事",
        "災害種別_内水氾濫", "災害種別_火山現象", "指定避難所との重複", "想定収容人数", "対象となる町会・自治会", "URL",
        "画像", "画像_ライセンス", "備考",
    ),
)

# 地域・年齢別人口 — 正式版 A-04, 46 items.
# Source: 定義書A sheet A-04 (2025-05-01) as published: 熊本市's population file (全国地方公共団体コード, 地域コード,
# 地方公共団体名, 調査年月日, 地域名, 総人口, 男性, 女性, 18 five-year bands up to 85歳以上 for each sex, 世帯数,
# 備考), and queria-io/dataset-metro-tokyo models/ods/mart/population.table.yml (commit 0f8a9a7f, the 新形式
# columns of the Tokyo municipalities' files: 地方公共団体名 replacing 都道府県名・市区町村名). The band columns'
# names and their male/female alternation are those of 推奨データセット 11 (cio/11_地域・年齢別人口, commit 6a51da18),
# which the new form kept; the sheet itself was not read.
AGE_BANDS = (*(f"{a}-{a + 4}歳" for a in range(0, 85, 5)), "85歳以上")
POPULATION = Definition(
    title="地域・年齢別人口", generation="自治体標準オープンデータセット（正式版）", number="A-04",
    source="デジタル庁 定義書A A-04 (2025-05-01), header as published by 熊本市 and the Tokyo municipalities",
    columns=(
        "全国地方公共団体コード", "地域コード", "地方公共団体名", "調査年月日", "地域名", "総人口", "男性", "女性",
        *(f"{band}の{sex}" for band in AGE_BANDS for sex in ("男性", "女性")),
        "世帯数", "備考",
    ),
)

ALL = (PUBLIC_FACILITIES, AED, PUBLIC_WIFI, OPEN_DATA_LIST, EVACUATION_SPACES, POPULATION)


def standard_title(number: str) -> str:
    """How a dataset's 標準データセット番号 reads: the generation and title of the definition the catalogue
    generates under that number, else the number alone."""
    for d in ALL:
        if d.number == number:
            return f"{d.generation} {d.number} {d.title}"
    return f"標準データセット {number}"
