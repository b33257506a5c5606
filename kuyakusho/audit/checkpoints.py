"""Signed checkpoints of the audit chain, kept outside the database.

The hash chain shows a row changed in place, but someone who owns the database can cut off the tail and
rewind the head, empty the table, or change a row and recompute every later hash: each leaves a chain
that is consistent again. A checkpoint pins the head as it was: its ``seq``, ``hash`` and the time, signed
with the ward's key (:mod:`kuyakusho.core.wardkey`: a file the database does not hold), written as one
JSON file under ``settings.AUDIT_CHECKPOINT_DIR`` that is created once and never overwritten, and, when
``settings.AUDIT_CHECKPOINT_TSA_URL`` names an RFC 3161 time-stamp authority, stamped by it (the token is
kept in the file: the authority's signature over the checkpoint's signature). ``manage.py audit_verify``
(:mod:`kuyakusho.audit.verify`) compares the chain with every checkpoint.

Written by ``manage.py audit_checkpoint`` (from cron, or ``--every SECONDS``) or by the task
:func:`kuyakusho.audit.tasks.write_checkpoint`. Whoever can delete files in the folder can also remove
checkpoints: copy them where the database's owner cannot write (another host, write-once storage), or rely
on the time-stamp authority.

File ``<seq, 16 digits>-<UTC time>.json``::

    {"format": "kuyakusho-audit-checkpoint/1", "seq": 123, "hash": "…", "time": "2026-12-06T05:00:00.000000+00:00",
     "key_id": "sha256 of the key's SubjectPublicKeyInfo", "algorithm": "ecdsa-sha256",
     "signature": "base64", "timestamp_token": "base64 DER of the RFC 3161 token (optional)"}

The signature covers the canonical JSON (sorted keys, no spaces, UTF-8) of every field but ``signature``
and ``timestamp_token``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import concurrent.futures
import hashlib
import json
import os
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from django.conf import settings
from django.utils.translation import gettext as _

from kuyakusho.core.wardkey import ward_key

from .models import AuditEvent, ChainHead

FORMAT = "kuyakusho-audit-checkpoint/1"
SIGNED_FIELDS = ("format", "seq", "hash", "time", "key_id", "algorithm")
TSA_TIMEOUT_SECONDS = 10


class CheckpointError(Exception):
    """A checkpoint could not be written (the message says why, in the active language)."""


class CheckpointFileError(ValueError):
    """A checkpoint file that cannot be read as one."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    time: datetime
    key_id: str
    algorithm: str
    signature: bytes
    timestamp_token: bytes | None = None
    path: Path | None = None

    @property
    def name(self) -> str:
        return self.path.name if self.path else f"seq={self.seq}"

    def fields(self) -> dict[str, object]:
        return {"format": FORMAT, "seq": self.seq, "hash": self.hash,
                "time": self.time.isoformat(timespec="microseconds"), "key_id": self.key_id,
                "algorithm": self.algorithm}

    def signed_bytes(self) -> bytes:
        return canonical(self.fields())

    def to_json(self) -> bytes:
        body = {**self.fields(), "signature": base64.b64encode(self.signature).decode("ascii")}
        if self.timestamp_token is not None:
            body["timestamp_token"] = base64.b64encode(self.timestamp_token).decode("ascii")
        return json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True).encode() + b"\n"


def canonical(fields: Mapping[str, object]) -> bytes:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def checkpoint_dir() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


# --- keys ---------------------------------------------------------------------------------------------

def key_id(public_key: PublicKeyTypes) -> str:
    spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def _algorithm(public_key: PublicKeyTypes) -> str:
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return "ecdsa-sha256"
    if isinstance(public_key, rsa.RSAPublicKey):
        return "rsa-pkcs1v15-sha256"
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "ed25519"
    raise CheckpointError(_("区の鍵の種類（%(kind)s）では署名できません。") % {"kind": type(public_key).__name__})


def sign(private_key: PrivateKeyTypes, data: bytes) -> tuple[str, bytes]:
    algorithm = _algorithm(private_key.public_key())
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return algorithm, private_key.sign(data, ec.ECDSA(hashes.SHA256()))
    if isinstance(private_key, rsa.RSAPrivateKey):
        return algorithm, private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    assert isinstance(private_key, ed25519.Ed25519PrivateKey)  # _algorithm refused every other kind
    return algorithm, private_key.sign(data)


def _verify(public_key: PublicKeyTypes, algorithm: str, signature: bytes, data: bytes) -> bool:
    """True if ``signature`` is ``public_key``'s over ``data``; the algorithm follows from the key."""
    try:
        if algorithm != _algorithm(public_key):
            return False
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(signature, data)
        else:
            return False
    except (InvalidSignature, CheckpointError):
        return False
    return True


