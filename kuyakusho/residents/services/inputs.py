"""What a clerk (or the API) hands to the notification services, and its validation."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.identifiers import validate_my_number, validate_resident_code
from kuyakusho.core.text import check_text, is_katakana_reading, to_katakana

from .. import records
from ..addresses import validate_address
from ..models import NotifierType, Sex

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_CARD_NUMBER = re.compile(r"[A-Z]{2}[0-9]{8}[A-Z]{2}", re.ASCII)


@dataclass(frozen=True)
class Notifier:
    """届出人: the person, a household member, a proxy with a letter of authority, or 職権."""

    type: str = NotifierType.SELF
    name: str = ""
    letter_of_authority: bool = False


@dataclass(frozen=True)
class Address:
    town: str
    chome: int | None
    banchi: str
    go: str = ""
    katagaki: str = ""


@dataclass(frozen=True)
class NewPerson:
    """A person entered in the register (転入, 国外転入, 出生)."""

    name: str
    name_kana: str
    birth_date: date
    sex: str
    relationship: str
    my_number: str = ""
    resident_code: str = ""
    honseki: str = ""
    hittosha: str = ""
    nationality: str = ""
    residence_status: str = ""
    period_of_stay: str = ""
    stay_expires_on: date | None = None
    residence_card_number: str = ""


@dataclass(frozen=True)
class Mover:
    """A member taking part in a move or a household change; ``version`` is the one the clerk saw.

    ``relationship`` is the 続柄 in the destination household ("" keeps the current one).
    """

    resident_id: int
    version: int
    relationship: str = ""


@dataclass(frozen=True)
class TransferCertificate:
    """The 転出証明書 brought to a 転入 (or, for 特例転入, the 転出届 details the old municipality sent)."""

    municipality: str
    address: str
    issued_on: date
    planned_move_on: date


def _required_text(value: str, *, field: str, max_length: int, message: StrOrPromise) -> str:
    cleaned = check_text(value or "", field=field, max_length=max_length)
    if not cleaned:
        raise ApplicationError(ErrorCode.INVALID_INPUT, message, field=field)
    return cleaned


def clean_name(value: str, *, field: str = "name") -> str:
    return _required_text(value, field=field, max_length=100, message=_("氏名を入力してください。"))


def clean_kana(value: str, *, field: str = "name_kana") -> str:
    cleaned = _required_text(value, field=field, max_length=200, message=_("フリガナを入力してください。"))
    if not is_katakana_reading(cleaned):
        raise ApplicationError(
            ErrorCode.INVALID_INPUT, _("フリガナはカタカナで入力してください（漢字や英字は使えません）。"), field=field
        )
    return to_katakana(cleaned)


def clean_relationship(value: str, *, field: str = "relationship") -> str:
    value = (value or "").strip()
    if value not in records.RELATIONSHIPS:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("続柄を一覧から選んでください。"), field=field)
    return value


def clean_sex(value: str, *, field: str = "sex") -> str:
    if value not in Sex.values:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("性別を選んでください。"), field=field)
    return value


def clean_birth_date(value: date, *, today: date, field: str = "birth_date") -> date:
    if value > today:
        raise ApplicationError(ErrorCode.INVALID_DATE, _("生年月日が未来の日付です。"), field=field)
    if value.year < 1880:
        raise ApplicationError(ErrorCode.INVALID_DATE, _("生年月日が古すぎます。確かめてください。"), field=field)
    return value


def clean_notifier(notifier: Notifier) -> Notifier:
    if notifier.type not in NotifierType.values:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("届出人の種類を選んでください。"), field="notifier_type")
    name = check_text(notifier.name or "", field="notifier_name", max_length=100)
    if notifier.type in (NotifierType.MEMBER, NotifierType.PROXY) and not name:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("届出人の氏名を入力してください。"), field="notifier_name")
    if notifier.type == NotifierType.PROXY and not notifier.letter_of_authority:
        raise ApplicationError(
            ErrorCode.REFUSED, _("代理人による届出には委任状が必要です。"), field="letter_of_authority"
        )
    return Notifier(notifier.type, name, notifier.type == NotifierType.PROXY)


def clean_address(address: Address) -> dict[str, Any]:
    return validate_address(town=address.town, chome=address.chome, banchi=address.banchi, go=address.go,
                            katagaki=address.katagaki)


def clean_foreign_items(data: dict[str, Any], *, prefix: str = "") -> dict[str, Any]:
    """Nationality, 在留資格, period of stay and card number of a foreign resident (blank for nationals)."""
    nationality = check_text(data.get("nationality") or "", field=f"{prefix}nationality", max_length=64)
    if not nationality:
        for key in ("residence_status", "period_of_stay", "residence_card_number"):
            if data.get(key):
                raise ApplicationError(ErrorCode.INVALID_INPUT, _("在留資格などは外国人住民にだけ記載します。"),
                                       field=f"{prefix}nationality")
        if data.get("stay_expires_on"):
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("在留資格などは外国人住民にだけ記載します。"),
                                   field=f"{prefix}nationality")
        return {"nationality": "", "residence_status": "", "period_of_stay": "", "stay_expires_on": None,
                "residence_card_number": ""}
    status = (data.get("residence_status") or "").strip()
    if status not in records.RESIDENCE_STATUSES:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("在留資格を一覧から選んでください。"),
                               field=f"{prefix}residence_status")
    period = check_text(data.get("period_of_stay") or "", field=f"{prefix}period_of_stay", max_length=16)
    expires = data.get("stay_expires_on")
    if status in records.UNLIMITED_STATUSES:
        period, expires = "", None
    elif not expires:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("在留期間の満了の日を入力してください。"),
                               field=f"{prefix}stay_expires_on")
    card = unicodedata.normalize("NFKC", data.get("residence_card_number") or "").replace(" ", "").upper()
    if card and not _CARD_NUMBER.fullmatch(card):
        raise ApplicationError(ErrorCode.INVALID_INPUT,
                               _("在留カード等の番号は英字2桁・数字8桁・英字2桁で入力してください。"),
                               field=f"{prefix}residence_card_number")
    if not card and status not in ("出生による経過滞在", "国籍喪失による経過滞在"):
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("在留カード等の番号を入力してください。"),
                               field=f"{prefix}residence_card_number")
    return {"nationality": nationality, "residence_status": status, "period_of_stay": period,
            "stay_expires_on": expires, "residence_card_number": card}


def clean_person(person: NewPerson, *, today: date, prefix: str = "") -> dict[str, Any]:
    """The fields of a new resident, validated; errors name ``{prefix}{field}``."""
    data = {
        "name": clean_name(person.name, field=f"{prefix}name"),
        "name_kana": clean_kana(person.name_kana, field=f"{prefix}name_kana"),
        "birth_date": clean_birth_date(person.birth_date, today=today, field=f"{prefix}birth_date"),
        "sex": clean_sex(person.sex, field=f"{prefix}sex"),
        "relationship": clean_relationship(person.relationship, field=f"{prefix}relationship"),
        "my_number": validate_my_number(person.my_number, field=f"{prefix}my_number") if person.my_number else "",
        "resident_code": (validate_resident_code(person.resident_code, field=f"{prefix}resident_code")
                          if person.resident_code else ""),
    }
    data.update(clean_foreign_items(vars(person), prefix=prefix))
    if data["nationality"]:
        if person.honseki or person.hittosha:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("本籍・筆頭者は日本国籍の人にだけ記載します。"),
                                   field=f"{prefix}honseki")
        data.update(honseki="", hittosha="")
    else:
        data["honseki"] = check_text(person.honseki or "", field=f"{prefix}honseki", max_length=200)
        data["hittosha"] = check_text(person.hittosha or "", field=f"{prefix}hittosha", max_length=100)
    return data
