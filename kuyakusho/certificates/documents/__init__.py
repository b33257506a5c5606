"""Certificate documents: plain data in, a signed A4 PDF out.

    doc = CertificateDocument(kind=CertificateKind.JUMINHYO, ..., sections=juminhyo_sections(persons, options))
    pdf = sign_pdf(render_certificate(doc))
    result = verify_pdf(pdf)          # result.valid, result.verification_code, result.message_ja

Nothing here reads the database; the issuance service gathers the data and decides what may be printed.
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