def trusted_keys() -> dict[str, PublicKeyTypes]:
    """The ward's public keys by key id: the current certificate's and every retired one's."""
    key = ward_key()
    certificates: list[x509.Certificate] = [key.certificate, *key.retired]
    return {key_id(c.public_key()): c.public_key() for c in certificates}


# --- writing ------------------------------------------------------------------------------------------

def _run[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end from synchronous code, also when called inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _time_stamp(signature: bytes) -> bytes:
    """An RFC 3161 token from the configured authority over SHA-256 of ``signature`` (DER bytes)."""
    from pyhanko.sign.timestamps import HTTPTimeStamper

    stamper = HTTPTimeStamper(settings.AUDIT_CHECKPOINT_TSA_URL, timeout=TSA_TIMEOUT_SECONDS)
    token: cms.ContentInfo = _run(stamper.async_timestamp(hashlib.sha256(signature).digest(), "sha256"))
    der: bytes = token.dump()
    return der


def _file_name(seq: int, at: datetime) -> str:
    return f"{seq:016d}-{at.astimezone(UTC):%Y%m%dT%H%M%S%fZ}.json"


def _write_once(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data``; never replaces a file (O_EXCL). Read-only once written."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def latest(directory: Path | None = None) -> Checkpoint | None:
    """The checkpoint with the highest seq (the last file by name), if it can be read."""
    files = checkpoint_files(directory)
    if not files:
        return None
    try:
        return load(files[-1])
    except CheckpointFileError:
        return None


def write_checkpoint(*, force: bool = False, now: datetime | None = None) -> Checkpoint | None:
    """Sign the chain head and write it as a new checkpoint file; None if the chain is empty or (unless
    ``force``) the last checkpoint already pins this head.

    Raises :class:`CheckpointError` if the head does not match its row or the chain no longer holds the
    last checkpoint's row (a rewound or rewritten chain: ``audit_verify`` says what happened), or if the
    time-stamp authority failed; in that case the signed file is written all the same, without a token.
    """
    head = ChainHead.objects.filter(id=1).values_list("seq", "hash").first()
    if head is None or head[0] == 0:
        return None
    seq, head_hash = head
    row_hash = AuditEvent.objects.filter(seq=seq).values_list("hash", flat=True).first()
    if row_hash != head_hash:
        raise CheckpointError(_(
            "連鎖の先頭（seq=%(seq)s）が記録の行と一致しないため、署名しません。manage.py audit_verify で"
            "確認してください。") % {"seq": seq})
    directory = checkpoint_dir()
    last = latest(directory)
    if last is not None and check_signature(last, trusted_keys()) is None:
        pinned = AuditEvent.objects.filter(seq=last.seq).values_list("hash", flat=True).first()
        if pinned != last.hash:
            raise CheckpointError(_(
                "記録がチェックポイント %(file)s（seq=%(seq)s）と一致しないため、署名しません。"
                "manage.py audit_verify で確認してください。") % {"file": last.name, "seq": last.seq})
        if not force and (last.seq, last.hash) == (seq, head_hash):
            return None
    key = ward_key()
    at = now or datetime.now(UTC)
    unsigned = Checkpoint(seq=seq, hash=head_hash, time=at.astimezone(UTC), key_id=key_id(key.certificate.public_key()),
                          algorithm=_algorithm(key.private_key.public_key()), signature=b"")
    algorithm, signature = sign(key.private_key, unsigned.signed_bytes())
    token, failure = None, None
    if settings.AUDIT_CHECKPOINT_TSA_URL:
        try:
            token = _time_stamp(signature)
        except Exception as exc:  # any failure of the authority: the signed file is kept
            failure = exc
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / _file_name(seq, at)
    checkpoint = Checkpoint(seq=seq, hash=head_hash, time=unsigned.time, key_id=unsigned.key_id,
                            algorithm=algorithm, signature=signature, timestamp_token=token, path=path)
    try:
        _write_once(path, checkpoint.to_json())
    except FileExistsError as exc:
        raise CheckpointError(_("チェックポイント %(file)s は既にあります。") % {"file": path.name}) from exc
    if failure is not None:
        raise CheckpointError(_(
            "チェックポイント %(file)s は署名して書きましたが、時刻認証局（%(url)s）のタイムスタンプを"
            "得られませんでした: %(error)s") % {"file": path.name, "url": settings.AUDIT_CHECKPOINT_TSA_URL,
                                             "error": failure.__class__.__name__})
    return checkpoint


# --- reading and checking -----------------------------------------------------------------------------

def checkpoint_files(directory: Path | None = None) -> list[Path]:
    directory = directory or checkpoint_dir()
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix == ".json" and p.is_file())


def _field[T](body: Mapping[str, object], name: str, kind: type[T]) -> T:
    value = body.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise CheckpointFileError(_("項目 %(field)s がないか正しくありません") % {"field": name})
    return value


def _b64(body: Mapping[str, object], name: str) -> bytes:
    try:
        return base64.b64decode(_field(body, name, str), validate=True)
    except binascii.Error as exc:
        raise CheckpointFileError(_("項目 %(field)s がないか正しくありません") % {"field": name}) from exc


def load(path: Path) -> Checkpoint:
    """Read one checkpoint file (its signature is not checked here: :func:`check_signature`)."""
    try:
        body = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise CheckpointFileError(_("JSON として読めません")) from exc
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise CheckpointFileError(_("チェックポイントの形式ではありません"))
    seq, hash_ = _field(body, "seq", int), _field(body, "hash", str)
    try:
        at = datetime.fromisoformat(_field(body, "time", str))
    except ValueError as exc:
        raise CheckpointFileError(_("項目 %(field)s がないか正しくありません") % {"field": "time"}) from exc
    if seq < 1 or len(hash_) != 64 or at.tzinfo is None:
        raise CheckpointFileError(_("チェックポイントの形式ではありません"))
    token = _b64(body, "timestamp_token") if "timestamp_token" in body else None
    return Checkpoint(seq=seq, hash=hash_, time=at, key_id=_field(body, "key_id", str),
                      algorithm=_field(body, "algorithm", str), signature=_b64(body, "signature"),
                      timestamp_token=token, path=path)


def check_signature(checkpoint: Checkpoint, keys: Mapping[str, PublicKeyTypes]) -> str | None:
    """None if one of the ward's ``keys`` signed ``checkpoint``; else ``"unknown_key"`` (no key of the ward
    has its key id) or ``"bad_signature"`` (the signature does not match the content)."""
    public_key = keys.get(checkpoint.key_id)
    if public_key is None:
        return "unknown_key"
    if not _verify(public_key, checkpoint.algorithm, checkpoint.signature, checkpoint.signed_bytes()):
        return "bad_signature"
    return None


def tsa_roots() -> list[asn1_x509.Certificate]:
    """The trusted roots of time-stamp authorities (``settings.AUDIT_CHECKPOINT_TSA_ROOTS``, a PEM file)."""
    configured = settings.AUDIT_CHECKPOINT_TSA_ROOTS
    if not configured:
        return []
    certificates = x509.load_pem_x509_certificates(Path(configured).read_bytes())
    return [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certificates]


def check_time_stamps(checkpoints: list[Checkpoint]) -> dict[Checkpoint, str]:
    """What is wrong with the RFC 3161 token of each checkpoint that has one (translated); valid ones are
    left out. A token must cover the checkpoint's signature, carry a valid signature of its authority and,
    when ``settings.AUDIT_CHECKPOINT_TSA_ROOTS`` is set, come from an authority under one of those roots."""
    stamped = [c for c in checkpoints if c.timestamp_token is not None]
    if not stamped:
        return {}
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko.sign.validation.status import TimestampSignatureStatus
    from pyhanko_certvalidator import ValidationContext

    roots = tsa_roots()

    async def check(checkpoint: Checkpoint) -> str | None:
        try:
            token = cms.ContentInfo.load(checkpoint.timestamp_token)
            signed_data = token["content"]
            if token["content_type"].native != "signed_data":
                return _("トークンを読めません")
            imprint = hashlib.sha256(checkpoint.signature).digest()
            context = ValidationContext(trust_roots=roots, allow_fetching=False)
            status = TimestampSignatureStatus(**await validate_tst_signed_data(
                signed_data, context, lambda algorithm: imprint if algorithm == "sha256" else b""))
        except Exception:  # a token that cannot be parsed or checked at all
            return _("トークンを読めません")
        if not status.intact:
            return _("このチェックポイントの署名に対するものではありません")
        if not status.valid:
            return _("時刻認証局の署名が正しくありません")
        if roots and not status.trusted:
            return _("信頼する時刻認証局のものではありません")
        return None

    async def check_all() -> list[str | None]:
        return list(await asyncio.gather(*(check(c) for c in stamped)))

    return {c: problem for c, problem in zip(stamped, _run(check_all()), strict=True) if problem}
