"""住民基本台帳: households, residents and the events (異動) that changed them.

Nothing is deleted or overwritten without an event. ``Resident`` and ``Household`` hold the
*current* state; every change is an ``Event`` (one notification, one 受付番号) with one
``EventEntry`` per affected resident holding the full 住民票 AFTER the event
(``records.make_snapshot``). The state on a past date is the snapshot of the latest
(by entry id = filing order) non-cancelled entry whose event's ``moved_on`` (異動日) is on or
before that date (``selectors.resident_on`` / ``household_on``).

Removal (除票): ``status="removed"`` is set when the removal is *recorded*; ``removed_on`` is the
day it takes effect (転出予定日, 死亡日 …). Until that day the person is still a resident
(``Resident.is_resident_on(d)``: ``status == "active" or d < removed_on``); no daily task is needed.
A household is closed (``closed_on``) when its last member's removal is recorded.

Bulk-creating a consistent register (the synthetic ward) — per household and resident:

1. ``Household``: ``town``/``chome`` from ``addresses.chome_table()`` (chome None for the four towns
   without 丁目), ``banchi`` ("12" or "1234-5"), ``go`` ("1" or ""), ``katagaki`` (方書, may be "");
   call ``records.prepare_household(h)`` (fills ``katagaki_key``); ``established_on``;
   ``closed_on`` None while anyone lives there. ``version`` defaults to 1.
2. ``Resident``: every 住民票 field; ``records.prepare_resident(r)`` fills ``name_key``/``kana_key``.
   Exactly one ``is_head=True`` per open household, with ``relationship="世帯主"``
   (``records.HEAD_RELATIONSHIP``); others use a value of ``records.RELATIONSHIPS``.
   ``resident_code``: 10 random digits + ``core.identifiers.resident_code_check_digit``; ``my_number``:
   11 digits + ``my_number_check_digit`` (or "" if none yet); both unique. Japanese nationals: ``nationality=""``
   and ``honseki``/``hittosha`` set; foreign residents: ``nationality``, ``residence_status`` (a value of
   ``records.RESIDENCE_STATUSES``), ``period_of_stay``/``stay_expires_on`` (blank/None for 永住者 and
   特別永住者), ``residence_card_number`` (e.g. "AB12345678CD", unique), and no 本籍. Removed people
   (除票): ``status="removed"``, ``removed_on``, ``removal_reason`` (``destination`` for 転出), keeping
   their last ``household``/``is_head``/``relationship`` (the 除票 shows them; the one-head constraint
   counts active members only); a household whose members are all removed gets ``closed_on`` = the last
   ``removed_on``. ``version`` 1.
3. ``Event`` per notification, in chronological order (ids must increase with 異動日 for one person):
   ``kind``, ``moved_on``, ``notified_on``, ``notifier_type`` …, and the receipt number as
   ``fiscal_year`` (``core.wareki.fiscal_year(notified_on)``) + ``serial`` (1, 2, … per fiscal year,
   unique together). After bulk_create call ``ReceiptCounter.sync_from_events()`` so that the services
   continue the numbering. Every resident needs at least one event: ``EventKind.INITIAL`` (移行記載),
   ``BIRTH`` or ``MOVE_IN``, dated ``became_resident_on``.
4. ``EventEntry`` per (event, resident): ``household_id``, ``snapshot=records.make_snapshot(resident,
   household, head_name=<the head's name>)`` as it stood AFTER that event (for an earlier address, a
   snapshot with the earlier address fields; ``household_id`` of the household then); ``version`` may
   stay None (services set it to the resident's version after their events).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.db.models.functions import Collate
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.models import FiscalYearCounter

from .addresses import format_address
from .records import HEAD_RELATIONSHIP

if TYPE_CHECKING:
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor
    from django.db.backends.ddl_references import Statement


class PrefixIndex(models.Index):
    """A b-tree index for prefix search and ordering on a folded key (plus ``id``).

    On PostgreSQL the key is indexed ``COLLATE "C"`` (code-point order) so that a range scan
    ``key >= 'タカ' AND key < 'タガ' ORDER BY key, id LIMIT n`` reads only the matches, whatever
    the database's collation; SQLite's default BINARY collation already is code-point order.
    The selectors query with :func:`prefix_filter`.
    """

    def create_sql(self, model: type[models.Model], schema_editor: BaseDatabaseSchemaEditor, using: str = "",
                   **kwargs: Any) -> Statement:
        if schema_editor.connection.vendor == "postgresql" and self.fields:
            key, *rest = self.fields
            collated = models.Index(Collate(key, "C"), *rest, name=self.name)
            return collated.create_sql(model, schema_editor, using=using, **kwargs)
        return super().create_sql(model, schema_editor, using=using, **kwargs)


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Status(models.TextChoices):
    ACTIVE = "active", _("記載")
    REMOVED = "removed", _("消除")


class RemovalReason(models.TextChoices):
    MOVE_OUT = "move_out", _("転出")
    ABROAD_OUT = "abroad_out", _("国外転出")
    DEATH = "death", _("死亡")
    OFFICIO = "officio", _("職権消除")
    CANCELLED = "cancelled", _("記載の取消")


class BecameResidentReason(models.TextChoices):
    MOVE_IN = "move_in", _("転入")
    ABROAD_IN = "abroad_in", _("国外転入")
    BIRTH = "birth", _("出生")
    OFFICIO = "officio", _("職権記載")


class Household(models.Model):
    """世帯: people who live at one address and share a livelihood, with one head (世帯主)."""

    town = models.CharField(_("町名"), max_length=32)
    chome = models.PositiveSmallIntegerField(_("丁目"), null=True, blank=True)
    banchi = models.CharField(_("番地"), max_length=20)
    go = models.CharField(_("号"), max_length=12, blank=True)
    katagaki = models.CharField(_("方書"), max_length=100, blank=True)
    katagaki_key = models.CharField(max_length=100, blank=True, editable=False)
    established_on = models.DateField(_("世帯の成立日"))
    closed_on = models.DateField(_("世帯の消滅日"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("世帯")
        verbose_name_plural = _("世帯")
        indexes = [
            models.Index(fields=["town", "chome", "banchi"], name="res_household_address"),
            PrefixIndex(fields=["katagaki_key", "id"], name="res_household_katagaki"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(town="") & ~Q(banchi=""), name="res_household_address_set"),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("established_on")),
                name="res_household_closed_after_established",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.address}"

    @property
    def address(self) -> str:
        return format_address(self.town, self.chome, self.banchi, self.go, self.katagaki)

    def is_open_on(self, on: date) -> bool:
        return self.established_on <= on and (self.closed_on is None or on < self.closed_on)


class Resident(models.Model):
    """One person's 住民票 (current state). History: ``entries`` (EventEntry)."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members",
                                  verbose_name=_("世帯"), db_index=False)  # see res_resident_household
    is_head = models.BooleanField(_("世帯主"), default=False)
    relationship = models.CharField(_("続柄"), max_length=16)
    name = models.CharField(_("氏名"), max_length=100)
    name_kana = models.CharField(_("フリガナ"), max_length=200)
    name_key = models.CharField(max_length=100, editable=False)
    kana_key = models.CharField(max_length=200, editable=False)
    birth_date = models.DateField(_("生年月日"))
    sex = models.CharField(_("性別"), max_length=8, choices=Sex.choices)
    became_resident_on = models.DateField(_("住民となった年月日"))
    became_resident_reason = models.CharField(_("住民となった事由"), max_length=16,
                                              choices=BecameResidentReason.choices)
    address_since = models.DateField(_("住所を定めた年月日"))
    address_notified_on = models.DateField(_("住所を定めた旨の届出の年月日"), null=True, blank=True)
    previous_address = models.CharField(_("前住所"), max_length=200, blank=True)
    honseki = models.CharField(_("本籍"), max_length=200, blank=True)
    hittosha = models.CharField(_("筆頭者"), max_length=100, blank=True)
    nationality = models.CharField(_("国籍・地域"), max_length=64, blank=True,
                                   help_text=_("日本国籍の人は空欄"))
    residence_status = models.CharField(_("在留資格"), max_length=32, blank=True)
    period_of_stay = models.CharField(_("在留期間"), max_length=16, blank=True)
    stay_expires_on = models.DateField(_("在留期間の満了の日"), null=True, blank=True)
    residence_card_number = models.CharField(_("在留カード等の番号"), max_length=12, blank=True)
    resident_code = models.CharField(_("住民票コード"), max_length=11)
    my_number = models.CharField(_("個人番号"), max_length=12, blank=True)
    status = models.CharField(_("状態"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    removed_on = models.DateField(_("消除日"), null=True, blank=True)
    removal_reason = models.CharField(_("消除の事由"), max_length=16, choices=RemovalReason.choices, blank=True)
    destination = models.CharField(_("転出先"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("住民")
        verbose_name_plural = _("住民")
        indexes = [
            PrefixIndex(fields=["kana_key", "id"], name="res_resident_kana"),
            PrefixIndex(fields=["name_key", "id"], name="res_resident_name"),
            models.Index(fields=["birth_date"], name="res_resident_birth"),
            # Members of a household; with the birth date, planning's count of residents (and of those 65+) per
            # 町丁目 reads this index alone (planning.selectors.count_population).
            models.Index(fields=["household", "status", "birth_date"], name="res_resident_household"),
        ]
        constraints = [
            # Exactly one head per open household: at most one here, at least one kept by the services.
            models.UniqueConstraint(
                fields=["household"], condition=Q(is_head=True, status="active"), name="res_one_head_per_household"
            ),
            models.CheckConstraint(
                condition=(Q(is_head=True, relationship=HEAD_RELATIONSHIP)
                           | (Q(is_head=False) & ~Q(relationship=HEAD_RELATIONSHIP))),
                name="res_head_relationship",
            ),
            # Constraints rather than unique=True: no extra LIKE index on PostgreSQL.
            models.UniqueConstraint(fields=["resident_code"], name="res_resident_code_unique"),
            models.UniqueConstraint(fields=["my_number"], condition=~Q(my_number=""), name="res_my_number_unique"),
            models.UniqueConstraint(
                fields=["residence_card_number"], condition=~Q(residence_card_number=""),
                name="res_residence_card_unique",
            ),
            models.CheckConstraint(condition=Q(nationality="") | Q(honseki="", hittosha=""),
                                   name="res_honseki_japanese_only"),
            models.CheckConstraint(
                condition=Q(nationality="", residence_status="", residence_card_number="")
                | ~Q(nationality=""),
                name="res_residence_status_foreign_only",
            ),
            models.CheckConstraint(
                condition=(Q(status="active", removed_on__isnull=True, removal_reason="")
                           | Q(status="removed", removed_on__isnull=False) & ~Q(removal_reason="")),
                name="res_removal_consistent",
            ),
            models.CheckConstraint(condition=~Q(name="") & ~Q(name_kana=""), name="res_name_set"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.name_kana}）"

    @property
    def is_foreign(self) -> bool:
        return bool(self.nationality)

    def is_resident_on(self, on: date) -> bool:
        """On the register that day: removal not recorded, or recorded with a later effective date."""
        return self.status == Status.ACTIVE or (self.removed_on is not None and on < self.removed_on)

    def is_removed_on(self, on: date) -> bool:
        return not self.is_resident_on(on)


class EventKind(models.TextChoices):
    INITIAL = "initial", _("移行記載")
    MOVE_IN = "move_in", _("転入")
    MOVE_WITHIN = "move_within", _("転居")
    MOVE_OUT = "move_out", _("転出")
    BIRTH = "birth", _("出生")
    DEATH = "death", _("死亡")
    HEAD_CHANGE = "head_change", _("世帯主変更")
    SPLIT = "split", _("世帯分離")
    MERGE = "merge", _("世帯合併")
    ABROAD_IN = "abroad_in", _("国外転入")
    ABROAD_OUT = "abroad_out", _("国外転出")
    CORRECTION = "correction", _("職権修正")
    CANCELLATION = "cancellation", _("取消")


class NotifierType(models.TextChoices):
    SELF = "self", _("本人")
    MEMBER = "member", _("世帯員")
    PROXY = "proxy", _("代理人（委任状）")
    OFFICIO = "officio", _("職権")


class Event(models.Model):
    """異動: one notification (or 職権 action), with its receipt number (受付番号)."""

    kind = models.CharField(_("異動の種類"), max_length=16, choices=EventKind.choices)
    moved_on = models.DateField(_("異動日"))
    notified_on = models.DateField(_("届出日"))
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    serial = models.PositiveIntegerField(_("受付番号"))
    notifier_type = models.CharField(_("届出人"), max_length=8, choices=NotifierType.choices)
    notifier_name = models.CharField(_("届出人の氏名"), max_length=100, blank=True)
    letter_of_authority = models.BooleanField(_("委任状あり"), default=False)
    reason = models.CharField(_("事由"), max_length=400, blank=True)
    late = models.BooleanField(_("届出期間経過"), default=False)
    clerk = models.ForeignKey("accounts.Staff", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("受付職員"))
    office = models.ForeignKey("offices.Office", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("受付場所"))
    cancels = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="cancelled_by", verbose_name=_("取り消す異動"))
    details = models.JSONField(_("届出の詳細"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("異動")
        verbose_name_plural = _("異動")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "serial"], name="res_event_receipt_unique"),
            models.CheckConstraint(
                condition=~Q(notifier_type="proxy") | Q(letter_of_authority=True),
                name="res_event_proxy_has_letter",
            ),
            models.CheckConstraint(
                condition=Q(kind="cancellation", cancels__isnull=False) | Q(~Q(kind="cancellation"),
                                                                           cancels__isnull=True),
                name="res_event_cancels_iff_cancellation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_number} {self.get_kind_display()}"

    @property
    def receipt_number(self) -> str:
        """受付番号: fiscal year and serial, e.g. ``2025-000123``."""
        return f"{self.fiscal_year}-{self.serial:06d}"


class EventEntry(models.Model):
    """One affected resident of an event, with their full 住民票 AFTER it (``records.SNAPSHOT_FIELDS``)."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="entries",
                              db_index=False)  # res_entry_unique (event, resident) serves it
    # Indexed together with id below (history in filing order).
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="entries", db_index=False)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="entries", db_index=False)
    snapshot = models.JSONField()
    #: ``Resident.version`` after this event (None for bulk-loaded history): lets a conflict show
    #: what changed since the version a clerk saw.
    version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("異動の記載")
        verbose_name_plural = _("異動の記載")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["event", "resident"], name="res_entry_unique")]
        indexes = [models.Index(fields=["resident", "id"], name="res_entry_resident"),
                   models.Index(fields=["household", "id"], name="res_entry_household")]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.resident_id}"


class MoveOutCertificate(models.Model):
    """転出証明書 issued with a 転出 (its number is the event's 受付番号; members: the event's entries)."""

    event = models.OneToOneField(Event, on_delete=models.PROTECT, related_name="move_out_certificate")
    issued_on = models.DateField(_("交付日"))
    planned_move_on = models.DateField(_("転出予定日"))
    destination = models.CharField(_("転出先"), max_length=200)

    class Meta:
        verbose_name = _("転出証明書")
        verbose_name_plural = _("転出証明書")

    def __str__(self) -> str:
        return f"転出証明書 {self.event_id}"


class ReceiptCounter(FiscalYearCounter):
    """The last 受付番号 serial used in a fiscal year (one row per year, locked when a number is taken)."""

    class Meta:
        verbose_name = _("受付番号")
        verbose_name_plural = _("受付番号")

    @classmethod
    def sync_from_events(cls) -> None:
        """Set every counter to the highest serial used (after bulk-creating events)."""
        for row in Event.objects.values("fiscal_year").annotate(top=models.Max("serial")):
            cls.objects.update_or_create(fiscal_year=row["fiscal_year"], defaults={"last": row["top"]})
