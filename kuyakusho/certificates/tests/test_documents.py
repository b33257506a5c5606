"""Certificate documents: layout, embedded fonts and variant glyphs, PAdES signature and tamper detection."""

import dataclasses
import io
import re
import shutil
import subprocess
import zlib
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter

from kuyakusho.certificates.documents import (
    CertificateDocument,
    CertificateKind,
    Item,
    MissingGlyphError,
    Section,
    TaxLine,
    mayor_seal_png,
    render_certificate,
    seal_section,
    sign_pdf,
    tax_sections,
    verify_pdf,
    yen,
)
from kuyakusho.certificates.documents.builders import JuminhyoOptions
from kuyakusho.certificates.documents.fonts import DEFAULT_FONT
from kuyakusho.certificates.documents.images import qr_path
from kuyakusho.certificates.documents.samples import household, sample_juminhyo
from kuyakusho.certificates.documents.wardkey import reset_cache

KUZU_MJ = "葛\U000e0102"  # 葛 + VS19: a Moji_Joho variation sequence (MJ022335)
TSUJI_MJ = "辻\U000e0102"


@pytest.fixture(autouse=True)
def ward_key_dir(settings, tmp_path_factory):
    directory = tmp_path_factory.getbasetemp() / "ward-key"
    settings.KUYAKUSHO_WARD_KEY_DIR = str(directory)
    return directory


@pytest.fixture(scope="module")
def vendored_font():
    return TTFont(DEFAULT_FONT)


def _names_doc() -> CertificateDocument:
    doc = sample_juminhyo()
    names = Section(heading="氏名の字形", items=(
        Item("氏名", "髙橋　山﨑"), Item("氏名", "𠮷田　吉田"),
        Item("本籍", f"東京都{KUZU_MJ}飾区", wide=True), Item("本籍", "東京都葛飾区", wide=True),
        Item("氏名", f"{TSUJI_MJ}　辻"),
    ))
    return dataclasses.replace(doc, sections=(names,))


def _reader(pdf: bytes) -> PdfFileReader:
    return PdfFileReader(io.BytesIO(pdf), strict=False)


def _fonts(reader: PdfFileReader) -> list[generic.DictionaryObject]:
    fonts = []
    for page in (reader.root["/Pages"]["/Kids"]):
        for _, ref in page.get_object()["/Resources"]["/Font"].items():
            fonts.append(ref.get_object())
    return fonts


def _content(reader: PdfFileReader, page: int = 0) -> bytes:
    return reader.root["/Pages"]["/Kids"][page].get_object()["/Contents"].get_object().data


def _to_unicode(font: generic.DictionaryObject) -> dict[int, str]:
    cmap = font["/ToUnicode"].get_object().data.decode("ascii")
    return {int(cid, 16): bytes.fromhex(text).decode("utf-16-be")
            for cid, text in re.findall(r"<([0-9A-F]{4})> <([0-9A-F]+)>", cmap)}


def _cid_of(text_map: dict[int, str], text: str) -> int:
    (cid,) = [c for c, t in text_map.items() if t == text]
    return cid


def _outline(font: TTFont, glyph_name: str):
    glyph = font["glyf"][glyph_name]
    coords, ends, _ = glyph.getCoordinates(font["glyf"])
    return list(coords), list(ends)


# -- document and fonts -----------------------------------------------------------------------------------------


def test_renders_an_a4_pdf_with_title_items_attestation_and_metadata():
    doc = sample_juminhyo()
    pdf = render_certificate(doc)
    assert pdf.startswith(b"%PDF-1.7") and pdf.rstrip().endswith(b"%%EOF")
    reader = _reader(pdf)
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    assert [float(v) for v in page["/MediaBox"]] == pytest.approx([0, 0, 595.28, 841.89])
    info = reader.trailer_view["/Info"]
    assert str(info["/Title"]) == "住民票の写し"
    assert str(info["/KuyakushoVerificationCode"]) == doc.verification_code
    texts = "".join(_to_unicode(_fonts(reader)[0]).values())
    for expected in ("住民票の写", "この写しは、住民票の原本と相違ないことを証明する。", "令和7年5月1日", "練馬区長",
                     "豊玉", "髙橋", "平成21年3月30日", "世帯主"):
        assert all(ch in texts for ch in expected), expected


