"""Foreign residents: nationalities, names as registered, 在留資格 and periods of stay.

Shares are shaped on the ward's foreign population of the 2020s (about 3 % of residents; China
about four in ten, then Korea, Vietnam, the Philippines, Nepal, Taiwan…).  A foreign resident's
name on the register is the one on the residence card, in capital letters, family name first;
Chinese, Taiwanese and (older, 特別永住者) Korean residents may have it registered in kanji
(漢字併記), which we store as written with a katakana reading of how they say it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import accumulate

from .surnames import parse


@dataclass(frozen=True)
class Nationality:
    code: str
    name: str  # as the register writes 国籍・地域
    country: str  # for 前住所 of people who came from abroad
    weight: float
    statuses: tuple[tuple[str, float], ...]
    families: tuple[tuple[str, str, str], ...]  # (alphabet, kanji or "", katakana)
    given: tuple[tuple[str, str, str, str], ...]  # (alphabet, kanji or "", katakana, "M"/"F")
    kanji_share: float = 0.0  # share registered with their kanji name


def _names(block: str) -> tuple[tuple[str, str, str], ...]:
    out = []
    for alpha, rest in parse(block):
        kanji, _, kana = rest.partition("/") if "/" in rest else ("", "", rest)
        out.append((alpha.replace("_", " "), kanji, kana.replace("_", " ")))
    return tuple(out)


def _given(block: str, sex: str) -> tuple[tuple[str, str, str, str], ...]:
    return tuple((a, k, r, sex) for a, k, r in _names(block))


WORK = "技術・人文知識・国際業務"
_CN_FAMILY = _names("""WANG:王/ワン LI:李/リ ZHANG:張/チャン LIU:劉/リュウ CHEN:陳/チェン YANG:楊/ヤン
HUANG:黄/ファン ZHAO:趙/チャオ WU:呉/ウー ZHOU:周/チョウ XU:徐/シュー SUN:孫/スン MA:馬/マー ZHU:朱/チュー
HU:胡/フー GUO:郭/グオ HE:何/ホー LIN:林/リン GAO:高/ガオ LUO:羅/ルオ ZHENG:鄭/ジェン LIANG:梁/リャン""")
_CN_GIVEN = _given("""WEI:偉/ウェイ QIANG:強/チャン LEI:磊/レイ JUN:軍/ジュン YONG:勇/ヨン JIE:傑/ジエ TAO:涛/タオ
MING:明/ミン CHAO:超/チャオ GANG:剛/ガン HAORAN:浩然/ハオラン YUXUAN:宇軒/ユーシュエン JUNJIE:俊傑/ジュンジエ
ZIHAO:子豪/ズーハオ HAOYU:浩宇/ハオユー""", "M") + _given("""FANG:芳/ファン NA:娜/ナー MIN:敏/ミン JING:静/ジン
LI:麗/リー YAN:艶/イエン JUAN:娟/ジュエン XIA:霞/シア XIUYING:秀英/シウイン GUIYING:桂英/グイイン
XINYI:欣怡/シンイー YUTONG:雨桐/ユートン ZIHAN:子涵/ズーハン JIAYI:佳怡/ジアイー""", "F")
_TW_FAMILY = _names("""CHEN:陳/チェン LIN:林/リン HUANG:黄/ホアン CHANG:張/チャン LEE:李/リー WANG:王/ワン
WU:呉/ウー LIU:劉/リウ TSAI:蔡/ツァイ YANG:楊/ヤン""")
_TW_GIVEN = _given("""CHIH-MING:志明/チーミン CHIA-HAO:家豪/チアハオ KUAN-YU:冠宇/グアンユー CHIH-HAO:志豪/チーハオ
CHUN-HUNG:俊宏/チュンホン""", "M") + _given("""YI-CHUN:怡君/イーチュン YA-TING:雅婷/ヤーティン SHU-FEN:淑芬/シューフェン
HSIN-YI:欣怡/シンイー MEI-LING:美玲/メイリン""", "F")
_KR_FAMILY = _names("""KIM:金/キム LEE:李/イ PARK:朴/パク CHOI:崔/チェ JUNG:鄭/チョン KANG:姜/カン CHO:趙/チョ
YOON:尹/ユン JANG:張/チャン LIM:林/イム HAN:韓/ハン OH:呉/オ SEO:徐/ソ SHIN:申/シン KWON:権/クォン
HWANG:黄/ファン""")
_KR_GIVEN = _given("""MINJUN:珉俊/ミンジュン SEOJUN:瑞俊/ソジュン JIHOON:智勳/ジフン SUNGHO:成浩/ソンホ
JUNGHO:正浩/ジョンホ YOUNGSU:英洙/ヨンス SANGHO:相浩/サンホ CHULSU:哲洙/チョルス YOUNGSIK:永植/ヨンシク
DONGSIK:東植/ドンシク""", "M") + _given("""SEOYEON:瑞妍/ソヨン JIWOO:智雨/ジウ MISOOK:美淑/ミスク
YOUNGHEE:英姫/ヨンヒ SOONJA:順子/スンジャ JUNGSOOK:貞淑/ジョンスク MYUNGSOOK:明淑/ミョンスク
EUNJI:恩智/ウンジ""", "F")
_VN_FAMILY = _names("""NGUYEN:グエン TRAN:チャン LE:レ PHAM:ファム HOANG:ホアン HUYNH:フイン VU:ヴー VO:ヴォー
DANG:ダン BUI:ブイ DO:ドー NGO:ゴー DUONG:ズオン""")
_VN_GIVEN = _given("""VAN_NAM:ヴァン_ナム VAN_HUNG:ヴァン_フン DUC_ANH:ドゥック_アイン MINH_TUAN:ミン_トゥアン
VAN_LONG:ヴァン_ロン QUANG_HAI:クアン_ハイ""", "M") + _given("""THI_LINH:ティ_リン THI_HUONG:ティ_フオン
THI_TRANG:ティ_チャン THI_LAN:ティ_ラン THI_HOA:ティ_ホア THI_THAO:ティ_タオ""", "F")
_PH_FAMILY = _names("""SANTOS:サントス REYES:レイエス CRUZ:クルス BAUTISTA:バウティスタ GARCIA:ガルシア
MENDOZA:メンドーサ DELA_CRUZ:デラ_クルス RAMOS:ラモス VILLANUEVA:ビリャヌエバ""")
_PH_GIVEN = _given("JOSE:ホセ MARK:マーク JOHN:ジョン MICHAEL:マイケル RICARDO:リカルド", "M") + _given(
    "MARIA:マリア ANGELICA:アンジェリカ MARICEL:マリセル ROSALIE:ロザリー JENNIFER:ジェニファー", "F")
_NP_FAMILY = _names("""SHRESTHA:シュレスタ GURUNG:グルン TAMANG:タマン RAI:ライ MAGAR:マガル THAPA:タパ
ADHIKARI:アディカリ SHARMA:シャルマ POUDEL:パウデル""")
_NP_GIVEN = _given("RAM:ラム BIKASH:ビカス SANTOSH:サントス PRAKASH:プラカシュ SURESH:スレシュ KIRAN:キラン",
                   "M") + _given(
    "SUNITA:スニタ ANITA:アニタ SABINA:サビナ ASMITA:アスミタ", "F")
_EN_FAMILY = _names("""SMITH:スミス JOHNSON:ジョンソン WILLIAMS:ウィリアムズ BROWN:ブラウン JONES:ジョーンズ
MILLER:ミラー DAVIS:デイビス WILSON:ウィルソン TAYLOR:テイラー ANDERSON:アンダーソン""")
_EN_GIVEN = _given("JAMES:ジェームズ DAVID:デイビッド MICHAEL:マイケル ROBERT:ロバート THOMAS:トーマス", "M") + _given(
    "EMILY:エミリー SARAH:サラ JESSICA:ジェシカ ELIZABETH:エリザベス OLIVIA:オリビア", "F")
_FR_FAMILY = _names("MARTIN:マルタン BERNARD:ベルナール DUBOIS:デュボワ MOREAU:モロー LAURENT:ローラン")
_FR_GIVEN = _given("PIERRE:ピエール NICOLAS:ニコラ LUC:リュック", "M") + _given(
    "MARIE:マリー SOPHIE:ソフィー CAMILLE:カミーユ CHLOE:クロエ", "F")
_MM_FAMILY = _names("AUNG:アウン KYAW:チョー THANT:タン HTET:テッ")
_MM_GIVEN = _given("MYINT_OO:ミン_ウー ZAW_MIN:ゾー_ミン", "M") + _given("THIDA:ティダ SU_SU:スー_スー", "F")
_LK_FAMILY = _names("PERERA:ペレラ FERNANDO:フェルナンド SILVA:シルバ")
_LK_GIVEN = _given("NIMAL:ニマル KASUN:カスン", "M") + _given("DILINI:ディリニ NADEESHA:ナディーシャ", "F")
_IN_FAMILY = _names("SHARMA:シャルマ SINGH:シン KUMAR:クマール PATEL:パテル")
_IN_GIVEN = _given("RAHUL:ラフル AMIT:アミット VIKRAM:ヴィクラム", "M") + _given("PRIYA:プリヤ ANJALI:アンジャリ", "F")

_SETTLED = (("永住者", 0.35), (WORK, 0.22), ("留学", 0.15), ("家族滞在", 0.12), ("日本人の配偶者等", 0.05),
            ("定住者", 0.04), ("経営・管理", 0.04), ("高度専門職", 0.02), ("特定技能", 0.01))
_WESTERN = ((WORK, 0.35), ("永住者", 0.25), ("日本人の配偶者等", 0.2), ("教育", 0.1), ("家族滞在", 0.1))
_SOUTH_ASIA = (("留学", 0.35), ("技能", 0.2), ("家族滞在", 0.25), (WORK, 0.15), ("永住者", 0.05))

NATIONALITIES: tuple[Nationality, ...] = (
    Nationality("CN", "中国", "中華人民共和国", 42, _SETTLED, _CN_FAMILY, _CN_GIVEN, kanji_share=0.6),
    Nationality("KR", "韓国", "大韓民国", 12, (("特別永住者", 0.35), ("永住者", 0.25), (WORK, 0.15), ("留学", 0.1),
                                          ("日本人の配偶者等", 0.08), ("家族滞在", 0.07)),
                _KR_FAMILY, _KR_GIVEN, kanji_share=0.4),
    Nationality("KP", "朝鮮", "朝鮮", 1.5, (("特別永住者", 0.95), ("永住者", 0.05)), _KR_FAMILY, _KR_GIVEN,
                kanji_share=0.9),
    Nationality("VN", "ベトナム", "ベトナム社会主義共和国", 11, ((WORK, 0.3), ("留学", 0.3),
                ("特定技能", 0.15), ("技能実習", 0.1), ("家族滞在", 0.1), ("永住者", 0.05)), _VN_FAMILY, _VN_GIVEN),
    Nationality("PH", "フィリピン", "フィリピン共和国", 7, (("永住者", 0.45), ("日本人の配偶者等", 0.2),
                ("定住者", 0.2), ("特定技能", 0.07), (WORK, 0.08)), _PH_FAMILY, _PH_GIVEN),
    Nationality("NP", "ネパール", "ネパール", 5, _SOUTH_ASIA, _NP_FAMILY, _NP_GIVEN),
    Nationality("TW", "台湾", "台湾", 3.5, (("永住者", 0.35), (WORK, 0.3), ("留学", 0.2), ("日本人の配偶者等", 0.15)),
                _TW_FAMILY, _TW_GIVEN, kanji_share=0.7),
    Nationality("US", "米国", "アメリカ合衆国", 2, _WESTERN, _EN_FAMILY, _EN_GIVEN),
    Nationality("GB", "英国", "英国", 0.8, _WESTERN, _EN_FAMILY, _EN_GIVEN),
    Nationality("FR", "フランス", "フランス共和国", 0.6, _WESTERN, _FR_FAMILY, _FR_GIVEN),
    Nationality("MM", "ミャンマー", "ミャンマー連邦共和国", 2, (("特定技能", 0.3), ("留学", 0.3), (WORK, 0.3),
                ("家族滞在", 0.1)), _MM_FAMILY, _MM_GIVEN),
    Nationality("LK", "スリランカ", "スリランカ民主社会主義共和国", 1.5, _SOUTH_ASIA, _LK_FAMILY, _LK_GIVEN),
    Nationality("IN", "インド", "インド", 1.5, ((WORK, 0.5), ("家族滞在", 0.3), ("永住者", 0.1), ("技能", 0.1)),
                _IN_FAMILY, _IN_GIVEN),
)
_NAT_CUM = tuple(accumulate(n.weight for n in NATIONALITIES))

# 在留期間 a status is granted for (months), with weights.
PERIODS: dict[str, tuple[tuple[int, float], ...]] = {
    "留学": ((12, 0.3), (27, 0.3), (51, 0.4)),
    "特定技能": ((12, 0.6), (6, 0.4)),
    "技能実習": ((12, 1.0),),
    "家族滞在": ((12, 0.4), (36, 0.4), (60, 0.2)),
    "高度専門職": ((60, 1.0),),
}
DEFAULT_PERIODS = ((12, 0.3), (36, 0.4), (60, 0.3))


_COUNTRY = {n.name: n.country for n in NATIONALITIES}


def country_of(nationality_name: str) -> str:
    """The country someone of this nationality came from or went to (前住所 / 転出先 abroad)."""
    return _COUNTRY.get(nationality_name, nationality_name)


def nationality(rng: random.Random) -> Nationality:
    return rng.choices(NATIONALITIES, cum_weights=_NAT_CUM)[0]


def status(rng: random.Random, nat: Nationality, age: int) -> str:
    statuses, weights = zip(*nat.statuses, strict=True)
    chosen = rng.choices(statuses, weights=weights)[0]
    if chosen == "特別永住者" and age < 20:
        return "特別永住者"  # the children of special permanent residents are too
    if chosen == "留学" and age > 35:
        return WORK
    return chosen


def period_months(rng: random.Random, status_name: str) -> int:
    months, weights = zip(*PERIODS.get(status_name, DEFAULT_PERIODS), strict=True)
    return rng.choices(months, weights=weights)[0]


def period_label(months: int) -> str:
    """在留期間 as written on a residence card: ``5年``, ``1年3月``, ``6月``."""
    years, rest = divmod(months, 12)
    return (f"{years}年" if years else "") + (f"{rest}月" if rest else "")


def name(rng: random.Random, nat: Nationality, sex: str, family: tuple[str, str, str] | None = None,
         kanji: bool | None = None) -> tuple[str, str, tuple[str, str, str], bool]:
    """``(name as registered, katakana reading, family, in_kanji)``; pass ``family`` for relatives."""
    family = family or rng.choice(nat.families)
    choices = [g for g in nat.given if g[3] == sex]
    alpha, given_kanji, given_kana, _ = rng.choice(choices)
    if kanji is None:
        kanji = bool(family[1] and given_kanji) and rng.random() < nat.kanji_share
    if kanji:
        return f"{family[1]}\u3000{given_kanji}", f"{family[2]}\u3000{given_kana}", family, True
    return f"{family[0]} {alpha}", f"{family[2]} {given_kana}", family, False
