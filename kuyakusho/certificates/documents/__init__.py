"""Certificate documents: plain data in, a signed A4 PDF out.

    doc = CertificateDocument(kind=CertificateKind.JUMINHYO, ..., sections=juminhyo_sections(persons, options))
    pdf = sign_pdf(render_certificate(doc))
    result = verify_pdf(pdf)          # result.valid, result.verification_code, result.message_ja

Nothing here reads the database; the issuance service gathers the data and decides what may be printed. The
ward's name, the mayor's title and the seal come from the ward profile (``kuyakusho.core.ward``).

How it is made: ``fonts`` shapes text and subsets the font through HarfBuzz (``uharfbuzz``: every character map,
the MJ variation sequences of cmap format 14, ~1 ms a subset) and refuses what the font lacks
(:class:`MissingGlyphError`, never a substitute); ``canvas`` sets Japanese lines (禁則, 約物 closed up, one text
run per line); ``layout`` places the blocks on A4 pages and keeps the 認証文 with the last entries; ``render`` writes
the PDF with a prepared signature field; ``signing`` has pyHanko build the PAdES signature for the file's digest
and verifies with pyHanko.

Why our layout and not a typesetting engine (measured on the 3-person 住民票 of ``bench/certificates_render.py``,
CPU time a certificate on this 2-core machine): Typst through its Python binding (``typst`` 0.15.2) sets the
same certificate in ~15 ms (PDF/A-2b ~16 ms) and prints the MJ variation sequences, but falls back silently to
the base glyph for a sequence the font lacks, and its PDF must then be signed by pyHanko's incremental writer
(~43 ms), ~58 ms in all; this layout renders in ~4–5 ms and pyHanko signs the prepared file in ~1.5 ms. The
issuance floor (≥ 100 certificates/s on 2 processes, the register's own reads and writes included) leaves ~20 ms
of CPU a certificate. Typst's tagged output and PDF/A are what we give up; the text stays extractable
(ToUnicode for every glyph, variation sequences included) and the document language is set.
"""

from .builders import (
    JuminhyoOptions,
    PersonEntry,
    TaxLine,
    juminhyo_header,
    juminhyo_sections,
    moving_out_section,
    person_section,
    seal_section,
    tax_sections,
)
from .fonts import MissingGlyphError
from .images import mayor_seal_png
from .model import (
    ATTESTATION_WHOLE_HOUSEHOLD,
    ATTESTATIONS,
    TITLES,
    CertificateDocument,
    CertificateKind,
    Item,
    Section,
    Table,
    yen,
)
from .render import render_certificate
from .signing import SignatureError, VerificationResult, sign_pdf, verify_pdf

__all__ = [
    "ATTESTATIONS",
    "ATTESTATION_WHOLE_HOUSEHOLD",
    "TITLES",
    "CertificateDocument",
    "CertificateKind",
    "Item",
    "JuminhyoOptions",
    "MissingGlyphError",
    "PersonEntry",
    "Section",
    "SignatureError",
    "Table",
    "TaxLine",
    "VerificationResult",
    "juminhyo_header",
    "juminhyo_sections",
    "mayor_seal_png",
    "moving_out_section",
    "person_section",
    "render_certificate",
    "seal_section",
    "sign_pdf",
    "tax_sections",
    "verify_pdf",
    "yen",
]
