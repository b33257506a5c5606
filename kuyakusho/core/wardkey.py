"""The ward's signing key and certificate: it signs certificates (`certificates.documents`) and the audit
trail's checkpoints (`audit.checkpoints`).

By default a demo ECDSA P-256 key and a self-signed certificate, named for the ward's mayor from the ward
profile (e.g. "練馬区長 (demo)"), are created on first use in ``settings.VAR_DIR / "certificates" / "ward-key"``
(key file 0600; never committed). A ward with a real key sets ``KUYAKUSHO_WARD_KEY_DIR`` (Django setting) to a
folder holding ``key.pem`` and ``cert.pem``. Certificates of retired keys placed in ``retired/*.pem`` stay
trusted for verifying documents signed earlier.

Creation is atomic (a complete folder is renamed into place), so concurrent workers starting at once agree
on one key.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .ward import ward

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

DEMO_VALIDITY = timedelta(days=3650)


@dataclass(frozen=True)
class WardKey:
    directory: Path
    private_key: PrivateKeyTypes
    certificate: x509.Certificate
    retired: tuple[x509.Certificate, ...]

    @property
    def subject(self) -> str:
        names = self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value) if names else self.certificate.subject.rfc4514_string()


def key_directory() -> Path:
    from django.conf import settings

    configured = getattr(settings, "KUYAKUSHO_WARD_KEY_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "certificates" / "ward-key"


def _demo_material() -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"{ward().name_ja} (demo)"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{ward().name_ja}長 (demo)"),
    ])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + DEMO_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
        ), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def create_demo_key(directory: Path) -> bool:
    """Create the demo key pair in ``directory`` unless it exists; True if this call created it."""
    if (directory / "key.pem").exists():
        return False
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".ward-key-", dir=directory.parent))
    try:
        key_pem, cert_pem = _demo_material()
        fd = os.open(staging / "key.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key_pem)
        (staging / "cert.pem").write_bytes(cert_pem)
        os.chmod(staging, 0o700)
        try:
            os.rename(staging, directory)  # atomic; fails if another process got there first
        except OSError:
            return False
        return True
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@cache
def _load(directory: Path) -> WardKey:
    create_demo_key(directory)
    key = serialization.load_pem_private_key((directory / "key.pem").read_bytes(), password=None)
    cert = x509.load_pem_x509_certificate((directory / "cert.pem").read_bytes())
    retired = tuple(
        x509.load_pem_x509_certificate(p.read_bytes()) for p in sorted((directory / "retired").glob("*.pem"))
    ) if (directory / "retired").is_dir() else ()
    return WardKey(directory, key, cert, retired)


def ward_key() -> WardKey:
    """The ward's key (created on first use for the demo ward), cached per process and folder."""
    return _load(key_directory())


def reset_cache() -> None:
    _load.cache_clear()