def test_every_font_is_an_embedded_subset_and_no_system_font_is_named():
    pdf = render_certificate(_names_doc())
    reader = _reader(pdf)
    fonts = _fonts(reader)
    assert len(fonts) == 1
    font = fonts[0]
    assert font["/Subtype"] == "/Type0" and font["/Encoding"] == "/Identity-H"
    descendant = font["/DescendantFonts"][0].get_object()
    assert descendant["/Subtype"] == "/CIDFontType2"
    assert re.fullmatch(r"/[A-Z]{6}\+KuyakushoMincho", str(descendant["/BaseFont"]))
    descriptor = descendant["/FontDescriptor"].get_object()
    assert "/FontFile2" in descriptor
    embedded = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().data))
    assert embedded["maxp"].numGlyphs < 200  # a subset, not the 19,451-glyph font
    # No other font object anywhere in the file (every /Font is ours and embedded).
    assert pdf.count(b"/Type/Font/") == 2 and b"/BaseFont/Helvetica" not in pdf


def test_variant_characters_print_the_registered_glyphs(vendored_font):
    """髙, 﨑, 𠮷 and a variation sequence select their own glyphs, embedded with their exact outlines."""
    pdf = render_certificate(_names_doc())
    reader = _reader(pdf)
    font = _fonts(reader)[0]
    text_map = _to_unicode(font)
    descendant = font["/DescendantFonts"][0].get_object()
    embedded = TTFont(io.BytesIO(descendant["/FontDescriptor"].get_object()["/FontFile2"].get_object().data))
    order = embedded.getGlyphOrder()
    gid_map = descendant["/CIDToGIDMap"].get_object().data  # CID (glyph id in the full font) → subset glyph id
    cmap = vendored_font.getBestCmap()
    uvs = {(u, vs): g for t in vendored_font["cmap"].tables if t.format == 14
           for vs, pairs in t.uvsDict.items() for u, g in pairs}

    def embedded_outline(text: str):
        cid = _cid_of(text_map, text)
        assert vendored_font.getGlyphOrder()[cid] == vendored_font.getGlyphName(cid)  # CID = full font's glyph id
        return _outline(embedded, order[int.from_bytes(gid_map[2 * cid : 2 * cid + 2], "big")])

    for ch, plain in (("髙", "高"), ("﨑", "崎"), ("𠮷", "吉")):
        assert embedded_outline(ch) == _outline(vendored_font, cmap[ord(ch)])
        assert _outline(vendored_font, cmap[ord(ch)]) != _outline(vendored_font, cmap[ord(plain)])
    assert cmap[0x20BB7] != cmap[ord("吉")]
    for sequence, base in ((KUZU_MJ, "葛"), (TSUJI_MJ, "辻")):
        variant = uvs[(ord(base), ord(sequence[1]))]
        assert variant != cmap[ord(base)]
        assert embedded_outline(sequence) == _outline(vendored_font, variant)
        assert embedded_outline(base) == _outline(vendored_font, cmap[ord(base)])
        assert embedded_outline(sequence) != embedded_outline(base)
    # The glyphs are drawn: their CIDs occur in the page's text operators.
    shown = b"".join(_shown_hex(zlib.decompress(_raw_content(pdf))))
    for text in ("髙", "﨑", "𠮷", KUZU_MJ, TSUJI_MJ):
        assert b"%04X" % _cid_of(text_map, text) in shown


def _shown_hex(content: bytes) -> list[bytes]:
    """The glyph codes of every text-showing operator: one TJ array per run of text."""
    return [b"".join(re.findall(rb"<([0-9A-F]*)>", array)) for array in re.findall(rb"\[([^\]]*)\] TJ", content)]


def _raw_content(pdf: bytes) -> bytes:
    reader = _reader(pdf)
    stream = reader.root["/Pages"]["/Kids"][0].get_object()["/Contents"].get_object()
    return stream.encoded_data


def test_a_sequence_the_font_lacks_is_refused_not_substituted():
    doc = _names_doc()
    bad = dataclasses.replace(doc, sections=(Section(items=(Item("氏名", "葛\U000e0100飾"),)),))
    with pytest.raises(MissingGlyphError) as caught:
        render_certificate(bad)
    assert caught.value.missing == ["葛\U000e0100"]
    with pytest.raises(MissingGlyphError):
        render_certificate(dataclasses.replace(doc, mayor_name="\U0001f600"))


@pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
                    reason="poppler-utils not installed")
def test_poppler_rasterizes_and_extracts_the_text(tmp_path):
    path = tmp_path / "names.pdf"
    path.write_bytes(render_certificate(_names_doc()))
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-singlefile", str(path), str(tmp_path / "page")],  # noqa: S603, S607
                   check=True, capture_output=True, timeout=30)
    assert (tmp_path / "page.png").stat().st_size > 5000
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,  # noqa: S603, S607
                          timeout=30).stdout.decode()
    for expected in ("髙橋", "山﨑", "𠮷田", f"{KUZU_MJ}飾区", "以下余白", "K7QM-0001-ZX3P"):
        assert expected in text


def test_long_household_continues_on_a_second_page_with_the_attestation_last():
    persons = household() * 3
    doc = sample_juminhyo(persons=persons, options=JuminhyoOptions(honseki=True, resident_code=True, history=True))
    reader = _reader(render_certificate(doc))
    kids = reader.root["/Pages"]["/Kids"]
    assert len(kids) >= 2
    text_map = _to_unicode(_fonts(reader)[0])

    def page_text(i: int) -> str:
        shown = _shown_hex(_content(reader, i))
        return "\n".join("".join(text_map[int(h[k:k + 4], 16)] for k in range(0, len(h), 4)) for h in shown)

    last = page_text(len(kids) - 1)
    assert "この写しは、住民票の原本と相違ないことを証明する。" in last
    assert f"{len(kids)} / {len(kids)}" in last
    assert "証明する" not in page_text(0)
    assert "住民票の写し（続き）" in page_text(1)


def test_the_qr_code_encodes_the_verification_url():
    doc = sample_juminhyo()
    ops, modules = qr_path(doc.verify_url, 0, 0, 66)
    assert doc.verify_url == "https://kuyakusho.example.jp/verify/K7QM-0001-ZX3P"
    assert modules >= 21
    reader = _reader(render_certificate(doc))
    run_lines = ops.split(b"\n")[1:-2]  # the module rectangles, placed by one transformation
    assert run_lines and all(line in _content(reader) for line in run_lines[:20])


def test_seal_and_tax_certificates():
    seal = mayor_seal_png()
    assert seal is mayor_seal_png()  # generated once
    doc = CertificateDocument(
        kind=CertificateKind.INKAN, issue_date=date(2025, 5, 1), issue_number="R7-000002",
        verification_code="ABCD-EFGH-2345", base_url="https://kuyakusho.example.jp/", channel_label="窓口",
        mayor_name="豊玉　光男",
        sections=(seal_section(name="山﨑　花子", birth_date=date(1990, 2, 3), address="東京都練馬区豊玉北六丁目",
                               seal_png=_impression()),),
    )
    assert doc.attestation == "この写しは、登録されている印影と相違ないことを証明する。"
    assert doc.verify_url == "https://kuyakusho.example.jp/verify/ABCD-EFGH-2345"
    pdf = render_certificate(doc)
    assert pdf.count(b"/Subtype/Image") == 3  # the impression (opaque) and the mayor's seal with its alpha mask
    same = dataclasses.replace(doc, sections=(dataclasses.replace(doc.sections[0], image_png=seal),))
    assert render_certificate(same).count(b"/Subtype/Image") == 2  # one image object when both are the same
    tax = dataclasses.replace(doc, kind=CertificateKind.KAZEI, title="", attestation="", sections=tax_sections(
        name="辻　太郎", address="東京都練馬区", fiscal_year=2025,
        lines=[TaxLine("総所得金額", 3640000), TaxLine("年税額", 237700)]))
    assert tax.title == "課税証明書"
    text = "".join(_to_unicode(_fonts(_reader(render_certificate(tax)))[0]).values())
    assert all(ch in text for ch in "3,640,000円令和7年度")
    assert yen(1234567) == "1,234,567円"
    with pytest.raises(ValueError):
        dataclasses.replace(doc, verification_code="コード")


def _impression() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (200, 200), "white")
    ImageDraw.Draw(image).ellipse((10, 10, 190, 190), outline=(190, 20, 30), width=12)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# -- signature -------------------------------------------------------------------------------------------------


