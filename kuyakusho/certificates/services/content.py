"""What a certificate says, gathered from the register, the seal registry and the tax ledger."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.wareki import format_wareki
from kuyakusho.residents.models import MoveOutCertificate, Resident
from kuyakusho.residents.selectors import history

from ..documents import (
    JuminhyoOptions,
    PersonEntry,
    Section,
    TaxLine,
    juminhyo_header,
    juminhyo_sections,
    moving_out_section,
    seal_section,
    tax_sections,
)
from ..documents.model import ATTESTATION_WHOLE_HOUSEHOLD, CertificateKind, Item
from ..models import Option, TaxRecord

if TYPE_CHECKING:
    from kuyakusho.seals.models import SealRegistration

SEX = {"male": "男", "female": "女"}


def _history_lines(resident: Resident) -> tuple[str, ...]:
    lines = []
    for item in history(resident):
        if item.cancelled:
            continue
        e = item.event
        lines.append(f"{format_wareki(e.moved_on)}　{e.get_kind_display()}（{format_wareki(e.notified_on)}届出）")
    return tuple(lines)


def person_entry(r: Resident, options: set[str]) -> PersonEntry:
    return PersonEntry(
        name=r.name, kana=r.name_kana, birth_date=r.birth_date, sex=SEX.get(r.sex, ""),
        relationship=r.relationship, became_resident_on=r.became_resident_on, address_fixed_on=r.address_since,
        notified_on=r.address_notified_on, previous_address=r.previous_address,
        honseki=r.honseki, hitto=r.hittosha, resident_code=r.resident_code, my_number=r.my_number,
        history=_history_lines(r) if Option.HISTORY in options else (),
        removed_on=r.removed_on if r.status == "removed" else None,
        removal_reason=r.get_removal_reason_display() if r.status == "removed" else "",
    )


def juminhyo_options(options: set[str]) -> JuminhyoOptions:
    return JuminhyoOptions(
        relationship=Option.HEAD in options, honseki=Option.HONSEKI in options,
        resident_code=Option.RESIDENT_CODE in options, my_number=Option.MY_NUMBER in options,
        history=Option.HISTORY in options,
    )


def register_content(kind: str, members: list[Resident], options: set[str],
                     whole_household: bool) -> tuple[tuple[Item, ...], tuple[Section, ...], str]:
    """Header, sections and attestation of 住民票の写し / 記載事項証明書 / 除票の写し."""
    jopts = juminhyo_options(options)
    first = members[0]
    head_name = ""
    if jopts.relationship:
        head_name = next((m.name for m in members if m.is_head), None) or (
            first.household.members.filter(is_head=True).order_by("id").values_list("name", flat=True).first() or "")
    header = juminhyo_header(first.household.address, head_name, jopts)
    sections = juminhyo_sections([person_entry(m, options) for m in members], jopts)
    attestation = ATTESTATION_WHOLE_HOUSEHOLD if (kind == CertificateKind.JUMINHYO and whole_household) else ""
    return header, sections, attestation


def seal_content(resident: Resident, registration: SealRegistration) -> tuple[Section, ...]:
    return (seal_section(name=resident.name, birth_date=resident.birth_date, address=resident.household.address,
                         seal_png=bytes(registration.image_png),
                         registration_number=(card.number if (card := registration.active_card) else "")),)


def tax_content(kind: str, resident: Resident, fiscal_year: int) -> tuple[tuple[Section, ...], str]:
    record = TaxRecord.objects.filter(resident=resident, fiscal_year=fiscal_year).first()
    if record is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("その年度の税の記録がありません。"), field="fiscal_year")
    if kind == CertificateKind.NOZEI:
        lines = [TaxLine("税額", record.assessed), TaxLine("納付済額", record.paid),
                 TaxLine("未納額", max(record.assessed - record.paid, 0))]
        actual = kind
    else:
        actual = CertificateKind.KAZEI if record.assessed else CertificateKind.HIKAZEI
        lines = [TaxLine("総所得金額", record.income), TaxLine("課税標準額", record.taxable_income),
                 TaxLine("特別区民税", record.municipal_tax), TaxLine("都民税", record.prefectural_tax)]
    sections = tax_sections(name=resident.name, address=resident.household.address, fiscal_year=fiscal_year,
                            lines=lines)
    return sections, actual


def moving_out_content(resident: Resident) -> tuple[Section, ...]:
    certificate = (MoveOutCertificate.objects.filter(event__entries__resident=resident,
                                                     event__cancelled_by__isnull=True).order_by("-id").first())
    if certificate is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("転出の届出がありません。"))
    return (moving_out_section(person=person_entry(resident, set()), moved_out_on=certificate.planned_move_on,
                               destination=certificate.destination, notified_on=certificate.issued_on),)


def fiscal_year_default(today: date) -> int:
    """The latest assessed year: a new fiscal year's tax is assessed in June."""
    return today.year if today.month >= 6 else today.year - 1
