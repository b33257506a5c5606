"""Drawing on a page: text in the embedded font, lines, boxes, images and raw paths.

Glyphs are numbered per document in the order of first use (CID 1, 2, …), which is also the glyph order of
the font subset embedded in the file (CIDToGIDMap /Identity).
"""

from __future__ import annotations

from .pdf import num
from .truetype import TrueTypeFont

# Characters that must not begin a line (行頭禁則): they hang at the end of the previous line instead.
_NO_LINE_START = frozenset("、。，．・：；？！）」』】〕〉》ー～ぁぃぅぇぉっゃゅょァィゥェォッャュョ")


class GlyphSet:
    """The glyphs one document uses: original glyph id → CID, and the characters each CID shows."""

    def __init__(self, font: TrueTypeFont):
        self.font = font
        self.cids: dict[int, int] = {}
        self.gids: list[int] = [0]
        self.texts: list[str] = [""]

    def encode(self, text: str) -> tuple[bytes, float, int]:
        """Hex-encoded CIDs of ``text``, its width in 1/1000 em, and the number of glyphs."""
        cids = self.cids
        font = self.font
        out = []
        width = 0.0
        glyphs = font.glyphs_for(text)
        for gid, chars in glyphs:
            cid = cids.get(gid)
            if cid is None:
                cid = cids[gid] = len(self.gids)
                self.gids.append(gid)
                self.texts.append(chars)
            out.append(f"{cid:04X}")
            width += font.advance(gid)
        return "".join(out).encode("ascii"), width, len(glyphs)

    def width(self, text: str, size: float, spacing: float = 0.0) -> float:
        glyphs = self.font.glyphs_for(text)
        return sum(self.font.advance(g) for g, _ in glyphs) * size / 1000 + spacing * len(glyphs)

    def wrap(self, text: str, size: float, width: float) -> list[str]:
        """Lines of ``text`` that fit ``width`` (breaking between any two characters, keeping 禁則 marks)."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            used = 0.0
            for gid, chars in self.font.glyphs_for(paragraph):
                w = self.font.advance(gid) * size / 1000
                if line and used + w > width and chars not in _NO_LINE_START:
                    lines.append(line)
                    line, used = "", 0.0
                line += chars
                used += w
            lines.append(line)
        return lines


class Page:
    def __init__(self, glyphs: GlyphSet, width: float, height: float):
        self.glyphs = glyphs
        self.width = width
        self.height = height
        self.ops = bytearray()
        self.images: dict[str, object] = {}

    def text(self, x: float, y: float, text: str, size: float, *, spacing: float = 0.0,
             color: tuple[float, float, float] | None = None) -> float:
        """Draw ``text`` with its baseline at ``y``; returns the width drawn."""
        if not text:
            return 0.0
        hex_cids, width, count = self.glyphs.encode(text)
        ops = self.ops
        ops += b"BT\n"
        if color is not None:
            ops += b"%s %s %s rg\n" % (num(color[0]), num(color[1]), num(color[2]))
        ops += b"/F1 %s Tf\n" % num(size)
        if spacing:
            ops += b"%s Tc\n" % num(spacing)
        ops += b"%s %s Td\n<%s> Tj\n" % (num(x), num(y), hex_cids)
        ops += b"0 Tc\nET\n" if spacing else b"ET\n"  # Tc is graphics state: it outlives ET
        if color is not None:
            ops += b"0 g\n"
        return width * size / 1000 + spacing * count

    def text_right(self, x_right: float, y: float, text: str, size: float, **kw) -> None:
        self.text(x_right - self.glyphs.width(text, size, kw.get("spacing", 0.0)), y, text, size, **kw)

    def text_center(self, x_center: float, y: float, text: str, size: float, **kw) -> None:
        spacing = kw.get("spacing", 0.0)
        w = self.glyphs.width(text, size, spacing) - spacing  # no spacing after the last character
        self.text(x_center - w / 2, y, text, size, **kw)

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float = 0.5) -> None:
        self.ops += b"%s w %s %s m %s %s l S\n" % (num(width), num(x1), num(y1), num(x2), num(y2))

    def rect(self, x: float, y: float, w: float, h: float, *, stroke: float | None = 0.5,
             fill: float | None = None) -> None:
        """A box with its lower left corner at (x, y); ``fill`` is a grey level (1 white)."""
        box = b"%s %s %s %s re" % (num(x), num(y), num(w), num(h))
        if fill is not None:
            self.ops += b"%s g %s f 0 g\n" % (num(fill), box)
        if stroke is not None:
            self.ops += b"%s w %s S\n" % (num(stroke), box)

    def image(self, key: str, image: object, x: float, y: float, w: float, h: float) -> None:
        self.images[key] = image
        self.ops += b"q %s 0 0 %s %s %s cm /%s Do Q\n" % (num(w), num(h), num(x), num(y), key.encode("ascii"))

    def raw(self, ops: bytes) -> None:
        self.ops += ops
