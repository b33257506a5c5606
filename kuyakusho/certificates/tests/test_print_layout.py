"""Certificates read like print: variant glyphs through HarfBuzz, Japanese line setting, the 認証文 kept with the
last entries, and a signature built by pyHanko that pyHanko and poppler validate."""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import io
import itertools
import re
import shutil
import subprocess
from datetime import date

import pypdf
import pytest
import uharfbuzz as hb
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from kuyakusho.certificates.documents import (
    CertificateDocument,
    CertificateKind,
    Item,
    MissingGlyphError,
    PersonEntry,
    Section,
    render_certificate,
    sign_pdf,
    verify_pdf,
)
from kuyakusho.certificates.documents.builders import JuminhyoOptions
from kuyakusho.certificates.documents.canvas import NO_LINE_END, NO_LINE_START, GlyphSet, _is_word, set_glyphs
from kuyakusho.certificates.documents.fonts import DEFAULT_FONT, load_font
from kuyakusho.certificates.documents.samples import household, sample_juminhyo
from kuyakusho.certificates.documents.wardkey import ward_key

GIVEN = "一二三四五六七八"


def _household(n: int) -> list[PersonEntry]:
    base = household()
    return [dataclasses.replace(base[k % 3], name=f"髙橋　{GIVEN[k]}郎") for k in range(n)]


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def _full_font() -> hb.Font:
    return hb.Font(hb.Face(hb.Blob.from_file_path(str(DEFAULT_FONT))))


def _shown_cids(pdf: bytes) -> set[int]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    cids: set[int] = set()
    for page in reader.pages:
        contents = page.get_contents()
        assert contents is not None
        for array in re.findall(rb"\[([^\]]*)\] TJ", contents.get_data()):
            for run in re.findall(rb"<([0-9A-F]*)>", array):
                cids.update(int(run[k : k + 4], 16) for k in range(0, len(run), 4))
    return cids


# -- glyphs -------------------------------------------------------------------------------------------------------


def test_variants_and_mj_sequences_print_the_glyph_the_font_gives_them():
    """CIDs are the full font's glyph ids: each variant is drawn with the glyph HarfBuzz's own cmap lookup (format
    12 for 𠮷, format 14 for the MJ sequences) names, which differs from the plain character's."""
    font = _full_font()
    cases = {
        "髙": font.get_nominal_glyph(ord("髙")), "﨑": font.get_nominal_glyph(ord("﨑")),
        "𠮷": font.get_nominal_glyph(0x20BB7),
        "葛\U000e0102": font.get_variation_glyph(ord("葛"), 0xE0102),
        "葛\U000e0105": font.get_variation_glyph(ord("葛"), 0xE0105),
    }
    plain = {"髙": "高", "﨑": "崎", "𠮷": "吉", "葛\U000e0102": "葛", "葛\U000e0105": "葛"}
    for text, gid in cases.items():
        assert gid is not None and gid != font.get_nominal_glyph(ord(plain[text])), text
        assert [g.gid for g in load_font().glyphs(text)] == [gid]
    doc = dataclasses.replace(sample_juminhyo(), sections=(Section(items=tuple(
        Item("氏名", f"{text}田") for text in cases)),))
    shown = _shown_cids(render_certificate(doc))
    assert set(cases.values()) <= shown
    assert font.get_variation_glyph(ord("葛"), 0xE0103) not in shown  # another sequence of 葛 was not drawn


def test_a_variation_sequence_the_font_lacks_is_refused_never_the_base_glyph():
    """葛 with VS17 (U+E0100, Adobe-Japan1) is not in IPAmj明朝: HarfBuzz would fall back to the plain 葛."""
    doc = dataclasses.replace(sample_juminhyo(), sections=(Section(items=(Item("氏名", "葛\U000e0100西"),)),))
    with pytest.raises(MissingGlyphError) as caught:
        render_certificate(doc)
    assert caught.value.missing == ["葛\U000e0100"]


# -- line setting --------------------------------------------------------------------------------------------------


def test_consecutive_punctuation_is_closed_up():
    font = load_font()
    assert set_glyphs(font.glyphs("）（"))[1] == 1500  # 終わり括弧 + 始め括弧: 二分 between the inks
    assert set_glyphs(font.glyphs("。」"))[1] == 1500  # 句点 + 終わり括弧: nothing between
    assert set_glyphs(font.glyphs("（「"))[1] == 1500
    assert set_glyphs(font.glyphs("）・"))[1] == 1500  # 四分 either side of the 中点, the bracket's blank gone
    assert set_glyphs(font.glyphs("日（平"))[1] == 3000  # a bracket beside a kanji keeps its blank
    assert set_glyphs(font.glyphs("原本と相違"))[1] == 5000


def test_line_breaks_keep_kinsoku_and_latin_runs():
    glyphs = GlyphSet(load_font())
    # 行頭禁則: the comma that would start line 2 takes the character before it along (追い出し).
    assert glyphs.wrap("一二三四五、六七", 10, 50) == ["一二三四", "五、六七"]
    assert glyphs.wrap("一二三四。」", 10, 45) == ["一二三", "四。」"]
    assert glyphs.wrap("一二三四。」", 10, 50) == ["一二三四。」"]  # 。」 set in 1.5 em, 」 ending in the margin
    # A closing mark's blank half may stand in the margin: 「四」 fits, its ink inside the width.
    assert glyphs.wrap("一二三四」", 10, 45) == ["一二三四」"]
    # A small kana cannot start a line: the character before it goes down with it (追い出し).
    assert glyphs.wrap("一二三四シャツ", 10, 50) == ["一二三四", "シャツ"]
    # 行末禁則: an opening bracket moves to the next line with what it opens.
    assert glyphs.wrap("一二三四（五）", 10, 50) == ["一二三四", "（五）"]
    # A code is not split while the line can break before it.
    assert glyphs.wrap("検証コードK7QM-0001", 10, 80) == ["検証コード", "K7QM-0001"]
    # Text that fits is one line.
    assert glyphs.wrap("原本と相違ない", 10, 200) == ["原本と相違ない"]


