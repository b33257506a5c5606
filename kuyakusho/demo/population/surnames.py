"""Japanese surnames with their readings, most common first, and the variant forms people register.

The order follows the national surname rankings (佐藤, 鈴木, 高橋 …) with a few old families of
Nerima (本橋, 小美濃, 浅見, 井口 …) moved up, as they are more common here than nationally.
Weights fall with the rank (``1 / rank ** 0.6``): the first surname is about 15 times as frequent
as the hundredth, as in the rankings.

``VARIANTS`` gives the share of bearers of a surname who write it with a variant character
(異体字, kept exactly as written) — 髙橋, 山﨑, 𠮷田, 渡邊, 齋藤 — and a few written with an
ideographic variation sequence (a base kanji followed by a variation selector, U+E0100…), as the
register keeps them.  Search folds all of them to the common form (``core.text.fold_name_for_search``).
"""

from __future__ import annotations

from functools import cache
from itertools import accumulate


def parse(block: str) -> list[tuple[str, str]]:
    """``"佐藤:サトウ 鈴木:スズキ"`` → ``[("佐藤", "サトウ"), ("鈴木", "スズキ")]``."""
    return [tuple(item.split(":")) for item in block.split()]  # type: ignore[misc]


SURNAMES = parse("""
佐藤:サトウ 鈴木:スズキ 高橋:タカハシ 田中:タナカ 伊藤:イトウ 渡辺:ワタナベ 山本:ヤマモト 中村:ナカムラ
小林:コバヤシ 加藤:カトウ 吉田:ヨシダ 山田:ヤマダ 佐々木:ササキ 山口:ヤマグチ 松本:マツモト 井上:イノウエ
木村:キムラ 林:ハヤシ 斎藤:サイトウ 清水:シミズ 山崎:ヤマザキ 森:モリ 池田:イケダ 橋本:ハシモト
阿部:アベ 石川:イシカワ 山下:ヤマシタ 中島:ナカジマ 石井:イシイ 小川:オガワ 前田:マエダ 岡田:オカダ
長谷川:ハセガワ 藤田:フジタ 後藤:ゴトウ 近藤:コンドウ 村上:ムラカミ 遠藤:エンドウ 青木:アオキ 坂本:サカモト
斉藤:サイトウ 福田:フクダ 太田:オオタ 西村:ニシムラ 藤井:フジイ 金子:カネコ 岡本:オカモト 藤原:フジワラ
中野:ナカノ 三浦:ミウラ 原田:ハラダ 中川:ナカガワ 松田:マツダ 竹内:タケウチ 小野:オノ 田村:タムラ
中山:ナカヤマ 和田:ワダ 石田:イシダ 森田:モリタ 上田:ウエダ 原:ハラ 内田:ウチダ 柴田:シバタ
酒井:サカイ 宮崎:ミヤザキ 横山:ヨコヤマ 高木:タカギ 安藤:アンドウ 宮本:ミヤモト 大野:オオノ 小島:コジマ
谷口:タニグチ 今井:イマイ 工藤:クドウ 高田:タカダ 増田:マスダ 丸山:マルヤマ 杉山:スギヤマ 村田:ムラタ
大塚:オオツカ 小山:コヤマ 平野:ヒラノ 藤本:フジモト 河野:コウノ 上野:ウエノ 野口:ノグチ 武田:タケダ
松井:マツイ 千葉:チバ 岩崎:イワサキ 菅原:スガワラ 木下:キノシタ 久保:クボ 佐野:サノ 野村:ノムラ
松尾:マツオ 市川:イチカワ 菊地:キクチ 杉本:スギモト 古川:フルカワ 大西:オオニシ 島田:シマダ 水野:ミズノ
桜井:サクライ 高野:タカノ 渡部:ワタナベ 吉川:ヨシカワ 山内:ヤマウチ 西田:ニシダ 飯田:イイダ 菊池:キクチ
西川:ニシカワ 小松:コマツ 北村:キタムラ 安田:ヤスダ 五十嵐:イガラシ 川口:カワグチ 平田:ヒラタ 関:セキ
中田:ナカタ 久保田:クボタ 服部:ハットリ 東:ヒガシ 岩田:イワタ 土屋:ツチヤ 川崎:カワサキ 福島:フクシマ
本田:ホンダ 辻:ツジ 樋口:ヒグチ 秋山:アキヤマ 田口:タグチ 永井:ナガイ 山中:ヤマナカ 中西:ナカニシ
吉村:ヨシムラ 川上:カワカミ 石原:イシハラ 大橋:オオハシ 松岡:マツオカ 馬場:ババ 浅野:アサノ 荒木:アラキ
大久保:オオクボ 野田:ノダ 小沢:オザワ 田辺:タナベ 川村:カワムラ 星野:ホシノ 黒田:クロダ 堀:ホリ
尾崎:オザキ 望月:モチヅキ 永田:ナガタ 熊谷:クマガイ 内藤:ナイトウ 松浦:マツウラ 大川:オオカワ 平井:ヒライ
早川:ハヤカワ 岡崎:オカザキ 松下:マツシタ 村井:ムライ 須藤:スドウ 大島:オオシマ 片山:カタヤマ 小池:コイケ
新井:アライ 矢野:ヤノ 宮田:ミヤタ 桑原:クワバラ 岩本:イワモト 広瀬:ヒロセ 荒井:アライ 榎本:エノモト
小西:コニシ 栗原:クリハラ 横田:ヨコタ 西山:ニシヤマ 大竹:オオタケ 細川:ホソカワ 三宅:ミヤケ 小田:オダ
松村:マツムラ 竹田:タケダ 福井:フクイ 吉岡:ヨシオカ 関口:セキグチ 本橋:モトハシ 小美濃:コミノ 浅見:アサミ
井口:イグチ 相原:アイハラ 篠原:シノハラ 浜田:ハマダ 沢田:サワダ 菅野:カンノ 滝本:タキモト 宮下:ミヤシタ
高山:タカヤマ 大森:オオモリ 田島:タジマ 小倉:オグラ 西尾:ニシオ 吉野:ヨシノ 森本:モリモト 山根:ヤマネ
青山:アオヤマ 杉浦:スギウラ 荻野:オギノ 南:ミナミ 千田:チダ 宇野:ウノ 川田:カワダ 松永:マツナガ
古田:フルタ 坂口:サカグチ 土井:ドイ 岡:オカ 奥村:オクムラ 稲垣:イナガキ 長尾:ナガオ 岸:キシ
飯島:イイジマ 石橋:イシバシ 白石:シライシ 堀内:ホリウチ 鎌田:カマタ 植田:ウエダ 大石:オオイシ 根本:ネモト
中井:ナカイ 松山:マツヤマ 石塚:イシツカ 北川:キタガワ 今村:イマムラ 高井:タカイ 吉井:ヨシイ 村山:ムラヤマ
葛西:カサイ 宮内:ミヤウチ 金井:カナイ 小泉:コイズミ 野崎:ノザキ 深沢:フカサワ 冨田:トミタ 富田:トミタ
""")

