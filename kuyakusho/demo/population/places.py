"""Places outside a household's address: where people came from, where they went, their 本籍,
and the buildings whose names become 方書.

Move-ins to Nerima come mostly from its neighbours (杉並, 板橋, 中野, 豊島, 西東京, 和光, 朝霞,
新座) and the rest of Tokyo and Kanagawa/Saitama, then from the big cities further away; move-outs
go to the same places.  A 本籍 is where a family's 戸籍 is kept: about a quarter of the ward's
Japanese residents keep it in Nerima itself, the others across Tokyo and in the prefecture the
family came from.
"""

from __future__ import annotations

import random
from itertools import accumulate

KANJI_DIGITS = "〇一二三四五六七八九"


def kanji_number(n: int) -> str:
    """1 → 一, 12 → 十二, 24 → 二十四 (as 本籍 are written)."""
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else KANJI_DIGITS[tens]) + "十" if tens else "") + (KANJI_DIGITS[ones] if ones else "")


# (municipality with its prefecture, weight, typical town names there)
MUNICIPALITIES: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("東京都杉並区", 9, ("阿佐谷南", "荻窪", "下井草", "上井草", "善福寺", "高円寺北")),
    ("東京都板橋区", 8, ("成増", "赤塚", "徳丸", "常盤台", "大山町", "高島平")),
    ("東京都中野区", 7, ("江古田", "沼袋", "鷺宮", "上鷺宮", "中野", "野方")),
    ("東京都豊島区", 6, ("池袋", "要町", "千早", "長崎", "南長崎", "目白")),
    ("東京都西東京市", 5, ("保谷町", "ひばりが丘", "東伏見", "田無町", "南町")),
    ("埼玉県和光市", 3, ("白子", "新倉", "本町", "丸山台")),
    ("埼玉県朝霞市", 2.5, ("本町", "膝折町", "根岸台", "溝沼")),
    ("埼玉県新座市", 3, ("野火止", "片山", "栗原", "東北")),
    ("東京都新宿区", 4, ("高田馬場", "大久保", "西新宿", "中落合", "早稲田町")),
    ("東京都世田谷区", 4, ("三軒茶屋", "北沢", "桜新町", "経堂", "成城")),
    ("東京都北区", 2.5, ("赤羽", "王子", "十条仲原", "滝野川")),
    ("東京都武蔵野市", 2.5, ("吉祥寺本町", "中町", "境", "関前")),
    ("東京都三鷹市", 1.5, ("下連雀", "上連雀", "井口")),
    ("東京都文京区", 2, ("本駒込", "千石", "小石川", "大塚")),
    ("東京都大田区", 1.5, ("蒲田", "大森北", "田園調布")),
    ("東京都渋谷区", 1.5, ("代々木", "笹塚", "本町", "恵比寿")),
    ("東京都江戸川区", 1, ("西葛西", "小岩", "船堀")),
    ("東京都八王子市", 1, ("明神町", "南大沢", "子安町")),
    ("東京都府中市", 1, ("府中町", "宮西町", "寿町")),
    ("埼玉県所沢市", 2, ("東町", "小手指町", "緑町")),
    ("埼玉県さいたま市浦和区", 1.5, ("高砂", "仲町", "常盤")),
    ("埼玉県川口市", 1, ("本町", "栄町", "西川口")),
    ("神奈川県横浜市港北区", 1.5, ("日吉", "大倉山", "新横浜")),
    ("神奈川県川崎市中原区", 1.5, ("小杉町", "新丸子町", "木月")),
    ("千葉県船橋市", 1, ("本町", "前原西", "夏見")),
    ("千葉県千葉市中央区", 0.8, ("中央", "新町", "登戸")),
    ("北海道札幌市中央区", 1, ("北一条西", "南三条西", "大通西")),
    ("宮城県仙台市青葉区", 1, ("一番町", "国分町", "木町通")),
    ("新潟県新潟市中央区", 0.8, ("東堀通", "万代", "古町通")),
    ("長野県長野市", 0.7, ("大字鶴賀", "大字南長野", "中御所")),
    ("静岡県静岡市葵区", 0.7, ("追手町", "呉服町", "駒形通")),
    ("愛知県名古屋市中区", 1.2, ("栄", "錦", "丸の内")),
    ("京都府京都市左京区", 0.8, ("下鴨松原町", "北白川", "岡崎")),
    ("大阪府大阪市北区", 1.5, ("梅田", "天神橋", "中崎")),
    ("兵庫県神戸市中央区", 0.8, ("元町通", "三宮町", "北野町")),
    ("広島県広島市中区", 0.7, ("基町", "紙屋町", "大手町")),
    ("福岡県福岡市博多区", 1.2, ("博多駅前", "中洲", "住吉")),
    ("熊本県熊本市中央区", 0.5, ("水前寺", "上通町", "新町")),
    ("沖縄県那覇市", 0.5, ("久茂地", "泉崎", "首里")),
)
_MUNI_CUM = tuple(accumulate(m[1] for m in MUNICIPALITIES))

# 本籍: Nerima itself, else where a family came from.
HONSEKI_IN_WARD = 0.25


def outside_address(rng: random.Random) -> str:
    """An address in another municipality (前住所 of a 転入, 転出先 of a 転出)."""
    muni, _, towns = rng.choices(MUNICIPALITIES, cum_weights=_MUNI_CUM)[0]
    town = rng.choice(towns)
    chome = rng.randint(1, 5)
    return f"{muni}{town}{chome}丁目{rng.randint(1, 30)}番{rng.randint(1, 25)}号"


def honseki(rng: random.Random, ward_places: tuple) -> str:
    """A 本籍 (丁目 and 番地 in kanji numerals, as a 戸籍 writes them)."""
    if rng.random() < HONSEKI_IN_WARD:
        place = rng.choice(ward_places)
        where = f"東京都練馬区{place.town}" + (f"{kanji_number(place.chome)}丁目" if place.chome else "")
        return f"{where}{rng.randint(1, 40)}番地"
    muni, _, towns = rng.choices(MUNICIPALITIES, cum_weights=_MUNI_CUM)[0]
    return f"{muni}{rng.choice(towns)}{kanji_number(rng.randint(1, 5))}丁目{rng.randint(1, 40)}番地"


BUILDING_FIRST = ("", "", "", "グリーン", "サン", "パーク", "ロイヤル", "グラン", "エクセル", "ライオンズ", "シティ",
                  "ベル", "フォレスト", "クレスト", "ルミエール")
BUILDING_KIND = ("ハイツ", "コーポ", "マンション", "レジデンス", "パレス", "メゾン", "コート", "ヒルズ", "テラス", "荘",
                 "ハウス", "アパートメント")


def building_name(rng: random.Random, town: str, serial: int) -> str:
    """A plausible building name: グリーンハイツ桜台, コーポ石神井第2, さくら荘 …"""
    kind = rng.choice(BUILDING_KIND)
    if kind == "荘":
        return rng.choice(("さくら", "みどり", "ひかり", "若葉", "松風", "富士見", "日の出", "朝日")) + "荘"
    first = rng.choice(BUILDING_FIRST)
    place = town if rng.random() < 0.7 else ""
    name = f"{first}{kind}{place}" if first or place else f"{kind}{town}"
    return name + (f"第{serial}" if serial > 1 and rng.random() < 0.5 else "")


DANCHI = ("光が丘パークタウン", "光が丘第一アパート", "光が丘パークタウンいちょう通り", "光が丘パークタウン大通り南")
