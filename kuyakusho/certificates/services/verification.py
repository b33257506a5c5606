"""Public verification of an issued certificate: by its verification code, and of a presented PDF.

What the public may learn from a code is what the holder's document itself shows to anyone who sees it,
minus every personal item: the certificate's title, issue date, issue number, issuing channel and office,
and whether it has been revoked. Never the name, address or any register item.

A presented PDF is genuine only if the ward's signature covers the whole file unchanged (``verify_pdf``),
the code inside it is the code asked about, and its SHA-256 is the one recorded when it was issued.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..documents import TITLES, verify_pdf
from ..documents.model import CertificateKind
from ..models import Channel, Issuance, Status

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_PDF_BYTES = 5 * 1024 * 1024
_CODE = re.compile(r"[A-Z0-9]{12}")


def normalise_code(code: str) -> str | None:
    """``abcd efgh-jklm`` → ``ABCD-EFGH-JKLM``; None unless 12 letters/digits."""
    raw = re.sub(r"[\s\-‐－ー]", "", (code or "")[:40]).upper()
    raw = raw.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not _CODE.fullmatch(raw):
        return None
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


@dataclass(frozen=True)
class PublicRecord:
    """The part of an issuance anyone holding its code may see."""

    code: str
    kind: str
    title: str
    number: str
    issued_on: date
    channel: str
    channel_label: str
    office: str
    revoked: bool
    revoked_on: date | None
    office_en: str = ""  # the office's English name, for pages in English

    def as_dict(self) -> dict[str, Any]:
        return {
            "verification_code": self.code, "kind": self.kind, "title": self.title, "number": self.number,
            "issued_on": self.issued_on.isoformat(), "channel": self.channel,
            "channel_label": str(self.channel_label), "office": self.office, "revoked": self.revoked,
            "revoked_on": self.revoked_on.isoformat() if self.revoked_on else None,
        }


def public_record(code: str) -> PublicRecord | None:
    normal = normalise_code(code)
    if normal is None:
        return None
    row = (Issuance.objects.filter(verification_code=normal)
           .values("kind", "number", "issued_at", "channel", "office__name_ja", "office__name_en", "status",
                   "revoked_at").first())
    if row is None:
        return None
    revoked = row["status"] == Status.REVOKED or row["revoked_at"] is not None
    return PublicRecord(
        code=normal, kind=row["kind"], title=TITLES.get(CertificateKind(row["kind"]), row["kind"]),
        number=row["number"], issued_on=timezone.localdate(row["issued_at"]), channel=row["channel"],
        channel_label=str(Channel(row["channel"]).label), office=row["office__name_ja"] or "", revoked=revoked,
        revoked_on=timezone.localdate(row["revoked_at"]) if row["revoked_at"] else None,
        office_en=row["office__name_en"] or "",
    )


class Verdict(StrEnum):
    GENUINE = "genuine"  # 本物です
    REVOKED = "revoked"  # 失効しています
    TAMPERED = "tampered"  # 改ざんされています
    OTHER_CERTIFICATE = "other_certificate"  # a genuine document, but not the one with this code
    NOT_WARD = "not_ward"  # no signature, or not the ward's key
    UNKNOWN = "unknown"  # signed by the ward, but no issuance with this code here
    UNREADABLE = "unreadable"  # not a PDF


HEADLINES = {
    Verdict.GENUINE: _("本物です"),
    Verdict.REVOKED: _("失効しています"),
    Verdict.TAMPERED: _("改ざんされています"),
    Verdict.OTHER_CERTIFICATE: _("この検証コードの証明書ではありません"),
    Verdict.NOT_WARD: _("区が発行した証明書ではありません"),
    Verdict.UNKNOWN: _("発行の記録が見つかりません"),
    Verdict.UNREADABLE: _("PDFとして読み取れません"),
}

EXPLANATIONS = {
    Verdict.GENUINE: _("区の電子署名があり、発行したときの内容から一切変更されていません。"),
    Verdict.REVOKED: _("この証明書は区が失効させました。証明書としては使えません。"),
    Verdict.TAMPERED: _("発行後に内容が書き換えられています。この証明書は使えません。"),
    Verdict.OTHER_CERTIFICATE: _(
        "区が発行した証明書ですが、検証コードが異なります。証明書に印字された検証コードで確認してください。"),
    Verdict.NOT_WARD: _("区の電子署名がないか、区以外の鍵で署名されています。"),
    Verdict.UNKNOWN: _(
        "区の電子署名はありますが、この検証コードの発行記録がありません。区民事務所にお問い合わせください。"),
    Verdict.UNREADABLE: _("ファイルが壊れているか、PDFではありません。"),
}


@dataclass(frozen=True)
class PdfCheck:
    verdict: Verdict
    signature_problem: str | None
    signed_at: datetime | None

    @property
    def genuine(self) -> bool:
        return self.verdict == Verdict.GENUINE

    @property
    def headline(self) -> StrOrPromise:
        return HEADLINES[self.verdict]

    @property
    def explanation(self) -> StrOrPromise:
        return EXPLANATIONS[self.verdict]

    def as_dict(self) -> dict[str, Any]:
        return {"verdict": str(self.verdict), "genuine": self.genuine, "headline": str(self.headline),
                "message": str(self.explanation), "signature_problem": self.signature_problem}


def check_pdf(code: str, pdf: bytes) -> PdfCheck:
    """Is ``pdf`` the genuine, unrevoked certificate with verification code ``code``?"""
    result = verify_pdf(pdf)
    signed_at = result.signing_time
    if result.problem == "unreadable":
        return PdfCheck(Verdict.UNREADABLE, result.problem, None)
    if result.problem in ("unsigned", "foreign_key"):
        return PdfCheck(Verdict.NOT_WARD, result.problem, signed_at)
    if result.problem is not None:  # tampered, modified, several signatures
        return PdfCheck(Verdict.TAMPERED, result.problem, signed_at)
    normal = normalise_code(code)
    if normal is None or result.verification_code != normal:
        return PdfCheck(Verdict.OTHER_CERTIFICATE, None, signed_at)
    row = Issuance.objects.filter(verification_code=normal).values("pdf_sha256", "status", "revoked_at").first()
    if row is None:
        return PdfCheck(Verdict.UNKNOWN, None, signed_at)
    if hashlib.sha256(pdf).hexdigest() != row["pdf_sha256"]:
        # Validly signed with this code, yet not the file the ward issued: re-signed or replaced.
        return PdfCheck(Verdict.TAMPERED, "digest_mismatch", signed_at)
    if row["status"] == Status.REVOKED or row["revoked_at"] is not None:
        return PdfCheck(Verdict.REVOKED, None, signed_at)
    return PdfCheck(Verdict.GENUINE, None, signed_at)


# A simple per-address budget for the public verification routes (cache counter per window).
RATE_LIMIT = 60  # requests
RATE_WINDOW = 600  # seconds


def over_rate_limit(address: str, *, now: float | None = None) -> bool:
    """Count one request from ``address``; True when it exceeds the budget of the current window."""
    now = timezone.now().timestamp() if now is None else now
    key = f"certificates:verify:{address}:{int(now // RATE_WINDOW)}"
    if cache.add(key, 1, RATE_WINDOW + 5):
        return False
    try:
        return cache.incr(key) > RATE_LIMIT
    except ValueError:  # expired between add and incr
        cache.add(key, 1, RATE_WINDOW + 5)
        return False
