"""The certificate font through HarfBuzz (``uharfbuzz``): shaping and subsetting.

Shaping maps characters to glyphs through the font's character maps, including the variation sequences of
cmap format 14 (an Ideographic Variation Sequence such as 葛 U+845B U+E0102 prints the MJ glyph it names), and
gives each glyph its advance and the characters it shows. HarfBuzz quietly falls back to the base character
when a font lacks a variation sequence, and to .notdef when it lacks a character; a certificate must print a
name exactly as registered or not at all, so both are checked first and refused with
:class:`MissingGlyphError`.

Subsetting is HarfBuzz's subsetter (about 1 ms for a certificate's few hundred glyphs): the glyphs a document
uses, their composite components, and the tables a PDF viewer needs for an embedded CIDFontType2. Documents
address glyphs by their id in the full font (CID = glyph id); :meth:`CertificateFont.subset` also returns where
each one went in the subset, which the PDF records as its CIDToGIDMap.
"""

from __future__ import annotations

import struct
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import uharfbuzz as hb

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
DEFAULT_FONT = FONT_DIR / "KuyakushoMincho.ttf"

# Tables an embedded CIDFontType2 does not use (the PDF maps codes to glyphs and carries the widths).
_DROP_TABLES = ("cmap", "name", "OS/2", "GSUB", "GPOS", "GDEF", "BASE", "vhea", "vmtx", "VORG", "DSIG", "gasp",
                "kern", "hdmx", "LTSH", "VDMX", "PCLT")


class MissingGlyphError(ValueError):
    """The font has no glyph for these characters (or variation sequences)."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        shown = ", ".join(" ".join(f"U+{ord(c):04X}" for c in seq) for seq in missing)
        super().__init__(f"no glyph for {shown}")


def is_variation_selector(cp: int) -> bool:
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


@dataclass(frozen=True, slots=True)
class Glyph:
    gid: int  # glyph id in the full font (the CID in the PDF)
    chars: str  # the characters it shows: one character, or a base character with its variation selector
    advance: float  # in 1/1000 em


class CertificateFont:
    """One font file, shaped and subset through HarfBuzz. Immutable after construction; safe across threads."""

    def __init__(self, path: Path):
        self.path = path
        self._face = hb.Face(hb.Blob.from_file_path(str(path)))
        self._font = hb.Font(self._face)
        self.units_per_em = self._face.upem
        extents = self._font.get_font_extents("ltr")
        self.ascent, self.descent = extents.ascender, extents.descender
        cap = self._font.get_metric_position(hb.OTMetricsTag.CAP_HEIGHT)
        self.cap_height = cap or self.ascent
        head = self._face.reference_table("head").data
        self.bbox: tuple[int, int, int, int] = struct.unpack_from(">hhhh", head, 36)
        self.postscript_name = self._face.get_name(hb.OTNameIdPredefined.POSTSCRIPT_NAME) or path.stem
        self._scale = 1000 / self.units_per_em
        self._cache: dict[str, tuple[Glyph, ...]] = {}
        self._lock = threading.Lock()

    # -- shaping --------------------------------------------------------------------------------------------

    def glyphs(self, text: str) -> tuple[Glyph, ...]:
        """The glyphs of ``text`` in order; raises :class:`MissingGlyphError` for anything the font lacks."""
        cached = self._cache.get(text)
        if cached is None:
            cached = self._shape(text)
            with self._lock:
                if len(self._cache) > 50_000:
                    self._cache.clear()
                self._cache[text] = cached
        return cached

    def _missing(self, cps: list[int]) -> list[str]:
        missing: list[str] = []
        i, n = 0, len(cps)
        while i < n:
            cp = cps[i]
            if is_variation_selector(cp):  # a selector with nothing before it to select
                missing.append(chr(cp))
                i += 1
                continue
            if i + 1 < n and is_variation_selector(cps[i + 1]):
                if self._font.get_variation_glyph(cp, cps[i + 1]) is None:
                    missing.append(chr(cp) + chr(cps[i + 1]))
                i += 2
                continue
            if cp < 0x20 or self._font.get_nominal_glyph(cp) is None:
                missing.append(chr(cp))
            i += 1
        return missing

    def _shape(self, text: str) -> tuple[Glyph, ...]:
        cps = [ord(c) for c in text]
        missing = self._missing(cps)
        if missing:
            raise MissingGlyphError(missing)
        if not cps:
            return ()
        buf = hb.Buffer()
        buf.add_codepoints(cps)
        buf.direction = "ltr"
        buf.script = "Hani"
        buf.language = "ja"
        buf.flags = hb.BufferFlags.REMOVE_DEFAULT_IGNORABLES  # a selector leaves no glyph of its own
        hb.shape(self._font, buf, {})
        infos, positions = buf.glyph_infos, buf.glyph_positions
        clusters = [info.cluster for info in infos]
        out = []
        for k, (info, pos) in enumerate(zip(infos, positions, strict=True)):
            if info.codepoint == 0:
                raise MissingGlyphError([text[info.cluster]])
            end = clusters[k + 1] if k + 1 < len(clusters) else len(text)
            out.append(Glyph(info.codepoint, text[info.cluster : end], pos.x_advance * self._scale))
        return tuple(out)

    def advance(self, gid: int) -> float:
        """The advance of a glyph in 1/1000 em."""
        return self._font.get_glyph_h_advance(gid) * self._scale

    # -- subsetting -----------------------------------------------------------------------------------------

    def subset(self, gids: list[int] | set[int]) -> tuple[bytes, dict[int, int]]:
        """A TrueType font holding ``gids`` (and .notdef), and where each glyph id of the full font went."""
        inp = hb.SubsetInput()
        inp.sets(hb.SubsetInputSets.GLYPH_INDEX).update(set(gids) | {0})
        inp.sets(hb.SubsetInputSets.UNICODE).clear()
        drop = inp.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
        for tag in _DROP_TABLES:
            drop.add(int.from_bytes(tag.encode("ascii"), "big"))
        inp.flags = hb.SubsetFlags.NO_HINTING
        plan = hb.SubsetPlan(self._face, inp)
        face = plan.execute()
        return bytes(face.blob.data), dict(plan.old_to_new_glyph_mapping)


@cache
def load_font(path: Path = DEFAULT_FONT) -> CertificateFont:
    """The font, loaded once per process (HarfBuzz maps the file; nothing is parsed up front)."""
    return CertificateFont(path)
