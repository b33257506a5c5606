"""Numbered tickets (番号札) and their one state machine.

    waiting ──call──▶ called ──start──▶ serving ──finish──▶ done
       │                │  ▲ recall        │
       │                ├──absent──▶ absent │
       └──transfer──────┴──────────────────┴──transfer──▶ transferred (a new ticket waits for the
                                                          other service, keeping its place by issue time)

Numbers are per office, per day, per service (``TicketSequence`` is the counter row, locked while a
number is taken); a unique constraint makes a repeated number impossible. A counter holds at most
one called-or-serving ticket, and a ticket is called by a conditional UPDATE, so it can never be
called to two counters.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kuyakusho.offices.models import Counter, Office, Service


class Status(models.TextChoices):
    WAITING = "waiting", _("お待ちください")
    CALLED = "called", _("呼出中")
    SERVING = "serving", _("受付中")
    DONE = "done", _("完了")
    ABSENT = "absent", _("不在")
    TRANSFERRED = "transferred", _("別の業務へ移動")


ACTIVE = (Status.CALLED, Status.SERVING)
FINAL = (Status.DONE, Status.ABSENT, Status.TRANSFERRED)

# The state machine: status → the statuses it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.WAITING: frozenset({Status.CALLED, Status.TRANSFERRED}),
    Status.CALLED: frozenset({Status.CALLED, Status.SERVING, Status.ABSENT, Status.TRANSFERRED}),
    Status.SERVING: frozenset({Status.DONE, Status.TRANSFERRED}),
    Status.DONE: frozenset(),
    Status.ABSENT: frozenset(),
    Status.TRANSFERRED: frozenset(),
}


class Priority(models.TextChoices):
    NONE = "", _("なし")
    PREGNANCY = "pregnancy", _("妊娠中の方")
    DISABILITY = "disability", _("障害のある方")
    APPOINTMENT = "appointment", _("予約の方")


def new_token() -> str:
    return secrets.token_urlsafe(16)


class TicketSequence(models.Model):
    """The last number given out at an office, for a service, on a day (locked while taking one)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "service", "day"], name="ticket_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.office_id}/{self.service_id}/{self.day}: {self.last_number}"


class Ticket(models.Model):
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="tickets")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="tickets")
    day = models.DateField(_("発券日"))
    letter = models.CharField(max_length=1)
    number = models.PositiveIntegerField(_("番号"))
    priority = models.CharField(_("優先"), max_length=16, choices=Priority.choices, blank=True, default="")
    status = models.CharField(_("状態"), max_length=12, choices=Status.choices, default=Status.WAITING)
    counter = models.ForeignKey(Counter, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets")
    token = models.CharField(max_length=32, unique=True, default=new_token)
    transferred_from = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="transferred_to")
    # Timestamps kept for analytics and open data.
    issued_at = models.DateTimeField(_("発券日時"))
    queued_at = models.DateTimeField(help_text="place in the queue: the first ticket's issue time")
    called_at = models.DateTimeField(_("呼出日時"), null=True, blank=True)
    serving_at = models.DateTimeField(_("受付開始日時"), null=True, blank=True)
    done_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    recalls = models.PositiveSmallIntegerField(default=0)
    wait_seconds = models.PositiveIntegerField(null=True, blank=True, help_text="queued_at → first call")
    service_seconds = models.PositiveIntegerField(null=True, blank=True, help_text="first call → done")
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    handled_by = models.ForeignKey("accounts.Staff", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["day", "queued_at", "id"]
        constraints = [
            # Never the same number twice (a transferred ticket keeps its number in the other service).
            models.UniqueConstraint(fields=["office", "service", "day", "number"], condition=Q(transferred_from=None),
                                    name="ticket_unique_number"),
            # A counter serves one ticket at a time.
            models.UniqueConstraint(fields=["counter"], condition=Q(status__in=["called", "serving"]),
                                    name="ticket_one_active_per_counter"),
            models.CheckConstraint(condition=~Q(status__in=["called", "serving"]) | Q(counter__isnull=False),
                                   name="ticket_active_has_counter"),
        ]
        indexes = [
            models.Index(fields=["office", "day", "status"], name="ticket_queue_idx"),
            models.Index(fields=["office", "issued_at"], name="ticket_history_idx"),
        ]
        verbose_name = _("番号札")
        verbose_name_plural = _("番号札")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.letter}-{self.number:03d}"

    @property
    def is_priority(self) -> bool:
        return bool(self.priority)

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS[self.status]
