"""The console's menu: one entry per area, shown to staff holding its capability.

An app adds its console pages here; the dashboard and the navigation read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.capabilities import Capability


@dataclass(frozen=True)
class MenuItem:
    url_name: str
    label: str
    description: str
    capability: Capability


MENU: list[MenuItem] = [
    MenuItem("audit:search", _("監査記録"), _("閲覧・更新の記録を職員・対象者・操作・日付で検索"),
             Capability.VIEW_AUDIT),
]


def menu_for(user) -> list[dict]:
    items = []
    for item in MENU:
        if not user.has_capability(item.capability):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": item.label, "description": item.description})
    return items
