"""The certificate font's coverage: read by HarfBuzz from the font that settings name, once per process."""

from __future__ import annotations

import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

from kuyakusho.core import glyphs
from kuyakusho.core.text import CharacterClass, refused_characters


def _tiny_font(path) -> None:
    """A TrueType font with A, 山 and one variation sequence 山 U+E0101 (format 14)."""
    names = [".notdef", "A", "yama", "yama.v1"]
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({0x41: "A", 0x5C71: "yama"}, uvs=[(0x5C71, 0xE0101, "yama.v1")])
    pen = TTGlyphPen(None)
    pen.moveTo((0, 0))
    pen.lineTo((500, 0))
    pen.lineTo((500, 500))
    pen.closePath()
    glyph = pen.glyph()
    fb.setupGlyf(dict.fromkeys(names, glyph))
    fb.setupHorizontalMetrics(dict.fromkeys(names, (1000, 0)))
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "Tiny", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    fb.save(str(path))


def test_the_certificate_font_coverage():
    cov = glyphs.coverage()
    assert len(cov.codepoints) > 14_000 and len(cov.sequences) > 8_000
    assert cov.has_char("髙") and cov.has_char("𠮷") and cov.has_char("\u3000")
    assert cov.has_sequence("葛", "\U000e0102") and not cov.has_sequence("葛", "\U000e0100")
    assert glyphs.coverage() is cov  # read once per process


def test_missing_reads_like_the_renderer():
    cov = glyphs.coverage()
    assert cov.missing("葛\U000e0102飾区\n一行目") == []
    assert cov.missing("葛\U000e0100飾") == ["葛\U000e0100"]
    assert cov.missing("\U000e0102山\u202e😀") == ["\U000e0102", "\u202e", "😀"]
    assert glyphs.missing_glyphs("山\u202e", "田\u202e", "김") == ["\u202e", "김"]


def test_the_font_comes_from_settings(settings, tmp_path):
    path = tmp_path / "tiny.ttf"
    _tiny_font(path)
    settings.CERTIFICATE_FONT = path
    cov = glyphs.coverage()
    assert cov.codepoints == frozenset({0x41, 0x5C71})
    assert cov.sequences == frozenset({(0x5C71, 0xE0101)})
    # The policy follows the font: 田 is not in this one, 山's second variant is.
    assert [r.kind for r in refused_characters("山\U000e0101A田")] == [CharacterClass.NOT_IN_FONT]
    assert [r.kind for r in refused_characters("山\U000e0100")] == [CharacterClass.VARIANT_NOT_IN_FONT]


def test_a_font_without_characters_is_refused(settings, tmp_path):
    (tmp_path / "not-a-font.ttf").write_bytes(b"not a font")
    settings.CERTIFICATE_FONT = tmp_path / "not-a-font.ttf"
    with pytest.raises(ValueError, match="maps no characters"):
        glyphs.coverage()


def test_code_points():
    assert glyphs.code_points("葛\U000e0102") == "U+845B U+E0102"
    assert glyphs.is_variation_selector("\ufe0f") and glyphs.is_variation_selector("\U000e01ef")
    assert not glyphs.is_variation_selector("\u3099") and not glyphs.is_variation_selector("")
