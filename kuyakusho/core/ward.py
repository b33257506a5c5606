"""The ward this installation serves, as data: ``ward()`` is the one way to ask for its name, code, mayor or seal.

The profile comes from ``settings.WARD`` (see ``config/settings.py``; every value can be set from the
environment). Nothing else in the tree writes a ward's name, prefecture, code or mayor as a literal: a second
ward is a second settings block, not a code change.

    from kuyakusho.core.ward import ward
    ward().full_name_ja          # 東京都練馬区
    ward().mayor_title_ja        # 東京都練馬区長
    ward().is_this_ward("東京都練馬区豊玉北六丁目")  # True
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation


def local_government_code_check_digit(code5: str) -> int:
    """The check digit of a 全国地方公共団体コード (JIS X 0401/0402): weights 6..2, 11 minus the remainder,
    its last digit kept (13120 → 2, so 練馬区 is 131202)."""
    total = sum(int(d) * w for d, w in zip(code5, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


@dataclass(frozen=True, slots=True)
class Ward:
    code: str  # 全国地方公共団体コード, six digits with the check digit (練馬区 131202)
    name_ja: str  # 練馬区
    name_en: str  # Nerima City
    prefecture_ja: str  # 東京都
    prefecture_en: str  # Tokyo
    mayor_title_ja: str  # the title printed before the mayor's name: 東京都練馬区長
    mayor_name: str  # as printed on certificates (練馬　太郎)
    office_name_ja: str  # 練馬区役所
    contact_ja: str  # where residents ask about certificates (練馬区役所 戸籍住民課)
    seal_text: str  # the generated mayor's seal reads this (練馬区長之印), unless seal_image is set
    seal_image: str = ""  # a PNG of the real seal impression, used instead of the generated one
    towns_csv: str = ""  # the ward's 町丁目 (town, chome) list

    @property
    def full_name_ja(self) -> str:
        """東京都練馬区: as an issuer, and at the head of an address."""
        return f"{self.prefecture_ja}{self.name_ja}"

    def name(self, language: str | None = None) -> str:
        """The name in ``language`` (default: the active language), for messages."""
        return self.name_en if (language or translation.get_language() or "").startswith("en") else self.name_ja

    def seal_png(self) -> bytes | None:
        """The configured seal impression's bytes, or None when the seal is generated from ``seal_text``."""
        return Path(self.seal_image).read_bytes() if self.seal_image else None

    def is_this_ward(self, place: str) -> bool:
        """Whether a municipality or address names this ward (東京都練馬区…, 練馬区…), ignoring spaces and
        full-width forms; 千葉市中央区 is not 中央区."""
        text = "".join(unicodedata.normalize("NFKC", place or "").split())
        return text.startswith(self.full_name_ja) or text.startswith(self.name_ja)

    def without_ward(self, address: str) -> str:
        """``address`` with a leading 東京都練馬区 or 練馬区 removed."""
        return address.removeprefix(self.full_name_ja).removeprefix(self.name_ja)


_REQUIRED = ("code", "name_ja", "name_en", "prefecture_ja", "mayor_name")


@lru_cache(maxsize=8)
def _build(items: tuple[tuple[str, str], ...]) -> Ward:
    values = dict(items)
    missing = [k for k in _REQUIRED if not values.get(k)]
    if missing:
        raise ImproperlyConfigured(f"settings.WARD lacks {', '.join(missing)}")
    code = values["code"]
    if not (len(code) == 6 and code.isascii() and code.isdigit()
            and local_government_code_check_digit(code[:5]) == int(code[5])):
        raise ImproperlyConfigured(f"settings.WARD['code'] is not a local government code: {code!r}")
    name = values["name_ja"]
    title = values.get("mayor_title_ja") or f"{values['prefecture_ja']}{name}長"  # 東京都練馬区長
    office = values.get("office_name_ja") or f"{name}役所"
    return Ward(
        code=code, name_ja=name, name_en=values["name_en"], prefecture_ja=values["prefecture_ja"],
        prefecture_en=values.get("prefecture_en", ""), mayor_title_ja=title, mayor_name=values["mayor_name"],
        office_name_ja=office, contact_ja=values.get("contact_ja") or f"{office} 戸籍住民課",
        seal_text=values.get("seal_text") or f"{name}長之印",  # 練馬区長之印
        seal_image=values.get("seal_image", ""), towns_csv=values.get("towns_csv", ""),
    )


def ward() -> Ward:
    """The ward's profile from ``settings.WARD`` (built once per distinct setting)."""
    return _build(tuple(sorted((k, str(v)) for k, v in settings.WARD.items())))
