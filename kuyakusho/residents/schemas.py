"""django-ninja schemas of the register API (no ``from __future__ import annotations``: ninja reads them)."""

from datetime import date

from ninja import Schema

from kuyakusho.core.schemas import MyNumber, ResidentCode, Text, WarekiDate

from . import services


class NotifierIn(Schema):
    type: str = "self"
    name: Text(100) = ""
    letter_of_authority: bool = False

    def build(self) -> services.Notifier:
        return services.Notifier(self.type, self.name, self.letter_of_authority)


class AddressIn(Schema):
    town: Text(32)
    chome: int | None = None
    banchi: Text(20)
    go: Text(12) = ""
    katagaki: Text(100) = ""

    def build(self) -> services.Address:
        return services.Address(self.town, self.chome, self.banchi, self.go, self.katagaki)


class PersonIn(Schema):
    name: Text(100)
    name_kana: Text(200)
    birth_date: WarekiDate
    sex: str
    relationship: str
    my_number: MyNumber | None = None
    resident_code: ResidentCode | None = None
    honseki: Text(200) = ""
    hittosha: Text(100) = ""
    nationality: Text(64) = ""
    residence_status: Text(32) = ""
    period_of_stay: Text(16) = ""
    stay_expires_on: WarekiDate | None = None
    residence_card_number: Text(12) = ""

    def build(self) -> services.NewPerson:
        data = self.dict()
        data["my_number"] = data["my_number"] or ""
        data["resident_code"] = data["resident_code"] or ""
        return services.NewPerson(**data)


class MoverIn(Schema):
    resident_id: int
    version: int
    relationship: str = ""

    def build(self) -> services.Mover:
        return services.Mover(self.resident_id, self.version, self.relationship)


class CertificateIn(Schema):
    municipality: Text(64)
    address: Text(136)
    issued_on: WarekiDate
    planned_move_on: WarekiDate


class Common(Schema):
    notifier: NotifierIn = NotifierIn()
    notified_on: WarekiDate | None = None
    reason: Text(400) = ""


class MoveInIn(Common):
    people: list[PersonIn]
    moved_on: WarekiDate
    certificate: CertificateIn
    special: bool = False
    address: AddressIn | None = None
    join_household_id: int | None = None


class AbroadInIn(Common):
    people: list[PersonIn]
    moved_on: WarekiDate
    from_country: Text(64)
    previous_address: Text(128) = ""
    address: AddressIn | None = None
    join_household_id: int | None = None


class MoveWithinIn(Common):
    household_id: int
    movers: list[MoverIn]
    moved_on: WarekiDate
    address: AddressIn | None = None
    join_household_id: int | None = None
    remaining_head_id: int | None = None


class MoveOutIn(Common):
    household_id: int
    movers: list[MoverIn]
    planned_move_on: WarekiDate
    destination: Text(200)
    remaining_head_id: int | None = None


class BirthIn(Common):
    household_id: int
    child: PersonIn


class DeathIn(Common):
    resident_id: int
    version: int
    died_on: WarekiDate
    remaining_head_id: int | None = None


class HeadChangeIn(Common):
    household_id: int
    members: list[MoverIn]
    moved_on: WarekiDate


class SplitIn(Common):
    household_id: int
    movers: list[MoverIn]
    moved_on: WarekiDate
    remaining_head_id: int | None = None


class MergeIn(Common):
    household_id: int
    into_household_id: int
    members: list[MoverIn]
    moved_on: WarekiDate


class CorrectionIn(Schema):
    version: int
    changes: dict[str, str | int | None]
    reason: Text(400)
    corrected_on: WarekiDate | None = None


class CancelIn(Schema):
    reason: Text(400)
    versions: dict[int, int] | None = None


class EventOut(Schema):
    id: int
    receipt_number: str
    kind: str
    kind_label: str
    moved_on: date
    notified_on: date
    late: bool
    resident_ids: list[int]


class SummaryOut(Schema):
    id: int
    name: str
    name_kana: str
    birth_date: date
    sex: str
    address: str
    removed: bool
    removed_on: date | None


class SearchOut(Schema):
    results: list[SummaryOut]
    page: int
    per_page: int
    has_next: bool


class MemberOut(Schema):
    id: int
    name: str
    name_kana: str
    relationship: str
    is_head: bool
    birth_date: date
    version: int


class ResidentOut(Schema):
    id: int
    version: int
    household_id: int
    items: dict
    removed: bool
    members: list[MemberOut]


class HistoryOut(Schema):
    event_id: int
    receipt_number: str
    kind: str
    kind_label: str
    moved_on: date
    notified_on: date
    late: bool
    cancelled: bool
    changes: dict
    snapshot: dict


class HouseholdOut(Schema):
    id: int
    address: str
    established_on: date
    closed_on: date | None
    version: int
    members: list[MemberOut]


class StateOut(Schema):
    on: date
    items: dict | None
    resident: bool