# surname as commonly written → [(variant as registered, share of the surname's bearers)]
VARIANTS: dict[str, list[tuple[str, float]]] = {
    "高橋": [("髙橋", 0.10)],
    "山崎": [("山﨑", 0.12), ("山嵜", 0.01)],
    "吉田": [("𠮷田", 0.04)],
    "渡辺": [("渡邊", 0.06), ("渡邉", 0.08)],
    "斎藤": [("齋藤", 0.10)],
    "斉藤": [("齊藤", 0.08)],
    "高田": [("髙田", 0.05)],
    "宮崎": [("宮﨑", 0.08)],
    "岩崎": [("岩﨑", 0.06)],
    "川崎": [("川﨑", 0.05)],
    "浜田": [("濱田", 0.15)],
    "沢田": [("澤田", 0.15)],
    "広瀬": [("廣瀬", 0.10)],
    "桜井": [("櫻井", 0.08)],
    "島田": [("嶋田", 0.10)],
    "小島": [("小嶋", 0.08)],
    "中島": [("中嶋", 0.08)],
    "滝本": [("瀧本", 0.15)],
    "小沢": [("小澤", 0.20)],
    "深沢": [("深澤", 0.15)],
    "辻": [("辻\U000e0102", 0.30)],  # the two-dot しんにょう, an ideographic variation sequence
    "葛西": [("葛\U000e0102西", 0.25)],  # 葛 with 匂 inside: a variation sequence
}


@cache
def weighted() -> tuple[tuple[tuple[str, str], ...], tuple[float, ...]]:
    """(surname as registered, reading) pairs with their cumulative weights; variants included."""
    entries: list[tuple[str, str]] = []
    weights: list[float] = []
    for rank, (kanji, kana) in enumerate(SURNAMES, start=1):
        weight = 1 / rank**0.6
        rest = 1.0
        for variant, share in VARIANTS.get(kanji, []):
            entries.append((variant, kana))
            weights.append(weight * share)
            rest -= share
        entries.append((kanji, kana))
        weights.append(weight * rest)
    return tuple(entries), tuple(accumulate(weights))
