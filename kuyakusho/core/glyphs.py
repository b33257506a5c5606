"""What the certificate font can print: its characters and its variation sequences.

Certificates print with one font, ``settings.CERTIFICATE_FONT`` (IPAmj明朝-derived, the 行政事務標準文字 font).
The register accepts only what that font can print (:mod:`kuyakusho.core.text`), and an issuance refuses a
document with a character the font lacks before it takes a number (``certificates.services.issuance``).

The coverage is read by HarfBuzz (``uharfbuzz``): the code points of the font's cmap and, for each variation
selector of its format 14 subtable, the base characters it has a glyph for (Ideographic Variation Sequences such
as 葛 U+845B U+E0102). It is read once per process and font path.

    coverage().missing("葛\U000e0102飾区")   # [] — the MJ variant is in the font
    coverage().missing("山田😀")             # ["😀"]
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import uharfbuzz as hb
from django.conf import settings

#: Line breaks are layout, not glyphs (multi-line items such as a history are split on them).
NOT_DRAWN = frozenset("\n")


def is_variation_selector(ch: str) -> bool:
    """VS1–VS16 (U+FE00–FE0F) or VS17–VS256 (U+E0100–E01EF, used by Ideographic Variation Sequences)."""
    if len(ch) != 1:
        return False
    cp = ord(ch)
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


@dataclass(frozen=True, eq=False)
class Coverage:
    """The code points a font maps to glyphs, and its (base, selector) variation sequences."""

    path: Path
    codepoints: frozenset[int]
    sequences: frozenset[tuple[int, int]]

    def has_char(self, ch: str) -> bool:
        return ord(ch) in self.codepoints

    def has_sequence(self, base: str, selector: str) -> bool:
        return (ord(base), ord(selector)) in self.sequences

    def missing(self, text: str) -> list[str]:
        """The characters (or base + selector sequences) of ``text`` that the font cannot print, in order.

        Looked up as the certificate renderer does: a character followed by a variation selector is printed as
        that sequence (so the sequence must be in the font), a selector with no character before it has nothing
        to print and is reported alone.
        """
        out: list[str] = []
        i, n = 0, len(text)
        while i < n:
            ch = text[i]
            nxt = text[i + 1] if i + 1 < n else ""
            if ch in NOT_DRAWN:
                i += 1
            elif is_variation_selector(ch):
                out.append(ch)
                i += 1
            elif nxt and is_variation_selector(nxt):
                if not self.has_sequence(ch, nxt):
                    out.append(ch + nxt)
                i += 2
            else:
                if not self.has_char(ch):
                    out.append(ch)
                i += 1
        return out


@cache
def _read(setting: str | Path) -> Coverage:
    path = Path(setting)
    face = hb.Face(hb.Blob.from_file_path(str(path)))
    codepoints = frozenset(face.unicodes)
    if not codepoints:
        raise ValueError(f"{path.name}: the certificate font maps no characters")
    sequences = frozenset((base, selector) for selector in face.variation_selectors
                          for base in face.variation_unicodes(selector))
    return Coverage(path=path, codepoints=codepoints, sequences=sequences)


def coverage() -> Coverage:
    """The coverage of ``settings.CERTIFICATE_FONT`` (read once per process and path)."""
    return _read(settings.CERTIFICATE_FONT)


def missing_glyphs(*texts: str) -> list[str]:
    """Every character or sequence of ``texts`` that the certificate font cannot print (no duplicates, in order)."""
    cov = coverage()
    seen: dict[str, None] = {}
    for text in texts:
        for item in cov.missing(text):
            seen.setdefault(item)
    return list(seen)


def code_points(chars: str) -> str:
    """``"U+845B U+E0100"``: how messages and logs name characters (never the characters themselves)."""
    return " ".join(f"U+{ord(c):04X}" for c in chars)
