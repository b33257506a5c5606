"""Public facilities (公共施設): kinds and their rules, facilities, rooms, fees, closures; registrants
(利用者登録); the monthly lottery (抽選); bookings.

A *slot* is one fixed unit of a room on one day (``period``: 午前/午後/夜間, or an hour, as the room's
``scheme`` says; :mod:`kuyakusho.facilities.slots`). Double booking is refused by the database:

* everywhere, a partial unique constraint: one live booking per (room, date, period);
* on PostgreSQL also an exclusion constraint (``btree_gist``): no two live bookings of one room whose time
  ranges overlap (migration 0002, which does nothing on SQLite).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.models import FiscalYearCounter
from kuyakusho.offices.models import Schedule


class Named(models.Model):
    name_ja = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英語名称"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name_ja

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" and self.name_en else self.name_ja


class Stage(models.TextChoices):
    """Priority stages of a lottery: registered ward groups first, then everyone."""

    WARD_GROUP = "ward_group", _("区内団体")
    EVERYONE = "everyone", _("一般")


class FacilityKind(Named):
    """A kind of facility (地区区民館, テニスコート …) and the rules every facility of the kind follows."""

    code = models.SlugField(_("コード"), max_length=32, unique=True)
    groups_only = models.BooleanField(_("団体のみ利用可"), default=False)
    ward_only = models.BooleanField(_("区内の利用者のみ"), default=False,
                                    help_text=_("区外の利用者は抽選・予約できません。"))
    min_group_size = models.PositiveSmallIntegerField(_("団体の最少人数"), default=1)
    min_ward_share = models.PositiveSmallIntegerField(_("区内在住・在勤の割合（％）"), default=0)
    representative_min_age = models.PositiveSmallIntegerField(_("代表者の最低年齢"), default=18)
    senior_waiver = models.BooleanField(_("75歳以上が半数以上の団体は使用料免除"), default=False)
    # The lottery
    lottery = models.BooleanField(_("抽選あり"), default=True)
    months_ahead = models.PositiveSmallIntegerField(_("何か月先の抽選か"), default=2)
    window_first_day = models.PositiveSmallIntegerField(_("申込期間の初日"), default=1)
    window_last_day = models.PositiveSmallIntegerField(_("申込期間の最終日"), default=10)
    cap_per_month = models.PositiveSmallIntegerField(_("1か月の申込上限"), default=10)
    one_win_per_period = models.BooleanField(_("同じ日時の当選は1件まで"), default=True)
    stages = models.JSONField(_("優先順位"), default=list,
                              help_text=_("例：[\"ward_group\", \"everyone\"]（区内団体を先に）"))
    confirm_days = models.PositiveSmallIntegerField(_("当選確認の期限（日）"), default=7)
    pay_days = models.PositiveSmallIntegerField(_("仮予約の支払期限（日）"), default=14)
    refund_full_days = models.PositiveSmallIntegerField(_("全額還付できる利用日の何日前まで"), default=7)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("施設の種類")
        constraints = [
            models.CheckConstraint(condition=Q(window_first_day__gte=1, window_last_day__lte=28,
                                               window_first_day__lte=models.F("window_last_day")),
                                   name="facility_kind_window_valid"),
            models.CheckConstraint(condition=Q(min_ward_share__lte=100), name="facility_kind_share_percent"),
            models.CheckConstraint(condition=Q(months_ahead__gte=1, months_ahead__lte=6),
                                   name="facility_kind_months_ahead"),
        ]


class Facility(Named):
    """A facility, with the columns of the 自治体標準オープンデータセット「公共施設一覧」."""

    code = models.CharField(_("ID"), max_length=32, unique=True)
    kind = models.ForeignKey(FacilityKind, on_delete=models.PROTECT, related_name="facilities",
                             verbose_name=_("種類"))
    kana = models.CharField(_("名称_カナ"), max_length=200)
    area = models.CharField(_("地区"), max_length=32)
    address = models.CharField(_("所在地_連結表記"), max_length=200)
    postal_code = models.CharField(_("郵便番号"), max_length=8, blank=True)
    latitude = models.DecimalField(_("緯度"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("経度"), max_digits=9, decimal_places=6)
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    floors = models.CharField(_("階数"), max_length=16, blank=True)
    floor_area = models.PositiveIntegerField(_("延床面積（㎡）"), null=True, blank=True)
    barrier_free_ja = models.TextField(_("バリアフリー情報"), blank=True)
    barrier_free_en = models.TextField(_("英語：バリアフリー情報"), blank=True)
    url = models.URLField(_("URL"), blank=True)
    schedule = models.ForeignKey(Schedule, on_delete=models.PROTECT, related_name="facilities",
                                 verbose_name=_("利用時間の区分"))
    is_active = models.BooleanField(_("公開"), default=True)

    class Meta:
        ordering = ["kind__sort_order", "code"]
        verbose_name = _("施設")
        indexes = [models.Index(fields=["kind", "area"], name="facility_kind_area_idx")]


class Room(Named):
    """A room, hall or court of a facility."""

    class Scheme(models.TextChoices):
        PERIODS = "periods", _("午前・午後・夜間")
        HOURLY = "hourly", _("1時間単位")
        COURT = "court", _("2時間単位")

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="rooms")
    code = models.SlugField(max_length=32)
    capacity = models.PositiveSmallIntegerField(_("定員"))
    floor_area = models.PositiveSmallIntegerField(_("面積（㎡）"), null=True, blank=True)
    equipment_ja = models.CharField(_("設備"), max_length=200, blank=True)
    equipment_en = models.CharField(_("英語：設備"), max_length=200, blank=True)
    scheme = models.CharField(_("利用区分"), max_length=8, choices=Scheme.choices, default=Scheme.PERIODS)
    sort_order = models.PositiveSmallIntegerField(default=0)
    # A retired room (廃止) keeps its past bookings but is no longer shown or let.
    is_active = models.BooleanField(_("利用可"), default=True)

    class Meta:
        ordering = ["facility", "sort_order", "code"]
        verbose_name = _("部屋")
        constraints = [models.UniqueConstraint(fields=["facility", "code"], name="facility_room_code_unique")]

    @property
    def equipment(self) -> str:
        return self.equipment_en if translation.get_language() == "en" and self.equipment_en else self.equipment_ja


class Fee(models.Model):
    """The fee of one slot of a room (integer yen): resident, registered group and non-resident rates."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="fees")
    period = models.CharField(_("区分"), max_length=8)
    resident = models.PositiveIntegerField(_("区民"))
    group = models.PositiveIntegerField(_("登録団体"))
    nonresident = models.PositiveIntegerField(_("区外"))

    class Meta:
        verbose_name = _("使用料")
        constraints = [models.UniqueConstraint(fields=["room", "period"], name="facility_fee_one_per_period")]

    def __str__(self) -> str:
        return f"{self.room_id}:{self.period}"


