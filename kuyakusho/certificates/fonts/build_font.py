"""Build the vendored certificate font from IPAmj明朝 (run by hand, not at run time).

    apt-get download fonts-ipamj-mincho && dpkg-deb -x fonts-ipamj-mincho_*.deb /tmp/ipamj
    python kuyakusho/certificates/fonts/build_font.py /tmp/ipamj/usr/share/fonts/truetype/ipamj/ipamjm.ttf

Keeps: ASCII and Latin-1, JIS X 0208 and JIS X 0213 (all four levels, via the ``euc_jis_2004`` codec),
Windows-31J (CP932, NEC and IBM extensions such as 髙 and 﨑), the extra characters listed below
(such as 𠮷, U+20BB7), and every Ideographic Variation Sequence (cmap format 14, Moji_Joho collection)
whose base character is kept, so that MJ文字 variants of kept characters print as registered.
Drops hinting, layout tables and vertical metrics (the certificate is set horizontally).

The result is a Derived Program under the IPA Font License v1.0 (Article 3.1): it carries a new name that
does not contain the original's name, the licence travels with it (IPA_Font_License_Agreement_v1.0.txt),
and README.md says how to replace it with the Original Program.
"""

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

OUT = Path(__file__).with_name("KuyakushoMincho.ttf")
FAMILY = "Kuyakusho Mincho"
PS_NAME = "KuyakushoMincho"

# Characters of names and places outside JIS X 0213 and CP932 that registers commonly hold.
EXTRA = "𠮷𡈽𩸽𠀋𡋽𪚲𢈘𣘺𣜿𤚩𥝱𦥑𧘕𨺉𩵋"
# Typography of certificates: dashes, brackets, marks.
MARKS = "―‐–—‥…‘’“”〈〉《》「」『』【】〔〕〒〓※・ー〜～＝－"


def wanted_codepoints() -> set[int]:
    cps: set[int] = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    for codec, lead_range, trail_range in (
        ("euc_jis_2004", range(0xA1, 0xFF), range(0xA1, 0xFF)),
        ("cp932", range(0x81, 0xFD), range(0x40, 0xFD)),
    ):
        for lead in lead_range:
            for trail in trail_range:
                try:
                    text = bytes((lead, trail)).decode(codec)
                except UnicodeDecodeError:
                    continue
                cps.update(ord(c) for c in text)
        if codec == "euc_jis_2004":  # plane 2 (0x8F prefix) and half-width kana (0x8E prefix)
            for lead in range(0xA1, 0xFF):
                for trail in range(0xA1, 0xFF):
                    try:
                        cps.update(ord(c) for c in bytes((0x8F, lead, trail)).decode(codec))
                    except UnicodeDecodeError:
                        pass
            for trail in range(0xA1, 0xE0):
                cps.update(ord(c) for c in bytes((0x8E, trail)).decode(codec))
    cps.update(ord(c) for c in EXTRA + MARKS)
    return cps


def rename(font: TTFont) -> None:
    names = {
        1: FAMILY,
        3: f"{PS_NAME}-Regular; derived from IPAmj Mincho 005.01",
        4: FAMILY,
        6: PS_NAME,
        16: FAMILY,
    }
    table = font["name"]
    for record in list(table.names):
        if record.nameID in names or record.nameID in (17, 18, 21, 22):
            table.removeNames(nameID=record.nameID)
    for name_id, value in names.items():
        table.setName(value, name_id, 3, 1, 0x409)
        table.setName(value, name_id, 1, 0, 0)
    table.setName(
        "Derived from IPAmj Mincho 005.01 (IPA) under the IPA Font License v1.0: subset for Kuyakusho "
        "certificates. Not the original program; see README.md for how to replace it with the original.",
        10, 3, 1, 0x409,
    )


def main(source: str) -> None:
    font = TTFont(source)
    font_cmap = font.getBestCmap()
    cps = {cp for cp in wanted_codepoints() if cp in font_cmap}
    selectors = {vs for table in font["cmap"].tables if table.format == 14 for vs in table.uvsDict}
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.glyph_names = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "vhea", "vmtx", "gasp", "VORG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=cps | selectors)  # the selectors keep the format 14 subtable
    subsetter.subset(font)
    rename(font)
    font.save(OUT)
    sequences = sum(len(v) for t in font["cmap"].tables if t.format == 14 for v in t.uvsDict.values())
    glyphs = font["maxp"].numGlyphs
    size = OUT.stat().st_size
    print(f"{OUT}: {len(cps)} characters, {sequences} variation sequences, {glyphs} glyphs, {size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
