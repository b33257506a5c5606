"""PAdES signatures (ETSI.CAdES.detached, baseline B-B) with the ward's key, and their verification.

A certificate rendered here already holds an empty signature dictionary whose /ByteRange covers the whole
file but the /Contents hole; :func:`sign_pdf` hashes those bytes and has pyHanko's signer build the CMS
signature (SignedData with the PAdES signed attributes) for that digest, which goes into the hole: no second
pass of a PDF writer over the file. Any other PDF is signed by pyHanko's incremental writer.
:func:`verify_pdf` uses pyHanko's validator and accepts only a signature that is intact,
cryptographically valid, made with the ward's key (or a retired ward key) and covering the entire file.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from asn1crypto import cms as asn1_cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.generic import DictionaryObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import attributes, fields, signers
from pyhanko.sign.signers.pdf_cms import SignedAttributeProviderSpec
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .pdf import SIGNATURE_HEX_LENGTH, prepared_signature_hole
from .render import INFO_CODE_KEY, INFO_KIND_KEY
from .wardkey import WardKey, ward_key


class _WardCertificateAttribute(attributes.CMSAttributeProvider):
    """The signing-certificate-v2 attribute (the one PAdES asks for beside content type and message digest),
    built by pyHanko's own provider once per key: it depends only on the certificate, and building it is most
    of what a signature costs (~8 of ~9 ms)."""

    attribute_type = "signing_certificate_v2"

    def __init__(self, signing_cert: asn1_x509.Certificate) -> None:
        self._der = _run(lambda: attributes.SigningCertificateV2Provider(signing_cert).get_attribute()).dump()

    async def get_attribute(self, dry_run: bool = False) -> asn1_cms.CMSAttribute:
        return asn1_cms.CMSAttribute.load(self._der)


class _WardAttributes(SignedAttributeProviderSpec):
    """PAdES B-B signed attributes (pyHanko's CAdES spec for a PDF signature, with no signing time)."""

    def __init__(self, signing_cert: asn1_x509.Certificate) -> None:
        self._certificate = _WardCertificateAttribute(signing_cert)

    def signed_attr_providers(self, data_digest: bytes, digest_algorithm: str) -> Iterator[Any]:
        yield self._certificate


class _WardSigner(signers.SimpleSigner):
    """SimpleSigner that keeps the parsed private key (pyHanko re-parses it for every signature) and the
    signing-certificate attribute (see :class:`_WardCertificateAttribute`)."""

    def __init__(self, key: WardKey) -> None:
        cert = asn1_x509.Certificate.load(key.certificate.public_bytes(serialization.Encoding.DER))
        der = key.private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption())
        # No other certificates: the ward's certificate is embedded once, as the signer's.
        super().__init__(signing_cert=cert, signing_key=asn1_keys.PrivateKeyInfo.load(der),
                         cert_registry=SimpleCertificateStore())
        self._key = key.private_key
        self.signed_attr_prov_spec = _WardAttributes(cert)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        if isinstance(self._key, ec.EllipticCurvePrivateKey) and digest_algorithm == "sha256":
            return self._key.sign(data, ec.ECDSA(hashes.SHA256()))
        return super().sign_raw(data, digest_algorithm)


@cache
def _signer_for(key: WardKey) -> _WardSigner:
    return _WardSigner(key)


_local = threading.local()


def _run(factory):
    """Run a pyHanko coroutine to completion: on this thread's own event loop (kept, so a signature does
    not pay for a new loop), or on a helper thread when a loop is already running here (async views)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop = getattr(_local, "loop", None)
        if loop is None or loop.is_closed():
            loop = _local.loop = asyncio.new_event_loop()
        return loop.run_until_complete(factory())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_run, factory).result()


class SignatureError(ValueError):
    pass


def sign_pdf(pdf: bytes) -> bytes:
    """Sign ``pdf`` with the ward's key (PAdES B-B, SHA-256)."""
    signer = _signer_for(ward_key())
    hole = prepared_signature_hole(pdf)
    if hole is None:
        return _sign_incremental(pdf, signer)
    start, end = hole
    digest = hashlib.sha256()
    digest.update(memoryview(pdf)[:start])
    digest.update(memoryview(pdf)[end:])
    document_digest = digest.digest()
    signed_data = _run(lambda: signer.async_sign(document_digest, "sha256", use_pades=True))
    contents = signed_data.dump().hex().upper().encode("ascii")
    if len(contents) > SIGNATURE_HEX_LENGTH:
        raise SignatureError("the signature does not fit the space reserved for it")
    return pdf[: start + 1] + contents.ljust(SIGNATURE_HEX_LENGTH, b"0") + pdf[end - 1 :]


