"""The ward's services as listed on the resident site's home page.

An entry links to its page once the area that serves it is installed
(its URL name resolves); until then it is listed as in preparation.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class WardService:
    url_name: str
    title: str
    text: str


SERVICES: list[WardService] = [
    WardService("queues:congestion", _("窓口の混雑状況"),
                _("区民事務所の待ち人数と待ち時間の目安をリアルタイムでお知らせします。")),
    WardService("certificates:guide", _("住民票・証明書"),
                _("住民票の写し・印鑑登録証明書・税証明書を窓口、自動交付機、コンビニ、郵送で。")),
    WardService("facilities:index", _("施設案内・予約"), _("地区区民館などの施設の空き状況と予約・抽選。")),
    WardService("reports:index", _("ねりまちレポーター"), _("道路や公園の不具合を写真と場所で知らせる。")),
    WardService("opendata:index", _("オープンデータ"), _("区のデータセットを検索・ダウンロード。")),
    WardService("offices:index", _("区民事務所の案内"), _("所在地・開庁時間・取り扱う手続き。")),
]


def home_services() -> list[dict]:
    out = []
    for s in SERVICES:
        try:
            url = reverse(s.url_name)
        except NoReverseMatch:
            url = None
        out.append({"title": s.title, "text": s.text, "url": url})
    return out
