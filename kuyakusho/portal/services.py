"""The ward's services as listed on the resident site's home page.

An entry is a card linking to its page once the area that serves it is installed (its URL name resolves);
until then it is only named, in one line, as in preparation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class WardService:
    url_name: str
    title: StrOrPromise
    text: StrOrPromise


SERVICES: list[WardService] = [
    WardService("portal:mypage", _("マイページ"),
                _("マイナンバーカードでログインして、住民票の記載事項と、区役所で誰がいつ何のために記録を見たかを確認。")),
    WardService("queues:congestion", _("窓口の混雑状況"),
                _("区民事務所の待ち人数と待ち時間の目安をリアルタイムでお知らせします。")),
    WardService("guide:procedures", _("手続き案内"),
                _("引っ越し・出生・死亡・結婚・印鑑登録：届け出る人、期限、持ち物、受付場所と時間。")),
    WardService("guide:certificates", _("住民票・証明書の取り方"),
                _("住民票の写し・印鑑登録証明書・税証明書を窓口、自動交付機、コンビニ、郵送で。")),
    WardService("facilities:index", _("施設案内・予約"), _("地区区民館などの施設の空き状況と予約・抽選。")),
    WardService("reports:index", _("ねりまちレポーター"), _("道路や公園の不具合を写真と場所で知らせる。")),
    WardService("opendata:index", _("オープンデータ"), _("区のデータセットを検索・ダウンロード。")),
    WardService("offices:index", _("区民事務所の案内"), _("所在地・開庁時間・取り扱う手続き。")),
]


def home_services() -> tuple[list[dict[str, object]], list[str]]:
    """(the services that work, as cards with their link; the titles of those in preparation)."""
    ready: list[dict[str, object]] = []
    preparing: list[str] = []
    for s in SERVICES:
        try:
            ready.append({"title": s.title, "text": s.text, "url": reverse(s.url_name)})
        except NoReverseMatch:
            preparing.append(str(s.title))
    return ready, preparing
