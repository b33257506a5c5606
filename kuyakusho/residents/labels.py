"""Display labels for register values stored in Japanese (続柄).

The register keeps 続柄 as written on a 住民票 (世帯主, 妻, 子 …); pages in another language show them through
``relationship_label``. A value without a label (older or unusual register data) is shown as registered.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .records import HEAD_RELATIONSHIP

RELATIONSHIP_LABELS = {
    HEAD_RELATIONSHIP: _("世帯主"), "妻": _("妻"), "夫": _("夫"), "妻（未届）": _("妻（未届）"),
    "夫（未届）": _("夫（未届）"), "子": _("子"), "子の妻": _("子の妻"), "子の夫": _("子の夫"), "孫": _("孫"),
    "父": _("父"), "母": _("母"), "妻の父": _("妻の父"), "妻の母": _("妻の母"), "夫の父": _("夫の父"),
    "夫の母": _("夫の母"), "祖父": _("祖父"), "祖母": _("祖母"), "兄": _("兄"), "姉": _("姉"), "弟": _("弟"),
    "妹": _("妹"), "兄弟姉妹": _("兄弟姉妹"), "おじ": _("おじ"), "おば": _("おば"), "甥": _("甥"), "姪": _("姪"),
    "縁故者": _("縁故者"), "同居人": _("同居人"),
}


def relationship_label(value: str) -> str:
    """The 続柄 in the page's language (as registered when there is no label for it)."""
    label = RELATIONSHIP_LABELS.get(value)
    return str(label) if label is not None else value