def _sign_incremental(pdf: bytes, signer: _WardSigner) -> bytes:
    meta = signers.PdfSignatureMetadata(field_name="Signature1", subfilter=fields.SigSeedSubFilter.PADES,
                                        md_algorithm="sha256")
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    out = _run(lambda: signers.PdfSigner(meta, signer=signer).async_sign_pdf(writer))
    return out.getvalue()


@dataclass(frozen=True)
class VerificationResult:
    signed: bool  # the file carries a signature
    intact: bool  # the signed bytes are unchanged (digest matches)
    signature_valid: bool  # the signature is cryptographically valid
    ward_key: bool  # made with the ward's key (current or retired)
    whole_file: bool  # nothing was added after signing
    signing_time: datetime | None
    verification_code: str | None
    certificate_kind: str | None
    signer: str | None
    problem: str | None  # None when valid; else unreadable, unsigned, tampered, foreign_key, modified, several

    @property
    def valid(self) -> bool:
        return self.problem is None

    @property
    def message_ja(self) -> str:
        return _MESSAGES[self.problem][0]

    @property
    def message_en(self) -> str:
        return _MESSAGES[self.problem][1]


_MESSAGES = {
    None: ("有効：区の電子署名があり、署名後に改変されていません。",
           "Valid: signed with the ward's key and unchanged since signing."),
    "unreadable": ("無効：PDFとして読み取れません。", "Invalid: the file cannot be read as a PDF."),
    "unsigned": ("無効：電子署名がありません。", "Invalid: the document carries no signature."),
    "tampered": ("無効：署名後に内容が改変されています。", "Invalid: the content was changed after signing."),
    "foreign_key": ("無効：区の鍵による署名ではありません。", "Invalid: not signed with the ward's key."),
    "modified": ("無効：署名後に追記されています。", "Invalid: the file was updated after signing."),
    "several": ("無効：署名が複数あります。", "Invalid: the document carries more than one signature."),
}


def _info_value(reader: PdfFileReader, key: str) -> str | None:
    try:
        info = reader.trailer_view.get("/Info")
        info = info.get_object() if info is not None else None
        if isinstance(info, DictionaryObject) and f"/{key}" in info:
            return str(info[f"/{key}"])
    except Exception:  # a damaged Info dictionary just means no code
        return None
    return None


def verify_pdf(pdf: bytes) -> VerificationResult:
    """Check the ward's signature on ``pdf``; see :class:`VerificationResult`."""
    empty: dict[str, Any] = dict(signed=False, intact=False, signature_valid=False, ward_key=False, whole_file=False,
                                 signing_time=None, verification_code=None, certificate_kind=None, signer=None)
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = [] if prepared_signature_hole(pdf) is not None else reader.embedded_regular_signatures
    except Exception:  # pyHanko raises many kinds of errors on garbage
        return VerificationResult(**empty, problem="unreadable")
    code, kind = _info_value(reader, INFO_CODE_KEY), _info_value(reader, INFO_KIND_KEY)
    if not signatures or prepared_signature_hole(pdf) is not None:
        return VerificationResult(**{**empty, "verification_code": code, "certificate_kind": kind},
                                  problem="unsigned")
    key = ward_key()
    trusted = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
               for c in (key.certificate, *key.retired)]
    sig = signatures[0]
    try:
        status = _run(lambda: async_validate_pdf_signature(
            sig, ValidationContext(trust_roots=trusted, allow_fetching=False, revocation_mode="soft-fail")))
    except Exception:  # a malformed signature container
        return VerificationResult(**{**empty, "signed": True, "verification_code": code,
                                     "certificate_kind": kind}, problem="tampered")
    signer_cert = status.signing_cert
    from_ward = any(signer_cert.dump() == t.dump() for t in trusted) and status.trusted
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    problem = None
    if not (status.intact and status.valid):
        problem = "tampered"
    elif not from_ward:
        problem = "foreign_key"
    elif len(signatures) > 1:
        problem = "several"
    elif not whole:
        problem = "modified"
    return VerificationResult(
        signed=True, intact=status.intact, signature_valid=status.valid, ward_key=from_ward, whole_file=whole,
        signing_time=sig.self_reported_timestamp, verification_code=code, certificate_kind=kind,
        signer=signer_cert.subject.human_friendly, problem=problem,
    )
