"""A small TrueType reader and subsetter, fast enough to subset a font for every certificate.

Parsing happens once per process (:func:`load_font` is cached); subsetting a document's few hundred glyphs is
byte slicing: the glyphs a document uses are renumbered 1..n in the order of first use (0 is .notdef), composite
glyphs pull in their components, and the result carries only the tables a PDF viewer needs for an embedded
CIDFontType2 (head, hhea, maxp, hmtx, loca, glyf, post).

Characters are looked up in the cmap (format 12, else 4); a character followed by a variation selector
(U+FE00–FE0F, U+E0100–E01EF) is looked up in the format 14 subtable, so an Ideographic Variation Sequence
prints the glyph it names. A character or sequence the font lacks raises :class:`MissingGlyphError`: a
certificate must print a name exactly as registered or not at all.
"""

from __future__ import annotations

import struct
import sys
from array import array
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
DEFAULT_FONT = FONT_DIR / "KuyakushoMincho.ttf"


class MissingGlyphError(ValueError):
    """The font has no glyph for these characters (or variation sequences)."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        shown = ", ".join(" ".join(f"U+{ord(c):04X}" for c in seq) for seq in missing)
        super().__init__(f"no glyph for {shown}")


def is_variation_selector(cp: int) -> bool:
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


def _checksum(data: bytes) -> int:
    if len(data) % 4:
        data = data + b"\0" * (4 - len(data) % 4)
    words = array("I", data)
    if sys.byteorder == "little":
        words.byteswap()
    return sum(words) & 0xFFFFFFFF


@dataclass
class TrueTypeFont:
    path: Path
    data: bytes
    tables: dict[str, tuple[int, int]]
    units_per_em: int
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int
    num_glyphs: int
    advances: array
    loca: array
    cmap: dict[int, int]
    variants: dict[tuple[int, int], int]
    postscript_name: str
    glyf_offset: int = 0
    _width_cache: dict[int, float] = field(default_factory=dict)
    _text_cache: dict[str, tuple[tuple[int, str], ...]] = field(default_factory=dict)

    # -- lookup ---------------------------------------------------------------------------------------------

    def glyphs_for(self, text: str) -> tuple[tuple[int, str], ...]:
        """(glyph id, the characters it shows) for each glyph of ``text``; raises :class:`MissingGlyphError`."""
        cached = self._text_cache.get(text)
        if cached is None:
            cached = self._glyphs_for(text)
            if len(self._text_cache) > 50_000:
                self._text_cache.clear()
            self._text_cache[text] = cached
        return cached

    def _glyphs_for(self, text: str) -> tuple[tuple[int, str], ...]:
        out: list[tuple[int, str]] = []
        missing: list[str] = []
        cps = [ord(c) for c in text]
        i, n = 0, len(cps)
        cmap, variants = self.cmap, self.variants
        while i < n:
            cp = cps[i]
            nxt = cps[i + 1] if i + 1 < n else 0
            if nxt and is_variation_selector(nxt):
                gid = variants.get((cp, nxt))
                if gid is None:
                    missing.append(text[i : i + 2])
                else:
                    out.append((gid, text[i : i + 2]))
                i += 2
                continue
            if is_variation_selector(cp):  # a stray selector (no base character): nothing to print
                i += 1
                continue
            gid = cmap.get(cp)
            if gid is None:
                missing.append(text[i])
            else:
                out.append((gid, text[i]))
            i += 1
        if missing:
            raise MissingGlyphError(missing)
        return tuple(out)

    def advance(self, gid: int) -> float:
        """Advance width in 1/1000 em (PDF text space units)."""
        w = self._width_cache.get(gid)
        if w is None:
            adv = self.advances
            w = (adv[gid] if gid < len(adv) else adv[-1]) * 1000 / self.units_per_em
            self._width_cache[gid] = w
        return w

    def glyph_data(self, gid: int) -> bytes:
        start, end = self.loca[gid], self.loca[gid + 1]
        return self.data[self.glyf_offset + start : self.glyf_offset + end]

    # -- subsetting -----------------------------------------------------------------------------------------

    def subset(self, gids: list[int]) -> bytes:
        """A TrueType font holding ``gids`` (glyph ``gids[k]`` becomes glyph ``k``; ``gids[0]`` must be 0)."""
        order = list(gids)
        index = {g: k for k, g in enumerate(order)}
        glyphs: list[bytes] = []
        k = 0
        while k < len(order):  # components found on the way are appended and handled in turn
            glyph = self.glyph_data(order[k])
            if len(glyph) >= 10 and struct.unpack_from(">h", glyph, 0)[0] < 0:
                glyph = self._remap_composite(glyph, index, order)
            glyphs.append(glyph)
            k += 1
        n = len(order)
        offsets = array("I", [0] * (n + 1))
        parts: list[bytes] = []
        pos = 0
        for k, glyph in enumerate(glyphs):
            pad = (-len(glyph)) % 4
            parts.append(glyph + b"\0" * pad if pad else glyph)
            pos += len(glyph) + pad
            offsets[k + 1] = pos
        glyf = b"".join(parts)
        if sys.byteorder == "little":
            offsets.byteswap()
        loca = offsets.tobytes()
        adv = self.advances
        hmtx = struct.pack(f">{2 * n}H", *[x for g in order for x in (adv[g] if g < len(adv) else adv[-1], 0)])
        head = bytearray(self._table("head"))
        struct.pack_into(">I", head, 8, 0)
        struct.pack_into(">h", head, 50, 1)
        hhea = bytearray(self._table("hhea"))
        struct.pack_into(">H", hhea, 34, n)
        maxp = bytearray(self._table("maxp"))
        struct.pack_into(">H", maxp, 4, n)
        post = struct.pack(">IIhhIIIII", 0x00030000, 0, -100, 50, 0, 0, 0, 0, 0)
        tables = {"glyf": glyf, "head": bytes(head), "hhea": bytes(hhea), "hmtx": hmtx, "loca": loca,
                  "maxp": bytes(maxp), "post": post}
        return _assemble(tables)

    def _remap_composite(self, glyph: bytes, index: dict[int, int], order: list[int]) -> bytes:
        out = bytearray(glyph)
        pos = 10
        while True:
            flags, component = struct.unpack_from(">HH", out, pos)
            new = index.get(component)
            if new is None:
                new = index[component] = len(order)
                order.append(component)
            struct.pack_into(">H", out, pos + 2, new)
            pos += 4 + (4 if flags & 0x0001 else 2)
            if flags & 0x0008:
                pos += 2
            elif flags & 0x0040:
                pos += 4
            elif flags & 0x0080:
                pos += 8
            if not flags & 0x0020:
                return bytes(out)

    def _table(self, tag: str) -> bytes:
        off, length = self.tables[tag]
        return self.data[off : off + length]


def _assemble(tables: dict[str, bytes]) -> bytes:
    tags = sorted(tables)
    num = len(tags)
    entry_selector = num.bit_length() - 1
    search_range = (1 << entry_selector) * 16
    header = struct.pack(">IHHHH", 0x00010000, num, search_range, entry_selector, num * 16 - search_range)
    directory = bytearray()
    body = bytearray()
    offset = 12 + 16 * num
    for tag in tags:
        data = tables[tag]
        directory += struct.pack(">4sIII", tag.encode("latin-1"), _checksum(data), offset + len(body), len(data))
        body += data
        body += b"\0" * ((-len(data)) % 4)
    font = bytearray(header + directory + body)
    head_offset = 12 + 16 * num + sum(len(tables[t]) + (-len(tables[t])) % 4 for t in tags[: tags.index("head")])
    struct.pack_into(">I", font, head_offset + 8, (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF)
    return bytes(font)


def _parse_cmap(data: bytes, base: int) -> tuple[dict[int, int], dict[tuple[int, int], int]]:
    _, count = struct.unpack_from(">HH", data, base)
    subtables: dict[tuple[int, int, int], int] = {}
    for i in range(count):
        pid, eid, off = struct.unpack_from(">HHI", data, base + 4 + 8 * i)
        fmt = struct.unpack_from(">H", data, base + off)[0]
        subtables[(pid, eid, fmt)] = base + off
    cmap: dict[int, int] = {}
    full = next((o for (p, e, f), o in subtables.items() if f == 12 and (p, e) in ((3, 10), (0, 4), (0, 6))), None)
    if full is not None:
        _, _, _, _, groups = struct.unpack_from(">HHIII", data, full)
        for g in range(groups):
            start, end, gid = struct.unpack_from(">III", data, full + 16 + 12 * g)
            for cp in range(start, end + 1):
                cmap[cp] = gid + cp - start
    else:
        bmp = next(o for (p, e, f), o in subtables.items() if f == 4 and (p, e) in ((3, 1), (0, 3)))
        cmap = _parse_format4(data, bmp)
    variants: dict[tuple[int, int], int] = {}
    uvs = next((o for (p, e, f), o in subtables.items() if f == 14), None)
    if uvs is not None:
        records = struct.unpack_from(">I", data, uvs + 6)[0]
        for r in range(records):
            rec = uvs + 10 + 11 * r
            selector = int.from_bytes(data[rec : rec + 3], "big")
            default_off, non_default_off = struct.unpack_from(">II", data, rec + 3)
            if default_off:
                ranges = struct.unpack_from(">I", data, uvs + default_off)[0]
                for k in range(ranges):
                    p = uvs + default_off + 4 + 4 * k
                    start, extra = int.from_bytes(data[p : p + 3], "big"), data[p + 3]
                    for cp in range(start, start + extra + 1):
                        if cp in cmap:
                            variants[(cp, selector)] = cmap[cp]
            if non_default_off:
                mappings = struct.unpack_from(">I", data, uvs + non_default_off)[0]
                for k in range(mappings):
                    p = uvs + non_default_off + 4 + 5 * k
                    cp, gid = int.from_bytes(data[p : p + 3], "big"), struct.unpack_from(">H", data, p + 3)[0]
                    variants[(cp, selector)] = gid
    return cmap, variants


def _parse_format4(data: bytes, off: int) -> dict[int, int]:
    seg_x2 = struct.unpack_from(">H", data, off + 6)[0]
    segs = seg_x2 // 2
    ends = struct.unpack_from(f">{segs}H", data, off + 14)
    starts = struct.unpack_from(f">{segs}H", data, off + 16 + seg_x2)
    deltas = struct.unpack_from(f">{segs}h", data, off + 16 + 2 * seg_x2)
    ro_pos = off + 16 + 3 * seg_x2
    range_offsets = struct.unpack_from(f">{segs}H", data, ro_pos)
    cmap: dict[int, int] = {}
    for s in range(segs):
        for cp in range(starts[s], ends[s] + 1):
            if cp == 0xFFFF:
                continue
            if range_offsets[s] == 0:
                gid = (cp + deltas[s]) & 0xFFFF
            else:
                p = ro_pos + 2 * s + range_offsets[s] + 2 * (cp - starts[s])
                gid = struct.unpack_from(">H", data, p)[0]
                gid = (gid + deltas[s]) & 0xFFFF if gid else 0
            if gid:
                cmap[cp] = gid
    return cmap


def _postscript_name(data: bytes, off: int) -> str:
    _, count, strings = struct.unpack_from(">HHH", data, off)
    for i in range(count):
        pid, _eid, _lang, nid, length, str_off = struct.unpack_from(">HHHHHH", data, off + 6 + 12 * i)
        if nid == 6:
            raw = data[off + strings + str_off : off + strings + str_off + length]
            return raw.decode("utf-16-be" if pid in (0, 3) else "latin-1")
    return "Font"


def parse_font(path: Path) -> TrueTypeFont:
    data = path.read_bytes()
    if struct.unpack_from(">I", data, 0)[0] != 0x00010000:
        raise ValueError(f"{path.name}: not a TrueType (glyf) font")
    num_tables = struct.unpack_from(">H", data, 4)[0]
    tables = {}
    for i in range(num_tables):
        tag, _, off, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        tables[tag.decode("latin-1")] = (off, length)
    head = tables["head"][0]
    units_per_em = struct.unpack_from(">H", data, head + 18)[0]
    bbox = struct.unpack_from(">hhhh", data, head + 36)
    long_loca = struct.unpack_from(">h", data, head + 50)[0] == 1
    hhea = tables["hhea"][0]
    ascent, descent = struct.unpack_from(">hh", data, hhea + 4)
    num_hmetrics = struct.unpack_from(">H", data, hhea + 34)[0]
    num_glyphs = struct.unpack_from(">H", data, tables["maxp"][0] + 4)[0]
    hmtx = tables["hmtx"][0]
    advances = array("H", struct.unpack_from(f">{2 * num_hmetrics}H", data, hmtx)[0::2])
    advances.extend([advances[-1]] * (num_glyphs - num_hmetrics))
    loca_off = tables["loca"][0]
    if long_loca:
        loca = array("I", struct.unpack_from(f">{num_glyphs + 1}I", data, loca_off))
    else:
        loca = array("I", (2 * x for x in struct.unpack_from(f">{num_glyphs + 1}H", data, loca_off)))
    cap_height = ascent
    if "OS/2" in tables:
        os2 = tables["OS/2"][0]
        if struct.unpack_from(">H", data, os2)[0] >= 2:
            cap_height = struct.unpack_from(">h", data, os2 + 88)[0]
    cmap, variants = _parse_cmap(data, tables["cmap"][0])
    return TrueTypeFont(
        path=path, data=data, tables=tables, units_per_em=units_per_em, bbox=bbox, ascent=ascent,
        descent=descent, cap_height=cap_height, num_glyphs=num_glyphs, advances=advances, loca=loca,
        cmap=cmap, variants=variants, postscript_name=_postscript_name(data, tables["name"][0]),
        glyf_offset=tables["glyf"][0],
    )


@cache
def load_font(path: Path = DEFAULT_FONT) -> TrueTypeFont:
    """The parsed font, once per process."""
    return parse_font(path)
