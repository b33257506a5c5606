"""Assemble the certificate PDF: pages, the embedded font subset, images, metadata and a prepared (empty)
PAdES signature field that :func:`~kuyakusho.certificates.documents.signing.sign_pdf` fills."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from .canvas import GlyphSet
from .fonts import CertificateFont, load_font
from .images import PdfImage
from .layout import PAGE_H, PAGE_W, lay_out
from .model import CertificateDocument
from .pdf import PdfWriter, date_string, name, num, stream, text_string

PRODUCER = "Kuyakusho certificates"
INFO_CODE_KEY = "KuyakushoVerificationCode"
INFO_KIND_KEY = "KuyakushoCertificateKind"


def _subset_tag(gids: list[int]) -> str:
    digest = hashlib.blake2b(repr(gids).encode("ascii"), digest_size=6).digest()
    return "".join(chr(ord("A") + b % 26) for b in digest)


def _to_unicode(texts: dict[int, str]) -> bytes:
    entries = [b"<%04X> <%s>" % (cid, t.encode("utf-16-be").hex().upper().encode("ascii"))
               for cid, t in sorted(texts.items()) if t]
    out = [b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
           b"/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def",
           b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
           b"1 begincodespacerange <0000> <FFFF> endcodespacerange"]
    for i in range(0, len(entries), 100):
        chunk = entries[i : i + 100]
        out.append(b"%d beginbfchar" % len(chunk))
        out.extend(chunk)
        out.append(b"endbfchar")
    out.append(b"endcmap CMapName currentdict /CMap defineresource pop end end")
    return b"\n".join(out)


def _write_font(writer: PdfWriter, font: CertificateFont, glyphs: GlyphSet, ref: int) -> None:
    """The Type 0 font: CIDs are glyph ids of the full font; the embedded HarfBuzz subset renumbers them, so
    /CIDToGIDMap says where each went. Widths other than the default full em are listed in /W."""
    cids = sorted(glyphs.texts)
    data, mapping = font.subset(cids)
    base = name(f"{_subset_tag(cids)}+{font.postscript_name}")
    scale = 1000 / font.units_per_em
    font_file = writer.add_stream(data, b"/Length1 %d" % len(data))
    cid_to_gid = bytearray(2 * (cids[-1] + 1 if cids else 1))
    for cid in cids:
        cid_to_gid[2 * cid : 2 * cid + 2] = mapping[cid].to_bytes(2, "big")
    gid_map = writer.add_stream(bytes(cid_to_gid))
    x0, y0, x1, y1 = (round(v * scale) for v in font.bbox)
    descriptor = writer.add(
        b"<</Type/FontDescriptor/FontName" + base + b"/Flags 6/FontBBox [%d %d %d %d]" % (x0, y0, x1, y1)
        + b"/ItalicAngle 0/Ascent %d/Descent %d/CapHeight %d/StemV 80/FontFile2 %d 0 R>>"
        % (round(font.ascent * scale), round(font.descent * scale), round(font.cap_height * scale), font_file)
    )
    widths = b" ".join(b"%d [%s]" % (cid, num(round(font.advance(cid), 2))) for cid in cids
                       if round(font.advance(cid), 2) != 1000)
    cid_font = writer.add(
        b"<</Type/Font/Subtype/CIDFontType2/BaseFont" + base
        + b"/CIDSystemInfo <</Registry (Adobe)/Ordering (Identity)/Supplement 0>>"
        + b"/FontDescriptor %d 0 R/DW 1000/W [" % descriptor + widths + b"]/CIDToGIDMap %d 0 R>>" % gid_map
    )
    to_unicode = writer.add_stream(_to_unicode(glyphs.texts))
    writer.set(ref,
        b"<</Type/Font/Subtype/Type0/BaseFont" + base
        + b"/Encoding/Identity-H/DescendantFonts [%d 0 R]/ToUnicode %d 0 R>>" % (cid_font, to_unicode)
    )


def _write_image(writer: PdfWriter, image: PdfImage) -> int:
    entries = b"/Type/XObject/Subtype/Image/Width %d/Height %d/BitsPerComponent 8/Filter/FlateDecode" % (
        image.width, image.height)
    if image.alpha is not None:
        mask = writer.add(stream(image.alpha, entries + b"/ColorSpace/DeviceGray", compress=False))
        entries += b"/SMask %d 0 R" % mask
    return writer.add(stream(image.samples, entries + b"/ColorSpace" + image.color_space, compress=False))


def render_certificate(doc: CertificateDocument, *, prepared_at: datetime | None = None) -> bytes:
    """The certificate as an A4 PDF with embedded fonts and an empty signature field ready for
    :func:`sign_pdf`. Raises :class:`MissingGlyphError` if the font cannot print a character as given."""
    moment = prepared_at or datetime.now(UTC)
    font = load_font()
    glyphs = GlyphSet(font)
    pages = lay_out(doc, glyphs)

    writer = PdfWriter()
    catalog = writer.reserve()
    pages_ref = writer.reserve()
    font_ref = writer.reserve()
    image_refs: dict[int, int] = {}
    page_refs: list[int] = []
    sig_field = writer.reserve()
    for page in pages:
        content = writer.add_stream(bytes(page.ops))
        xobjects = b""
        for key, image in page.images.items():
            ref = image_refs.get(id(image))
            if ref is None:
                ref = image_refs[id(image)] = _write_image(writer, image)
            xobjects += b"/%s %d 0 R" % (key.encode("ascii"), ref)
        resources = b"<</Font <</F1 %d 0 R>>" % font_ref
        if xobjects:
            resources += b"/XObject <<" + xobjects + b">>"
        resources += b">>"
        annots = b"/Annots [%d 0 R]" % sig_field if not page_refs else b""
        page_refs.append(writer.add(
            b"<</Type/Page/Parent %d 0 R/MediaBox [0 0 %s %s]/Resources " % (pages_ref, num(PAGE_W), num(PAGE_H))
            + resources + b"/Contents %d 0 R" % content + annots + b">>"
        ))
    _write_font(writer, font, glyphs, font_ref)
    writer.set(pages_ref, b"<</Type/Pages/Count %d/Kids [%s]>>" % (
        len(page_refs), b" ".join(b"%d 0 R" % r for r in page_refs)))
    info = writer.add(
        b"<</Title" + text_string(doc.title)
        + b"/Author" + text_string(doc.issuer)
        + b"/Subject" + text_string(f"{doc.title} 第{doc.issue_number}号 検証コード {doc.verification_code}")
        + b"/Creator" + text_string(PRODUCER) + b"/Producer" + text_string(PRODUCER)
        + b"/CreationDate" + date_string(moment)
        + name(INFO_CODE_KEY) + text_string(doc.verification_code)
        + name(INFO_KIND_KEY) + text_string(str(doc.kind))
        + b"".join(name(k) + text_string(v) for k, v in doc.extra_metadata.items())
        + b">>"
    )
    signature = writer.add(writer.signature_dictionary(
        signed_at=moment, name_=f"{doc.mayor_title} {doc.mayor_name}",
        reason=f"{doc.title} 第{doc.issue_number}号", location=doc.issuer,
    ))
    writer.set(sig_field, b"<</Type/Annot/Subtype/Widget/FT/Sig/T (Signature1)/F 132/Rect [0 0 0 0]"
               + b"/P %d 0 R/V %d 0 R>>" % (page_refs[0], signature))
    writer.set(catalog, b"<</Type/Catalog/Pages %d 0 R/Lang (ja-JP)" % pages_ref
               + b"/ViewerPreferences <</DisplayDocTitle true>>"
               + b"/AcroForm <</Fields [%d 0 R]/SigFlags 3>>>>" % sig_field)
    file_id = hashlib.blake2b(f"{doc.verification_code}|{doc.issue_number}|{moment.isoformat()}".encode(),
                              digest_size=16).digest()
    return writer.build(root=catalog, info=info, file_id=file_id)