class Closure(models.Model):
    """A maintenance closure (or a ward event) of a facility or one of its rooms."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="closures")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, null=True, blank=True, related_name="closures")
    date_from = models.DateField(_("開始日"))
    date_to = models.DateField(_("終了日"))
    reason_ja = models.CharField(_("理由"), max_length=100)
    reason_en = models.CharField(_("英語の理由"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date_from"]
        verbose_name = _("休館")
        constraints = [models.CheckConstraint(condition=Q(date_from__lte=models.F("date_to")),
                                              name="facility_closure_ordered")]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.date_from}–{self.date_to}"

    @property
    def reason(self) -> str:
        return self.reason_en if translation.get_language() == "en" and self.reason_en else self.reason_ja


class Registrant(models.Model):
    """A registered user (利用者登録): a person or a group, each with one ID. A person may represent several
    groups; a portal account registers itself as a person once."""

    class Kind(models.TextChoices):
        PERSON = "person", _("個人")
        GROUP = "group", _("団体")

    class Status(models.TextChoices):
        PENDING = "pending", _("審査中")
        APPROVED = "approved", _("承認")
        REJECTED = "rejected", _("不承認")

    class Check(models.TextChoices):
        CARD = "card", _("マイナンバーカード")
        COUNTER = "counter", _("窓口")
        NONE = "none", _("未確認")

    number = models.CharField(_("利用者番号"), max_length=12, unique=True)
    kind = models.CharField(_("種別"), max_length=8, choices=Kind.choices)
    account = models.ForeignKey("identity.PortalAccount", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称・氏名"), max_length=100)
    kana = models.CharField(_("フリガナ"), max_length=100)
    activity = models.CharField(_("活動内容"), max_length=200, blank=True)
    member_count = models.PositiveSmallIntegerField(_("構成員数"), default=1)
    ward_member_count = models.PositiveSmallIntegerField(_("区内在住・在勤の人数"), default=0)
    senior_member_count = models.PositiveSmallIntegerField(_("75歳以上の人数"), default=0)
    representative_name = models.CharField(_("代表者氏名"), max_length=100)
    representative_birth_date = models.DateField(_("代表者の生年月日"))
    representative_in_ward = models.BooleanField(_("代表者が区内在住・在勤"), default=False)
    phone = models.CharField(_("連絡先電話番号"), max_length=20)
    email = models.EmailField(_("連絡先メールアドレス"), blank=True)
    identity_check = models.CharField(_("本人確認"), max_length=8, choices=Check.choices, default=Check.NONE)
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.PENDING)
    review_reason = models.CharField(_("審査の理由"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey("accounts.Staff", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("利用者登録")
        constraints = [
            models.UniqueConstraint(fields=["account"], condition=Q(kind="person"),
                                    name="facility_registrant_one_person_per_account"),
            models.CheckConstraint(condition=Q(ward_member_count__lte=models.F("member_count"),
                                               senior_member_count__lte=models.F("member_count"),
                                               member_count__gte=1),
                                   name="facility_registrant_counts_consistent"),
            models.CheckConstraint(condition=Q(status__in=["pending", "approved", "rejected"]),
                                   name="facility_registrant_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="facility_registrant_status_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_ward(self) -> bool:
        """A ward registrant: a person living or working in the ward, or a group with half its members so."""
        if self.kind == self.Kind.PERSON:
            return self.representative_in_ward
        return self.ward_member_count * 2 >= self.member_count


class LotteryRound(models.Model):
    """The lottery of one month's slots of one facility kind.

    The seed is fixed before the window closes: ``seed_sources`` names public numbers to be announced later
    (RFC 3797); once they are known, staff enter them as ``seed_values`` and the key is derived from them alone.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("受付中")
        DRAWN = "drawn", _("抽選済")

    kind = models.ForeignKey(FacilityKind, on_delete=models.PROTECT, related_name="rounds")
    month = models.DateField(_("利用月"))  # the first day of the month whose slots are drawn
    window_opens = models.DateField(_("申込開始日"))
    window_closes = models.DateField(_("申込締切日"))
    draw_on = models.DateField(_("抽選日"))
    seed_sources = models.TextField(_("乱数の元（公表済）"))
    seed_values = models.TextField(_("乱数の元の値"), blank=True)
    seed_key = models.CharField(max_length=200, blank=True)  # RFC 3797's canonical key string
    status = models.CharField(_("状態"), max_length=8, choices=Status.choices, default=Status.OPEN)
    drawn_at = models.DateTimeField(null=True, blank=True)
    confirm_deadline = models.DateField(_("当選確認の期限"), null=True, blank=True)
    result_digest = models.CharField(max_length=64, blank=True)  # SHA-256 of the winners and substitutes
    published = models.JSONField(default=dict, blank=True)  # the published, pseudonymised applications

    class Meta:
        ordering = ["-month", "kind"]
        verbose_name = _("抽選")
        constraints = [
            models.UniqueConstraint(fields=["kind", "month"], name="facility_one_round_per_kind_month"),
            models.CheckConstraint(condition=Q(window_opens__lte=models.F("window_closes"),
                                               window_closes__lt=models.F("draw_on")),
                                   name="facility_round_dates_ordered"),
            models.CheckConstraint(condition=Q(status="open") | Q(drawn_at__isnull=False, result_digest__gt=""),
                                   name="facility_round_drawn_has_result"),
        ]

    def __str__(self) -> str:
        return f"{self.kind.code} {self.month:%Y-%m}"