@pytest.fixture
def signed() -> bytes:
    return sign_pdf(render_certificate(sample_juminhyo()))


def test_signed_certificate_verifies(signed, ward_key_dir):
    result = verify_pdf(signed)
    assert result.valid and result.problem is None
    assert result.intact and result.signature_valid and result.ward_key and result.whole_file
    assert result.verification_code == "K7QM-0001-ZX3P" and result.certificate_kind == "juminhyo"
    assert result.signing_time is not None and result.signing_time.tzinfo is not None
    assert "練馬区長 (demo)" in result.signer
    assert (ward_key_dir / "key.pem").stat().st_mode & 0o777 == 0o600
    assert b"/SubFilter/ETSI.CAdES.detached" in signed


def test_unsigned_and_garbage_files_are_invalid():
    assert verify_pdf(render_certificate(sample_juminhyo())).problem == "unsigned"
    assert verify_pdf(b"not a pdf").problem == "unreadable"


def test_a_flipped_byte_in_the_content_is_caught(signed):
    data = bytearray(signed)
    at = data.index(b"stream\n", data.index(b"/Contents")) + 40
    data[at] ^= 0x01
    result = verify_pdf(bytes(data))
    assert not result.valid and result.problem == "tampered" and not result.intact


def test_an_incremental_update_that_changes_a_page_is_caught(signed):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    forged = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 20 Tf 100 400 Td <0001> Tj ET"))
    page["/Contents"] = generic.ArrayObject([page["/Contents"], forged])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue())
    assert not result.valid and result.problem == "modified" and result.intact and not result.whole_file


def test_removing_the_signature_is_caught(signed):
    start = signed.index(b"/Contents <", signed.rindex(b"/ByteRange")) + len(b"/Contents <")
    end = signed.index(b">", start)
    stripped = signed[:start] + b"0" * (end - start) + signed[end:]
    assert verify_pdf(stripped).problem == "unsigned"


def test_a_signature_by_another_key_is_refused_until_that_key_is_retired_here(settings, tmp_path, signed):
    settings.KUYAKUSHO_WARD_KEY_DIR = str(tmp_path / "other")
    other = sign_pdf(render_certificate(sample_juminhyo(number=2)))
    assert verify_pdf(other).valid
    settings.KUYAKUSHO_WARD_KEY_DIR = str(tmp_path.parent / "ward-key")  # back to the ward's key
    assert verify_pdf(other).problem == "foreign_key"
    retired = tmp_path.parent / "ward-key" / "retired"
    retired.mkdir(exist_ok=True)
    try:
        shutil.copy(tmp_path / "other" / "cert.pem", retired / "2024.pem")
        reset_cache()
        assert verify_pdf(other).valid
    finally:
        shutil.rmtree(retired)
        reset_cache()


def test_any_pdf_can_be_signed_incrementally():
    writer = PdfFileWriter()
    writer.insert_page(generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Page"),
        generic.pdf_name("/MediaBox"): generic.ArrayObject([generic.NumberObject(0)] * 2
                                                           + [generic.NumberObject(595), generic.NumberObject(842)]),
    }))
    out = io.BytesIO()
    writer.write(out)
    signed = sign_pdf(out.getvalue())
    result = verify_pdf(signed)
    assert result.valid and result.verification_code is None


def test_verify_certificate_command(tmp_path, signed, capsys):
    good = tmp_path / "good.pdf"
    good.write_bytes(signed)
    call_command("verify_certificate", str(good))
    out = capsys.readouterr().out
    assert "有効" in out and "Valid" in out and "K7QM-0001-ZX3P" in out
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(_tamper(signed))
    with pytest.raises(CommandError) as caught:
        call_command("verify_certificate", str(bad))
    assert caught.value.returncode == 1
    err = capsys.readouterr().err
    assert "無効" in err and "Invalid" in err
    with pytest.raises(CommandError):
        call_command("verify_certificate", str(tmp_path / "missing.pdf"))


def _tamper(pdf: bytes) -> bytes:
    data = bytearray(pdf)
    at = data.index(b"/KuyakushoVerificationCode")
    data[at + 30] ^= 0x02
    return bytes(data)
