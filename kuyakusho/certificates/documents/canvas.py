"""Drawing on a page: Japanese text in the embedded font, lines, boxes, images and raw paths.

Text is set the way Japanese print is (JIS X 4051, simplified for single-line cells and short paragraphs):

* a line of text is one text object (one ``TJ``), so nothing stands between its glyphs but their advances;
* 約物 (brackets and punctuation) are full-width glyphs whose ink fills half the em; when two meet, the blank
  between their inks is closed up (「。」」「）、」「（「」 → none, 「）（」 → 二分, beside ・ → 四分); the rest of the
  line is set solid, every character a full em or its own width;
* lines break between any two kanji or kana, never inside a run of Latin letters and digits (a code, a URL,
  a number) unless that run alone is wider than the line;
* 行頭禁則: closing brackets, 、。・ー and small kana never begin a line: they take the character before them
  to the next line (追い出し; no ぶら下げ, so nothing crosses a cell's border); 行末禁則: an opening bracket never
  ends a line. A closing mark's blank half may stand in the margin at the end of a line.

Glyphs are addressed by their id in the full font (CID = glyph id); the renderer embeds the subset and maps
CIDs to the subset's glyph ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .fonts import CertificateFont, Glyph
from .pdf import num

if TYPE_CHECKING:
    from .images import PdfImage

# 約物 and where their ink sits in the em (the blank on each side, in 1/1000 em).
OPENING = frozenset("（「『【〔〈《［｛“‘")
CLOSING = frozenset("）」』】〕〉》］｝”’")
FULL_STOPS = frozenset("、。，．")
MIDDLE = frozenset("・：；")
# 行頭禁則 and 行末禁則.
NO_LINE_START = CLOSING | FULL_STOPS | MIDDLE | frozenset("？！ー～々ゝゞヽヾ") | frozenset(
    "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
NO_LINE_END = OPENING
HALF = 500.0


def _blank_before(chars: str) -> float:
    if chars in OPENING:
        return HALF
    return HALF / 2 if chars in MIDDLE else 0.0


def _blank_after(chars: str) -> float:
    if chars in CLOSING or chars in FULL_STOPS:
        return HALF
    return HALF / 2 if chars in MIDDLE else 0.0


_PUNCTUATION = OPENING | CLOSING | FULL_STOPS | MIDDLE


def closing_up(before: str, after: str) -> float:
    """How much of the blank between two consecutive 約物 is taken out (1/1000 em)."""
    if before not in _PUNCTUATION or after not in _PUNCTUATION:
        return 0.0
    if before in OPENING or after in OPENING:
        target = HALF if (before not in OPENING and after in OPENING) else 0.0
    else:
        target = 0.0
    target += (HALF / 2 if before in MIDDLE else 0.0) + (HALF / 2 if after in MIDDLE else 0.0)
    return max(0.0, _blank_after(before) + _blank_before(after) - target)


def _is_word(chars: str) -> bool:
    """Latin letters, digits and the marks inside codes and URLs: kept together on a line."""
    c = chars[0]
    return c.isascii() and c.isprintable() and c != " "


def set_glyphs(glyphs: Sequence[Glyph]) -> tuple[list[float], float]:
    """The closing-up after each glyph (1/1000 em) and the width of the set line (1/1000 em)."""
    kerns = [0.0] * len(glyphs)
    width = 0.0
    for i, glyph in enumerate(glyphs):
        width += glyph.advance
        if i + 1 < len(glyphs):
            kerns[i] = closing_up(glyph.chars, glyphs[i + 1].chars)
            width -= kerns[i]
    return kerns, width


class GlyphSet:
    """The glyphs one document uses (CID = glyph id in the full font), and the characters each shows."""

    def __init__(self, font: CertificateFont):
        self.font = font
        self.texts: dict[int, str] = {}

    def encode(self, text: str) -> tuple[bytes, float, int]:
        """The ``TJ`` array operand for ``text`` (hex CIDs, with closing-up between 約物), its width in
        1/1000 em, and the number of glyphs."""
        glyphs = self.font.glyphs(text)
        kerns, width = set_glyphs(glyphs)
        texts = self.texts
        out = bytearray(b"[<")
        for glyph, kern in zip(glyphs, kerns, strict=True):
            texts.setdefault(glyph.gid, glyph.chars)
            out += b"%04X" % glyph.gid
            if kern:
                out += b"> %s <" % num(kern)
        out += b">]"
        return bytes(out), width, len(glyphs)

    def width(self, text: str, size: float, spacing: float = 0.0) -> float:
        glyphs = self.font.glyphs(text)
        return set_glyphs(glyphs)[1] * size / 1000 + spacing * len(glyphs)

    def wrap(self, text: str, size: float, width: float) -> list[str]:
        """Lines of ``text`` that fit ``width`` (see the module's notes on line breaking); ``\\n`` breaks."""
        lines: list[str] = []
        limit = width * 1000 / size
        for paragraph in text.split("\n"):
            lines.extend(self._wrap_paragraph(self.font.glyphs(paragraph), limit))
        return lines

    @staticmethod
    def _wrap_paragraph(glyphs: tuple[Glyph, ...], limit: float) -> list[str]:
        if not glyphs:
            return [""]
        lines: list[str] = []
        start = 0
        n = len(glyphs)
        while start < n:
            end = start  # glyphs[start:end] fit
            used = 0.0
            while end < n:
                g = glyphs[end]
                step = g.advance
                if end > start:
                    step -= closing_up(glyphs[end - 1].chars, g.chars)
                if used + step - _blank_after(g.chars) > limit + 0.01 and end > start:
                    break
                used += step
                end += 1
            if end < n:
                end = _break_before(glyphs, start, end)
            lines.append("".join(g.chars for g in glyphs[start:end]))
            start = end
        return lines


def _break_before(glyphs: Sequence[Glyph], start: int, end: int) -> int:
    """Where to end a line whose glyphs ``start:end`` fit and ``glyphs[end]`` does not: the latest allowed
    break at or before ``end``."""
    k = end
    while k > start:
        before, after = glyphs[k - 1].chars, glyphs[k].chars
        allowed = (after not in NO_LINE_START and before not in NO_LINE_END
                   and not (_is_word(before) and _is_word(after)))
        if allowed:
            return k
        k -= 1
    # No allowed break on this line (a code longer than the line): break where it stops fitting.
    return end


class Page:
    def __init__(self, glyphs: GlyphSet, width: float, height: float):
        self.glyphs = glyphs
        self.width = width
        self.height = height
        self.ops = bytearray()
        self.images: dict[str, PdfImage] = {}

    def text(self, x: float, y: float, text: str, size: float, *, spacing: float = 0.0,
             color: tuple[float, float, float] | None = None) -> float:
        """Draw ``text`` with its baseline at ``y`` as one text run; returns the width drawn."""
        if not text:
            return 0.0
        array, width, count = self.glyphs.encode(text)
        ops = self.ops
        ops += b"BT\n"
        if color is not None:
            ops += b"%s %s %s rg\n" % (num(color[0]), num(color[1]), num(color[2]))
        ops += b"/F1 %s Tf\n" % num(size)
        if spacing:
            ops += b"%s Tc\n" % num(spacing)
        ops += b"%s %s Td\n%s TJ\n" % (num(x), num(y), array)
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

    def image(self, key: str, image: PdfImage, x: float, y: float, w: float, h: float) -> None:
        self.images[key] = image
        self.ops += b"q %s 0 0 %s %s %s cm /%s Do Q\n" % (num(w), num(h), num(x), num(y), key.encode("ascii"))

    def raw(self, ops: bytes) -> None:
        self.ops += ops