class Application(models.Model):
    """One lottery application: a registrant asks for one slot."""

    round = models.ForeignKey(LotteryRound, on_delete=models.PROTECT, related_name="applications")
    registrant = models.ForeignKey(Registrant, on_delete=models.PROTECT, related_name="applications")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="applications")
    date = models.DateField(_("利用日"))
    period = models.CharField(_("区分"), max_length=8)
    stage = models.CharField(_("優先順位"), max_length=12, choices=Stage.choices)
    attendees = models.PositiveSmallIntegerField(_("利用人数"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "room", "period", "id"]
        verbose_name = _("抽選の申込")
        constraints = [
            models.UniqueConstraint(fields=["registrant", "room", "date", "period"],
                                    name="facility_application_once_per_slot"),
        ]
        indexes = [models.Index(fields=["round", "registrant"], name="facility_application_round_idx")]

    def __str__(self) -> str:
        return f"{self.room_id} {self.date} {self.period}"


class DrawEntry(models.Model):
    """An application's result: the winner (rank 0) or a ranked substitute (補欠), and what became of it."""

    class Outcome(models.TextChoices):
        WON = "won", _("当選")
        SUBSTITUTE = "substitute", _("補欠")
        EXCLUDED = "excluded", _("対象外")

    class State(models.TextChoices):
        WAITING = "waiting", _("確認待ち")
        CONFIRMED = "confirmed", _("確認済")
        LAPSED = "lapsed", _("期限切れ")
        DECLINED = "declined", _("辞退")
        NONE = "", "—"

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="entry")
    round = models.ForeignKey(LotteryRound, on_delete=models.PROTECT, related_name="entries")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    rank = models.PositiveIntegerField()  # 0: the winner; 1, 2 …: substitutes in order
    state = models.CharField(max_length=10, choices=State.choices, blank=True)
    confirm_by = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "application"], name="facility_entry_once"),
            models.CheckConstraint(condition=Q(outcome="won", rank=0) | ~Q(outcome="won"),
                                   name="facility_entry_winner_rank_zero"),
        ]
        indexes = [models.Index(fields=["round", "outcome", "state"], name="facility_entry_state_idx")]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.outcome} {self.rank}"