def test_each_line_is_one_text_run_and_extracts_without_gaps():
    pdf = sign_pdf(render_certificate(sample_juminhyo()))
    text = _pages(pdf)[0]
    for expected in ("この写しは、住民票の原本と相違ないことを証明する。", "東京都練馬区長", "住民となった年月日",
                     "次のアドレスで交付の事実と", "平成27年6月1日（平成27年6月8日届出）",
                     "セブン-イレブン練馬豊玉北店"):
        assert expected in text, expected
    for gap in ("原本と 相違", "アド レス", "練馬区 長", "住民と なった", "（ 平成"):
        assert gap not in text


# -- pages ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persons", range(1, 9))
@pytest.mark.parametrize("options", [JuminhyoOptions(), JuminhyoOptions(honseki=True, resident_code=True,
                                                                         history=True)])
def test_the_attestation_is_on_the_page_of_the_last_entry(persons, options):
    doc = sample_juminhyo(persons=_household(persons), options=options)
    pages = _pages(render_certificate(doc))
    with_attestation = [i for i, t in enumerate(pages) if doc.attestation in t]
    with_last = [i for i, t in enumerate(pages) if re.search(rf"{persons}\s*髙橋　{GIVEN[persons - 1]}郎", t)]
    assert with_attestation == [len(pages) - 1]
    assert with_last == [len(pages) - 1]
    assert "以下余白" in pages[-1]


def test_a_four_person_household_fits_its_attestation_with_the_fourth_person():
    doc = sample_juminhyo(persons=_household(4))
    pages = _pages(render_certificate(doc))
    assert len(pages) == 2
    assert "4 髙橋" in pages[1].replace("　", " ") and doc.attestation in pages[1]
    assert "3 髙橋" in pages[0].replace("　", " ")


# -- signature -----------------------------------------------------------------------------------------------------


def test_pyhanko_validates_the_signature_it_built():
    pdf = sign_pdf(render_certificate(sample_juminhyo(persons=_household(4))))
    assert verify_pdf(pdf).valid
    reader = PdfFileReader(io.BytesIO(pdf))
    (signature,) = reader.embedded_signatures
    root = asn1_x509.Certificate.load(ward_key().certificate.public_bytes(serialization.Encoding.DER))
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:  # its own event loop, whatever runs here
        status = pool.submit(asyncio.run, async_validate_pdf_signature(signature, context)).result()
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    signed_attrs = signature.signer_info["signed_attrs"]
    kinds = {attr["type"].native for attr in signed_attrs}
    assert {"message_digest", "signing_certificate_v2"} <= kinds and "signing_time" not in kinds  # PAdES B-B
    assert len(signature.signed_data["certificates"]) == 1  # the ward's certificate, once


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils not installed")
def test_poppler_validates_the_signature(tmp_path):
    path = tmp_path / "four.pdf"
    path.write_bytes(sign_pdf(render_certificate(sample_juminhyo(persons=_household(4)))))
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, timeout=30, check=False).stdout.decode()  # noqa: S603, S607
    assert "Signature Validation: Signature is Valid." in out
    assert "Total document signed" in out


def test_a_document_is_still_a_plain_dataclass():
    doc = CertificateDocument(kind=CertificateKind.JOHYO, issue_date=date(2025, 5, 1), issue_number="R7-9",
                              verification_code="AB-12", base_url="https://x.example", channel_label="窓口",
                              mayor_name="豊玉　光男", sections=())
    assert doc.title == "除票の写し" and doc.mayor_title == "東京都練馬区長" and doc.issuer == "東京都練馬区"


_ALPHABET = "一二三四五原本相違あいうっゃアドレス、。（）「」・ーK7QM-0123"


def _may_break(before: str, after: str) -> bool:
    return after not in NO_LINE_START and before not in NO_LINE_END and not (_is_word(before) and _is_word(after))


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=_ALPHABET, min_size=0, max_size=40), width=st.integers(min_value=20, max_value=120))
def test_wrapping_loses_nothing_fits_the_measure_and_keeps_kinsoku(text, width):
    font = load_font()
    lines = GlyphSet(font).wrap(text, 10, width)
    assert "".join(lines) == text
    for line in lines:
        glyphs = font.glyphs(line)
        if glyphs:  # every line fits; only a closing mark's blank half may stand in the margin
            trailing = 500 if line[-1] in "、。）」" else 250 if line[-1] in "・" else 0
            assert (set_glyphs(glyphs)[1] - trailing) * 10 / 1000 <= width + 0.01
    for previous, line in itertools.pairwise(lines):
        if not _may_break(previous[-1], line[0]):
            # A break against the rules only where the line before offered no allowed break at all.
            assert not any(_may_break(a, b) for a, b in itertools.pairwise(previous))
