"""What a certificate says: plain, immutable data, the same shape for every certificate type.

A document is a title, optional header items (住所, 世帯主), sections (one per person, or one per table of
amounts), the attestation (認証文), the issue date, number and channel, the mayor's name and seal, and a
verification code whose URL the QR code carries. The renderer knows nothing about residents or taxes; the
issuer and the mayor's title default to the ward's profile (:func:`kuyakusho.core.ward.ward`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from kuyakusho.core.ward import ward


class CertificateKind(StrEnum):
    JUMINHYO = "juminhyo"  # 住民票の写し
    JUMINHYO_KISAI = "juminhyo_kisai"  # 住民票記載事項証明書
    JOHYO = "johyo"  # 除票の写し
    INKAN = "inkan"  # 印鑑登録証明書
    KAZEI = "kazei"  # 課税証明書
    HIKAZEI = "hikazei"  # 非課税証明書
    NOZEI = "nozei"  # 納税証明書
    TENSHUTSU = "tenshutsu"  # 転出証明書


TITLES: dict[str, str] = {
    CertificateKind.JUMINHYO: "住民票の写し",
    CertificateKind.JUMINHYO_KISAI: "住民票記載事項証明書",
    CertificateKind.JOHYO: "除票の写し",
    CertificateKind.INKAN: "印鑑登録証明書",
    CertificateKind.KAZEI: "課税証明書",
    CertificateKind.HIKAZEI: "非課税証明書",
    CertificateKind.NOZEI: "納税証明書",
    CertificateKind.TENSHUTSU: "転出証明書",
}

# 認証文: the sentence above the date and the mayor's name.
ATTESTATIONS: dict[CertificateKind, str] = {
    CertificateKind.JUMINHYO: "この写しは、住民票の原本と相違ないことを証明する。",
    CertificateKind.JUMINHYO_KISAI: "上記の事項は、住民票の記載事項と相違ないことを証明する。",
    CertificateKind.JOHYO: "この写しは、除票の原本と相違ないことを証明する。",
    CertificateKind.INKAN: "この写しは、登録されている印影と相違ないことを証明する。",
    CertificateKind.KAZEI: "上記のとおり相違ないことを証明する。",
    CertificateKind.HIKAZEI: "上記の者は、上記の年度の住民税が課されていないことを証明する。",
    CertificateKind.NOZEI: "上記のとおり納付されていることを証明する。",
    CertificateKind.TENSHUTSU: "上記の者は、転出の届出をしたことを証明する。",
}

# The attestation for a copy of the whole household (世帯全員の住民票の写し).
ATTESTATION_WHOLE_HOUSEHOLD = "この写しは、世帯全員の住民票の原本と相違ないことを証明する。"


@dataclass(frozen=True, slots=True)
class Item:
    """One labelled entry. ``wide`` items take a whole row (addresses, history); others pair up two a row."""

    label: str
    value: str
    wide: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """A small table (for example amounts in yen); ``right`` marks the columns aligned right."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    right: tuple[bool, ...] = ()

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError("every table row needs one cell per column")
        if self.right and len(self.right) != len(self.columns):
            raise ValueError("right needs one flag per column")


@dataclass(frozen=True, slots=True)
class Section:
    """A block of the certificate: usually one person. ``image_png`` (a seal impression) shows at the left."""

    heading: str = ""
    items: tuple[Item, ...] = ()
    table: Table | None = None
    image_png: bytes | None = None
    image_label: str = "印影"
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CertificateDocument:
    kind: CertificateKind
    issue_date: date
    issue_number: str
    verification_code: str
    base_url: str
    channel_label: str
    mayor_name: str
    sections: tuple[Section, ...]
    header: tuple[Item, ...] = ()
    title: str = ""
    attestation: str = ""
    notes: tuple[str, ...] = ()
    mayor_title: str = ""  # default: the ward's (東京都練馬区長)
    mayor_seal_png: bytes | None = None  # default: the ward's seal
    issuer: str = ""  # default: the ward's full name (東京都練馬区)
    extra_metadata: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.title:
            object.__setattr__(self, "title", TITLES[self.kind])
        if not self.attestation:
            object.__setattr__(self, "attestation", ATTESTATIONS[self.kind])
        if not self.mayor_title:
            object.__setattr__(self, "mayor_title", ward().mayor_title_ja)
        if not self.issuer:
            object.__setattr__(self, "issuer", ward().full_name_ja)
        if not self.verification_code or not self.verification_code.replace("-", "").isalnum():
            raise ValueError("the verification code must be letters, digits and hyphens")
        if not self.verification_code.isascii():
            raise ValueError("the verification code must be ASCII")

    @property
    def verify_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/verify/{self.verification_code}"


def yen(amount: int) -> str:
    """Integer yen as printed on tax certificates: 1,234,567円."""
    if not isinstance(amount, int):
        raise TypeError("amounts are integer yen")
    return f"{amount:,}円"