LIVE = ("provisional", "confirmed")


class Booking(models.Model):
    """A booking of one slot: 仮予約 (provisional, unpaid) → 本予約 (confirmed, paid or free)."""

    class Status(models.TextChoices):
        PROVISIONAL = "provisional", _("仮予約")
        CONFIRMED = "confirmed", _("本予約")
        CANCELLED = "cancelled", _("取消")
        LAPSED = "lapsed", _("失効")

    class Source(models.TextChoices):
        LOTTERY = "lottery", _("抽選")
        FIRST_COME = "first_come", _("先着")
        STAFF = "staff", _("区の行事")

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="bookings")
    date = models.DateField(_("利用日"))
    period = models.CharField(_("区分"), max_length=8)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    registrant = models.ForeignKey(Registrant, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="bookings")
    purpose = models.CharField(_("利用目的"), max_length=100, blank=True)
    attendees = models.PositiveSmallIntegerField(_("利用人数"), default=1)
    status = models.CharField(_("状態"), max_length=12, choices=Status.choices)
    source = models.CharField(_("受付方法"), max_length=12, choices=Source.choices)
    entry = models.OneToOneField(DrawEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="booking")
    fee = models.PositiveIntegerField(_("使用料（円）"))
    pay_by = models.DateField(_("支払期限"), null=True, blank=True)
    bill_id = models.BigIntegerField(null=True, blank=True)  # payments.Bill, through payments.selectors
    permit_number = models.CharField(_("許可番号"), max_length=20, blank=True)
    permit_code = models.CharField(max_length=40, blank=True)  # the verification code on the 利用許可書
    no_show = models.BooleanField(_("無断不使用"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "starts_at", "room"]
        verbose_name = _("予約")
        constraints = [
            # The guarantee on every database: one live booking per room and slot.
            models.UniqueConstraint(fields=["room", "date", "period"], condition=Q(status__in=LIVE),
                                    name="facility_booking_one_per_slot"),
            models.CheckConstraint(condition=Q(starts_at__lt=models.F("ends_at")),
                                   name="facility_booking_time_ordered"),
            models.CheckConstraint(condition=Q(status__in=["provisional", "confirmed", "cancelled", "lapsed"]),
                                   name="facility_booking_status_valid"),
            models.CheckConstraint(condition=Q(source="staff") | Q(registrant__isnull=False),
                                   name="facility_booking_has_registrant"),
        ]
        indexes = [
            models.Index(fields=["room", "date"], name="facility_booking_room_date"),
            models.Index(fields=["status", "pay_by"], name="facility_booking_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.room_id} {self.date} {self.period} {self.status}"


class PermitCounter(FiscalYearCounter):
    """The last 利用許可書 number of each fiscal year."""


class Notice(models.Model):
    """An in-site notice to a registrant (lottery results, lapses, closures), mailed after commit when an
    address is known."""

    registrant = models.ForeignKey(Registrant, on_delete=models.CASCADE, related_name="notices")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["registrant", "created_at"], name="facility_notice_idx")]

    def __str__(self) -> str:
        return f"notice #{self.pk}"
