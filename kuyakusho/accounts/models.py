from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.actors import ActorKind

from .capabilities import ROLE_CAPABILITIES, Capability, Role


class Staff(AbstractUser):
    """A member of the ward's staff. Residents never log in here."""

    role = models.CharField(_("役割"), max_length=16, choices=Role.choices, default=Role.CLERK)
    display_name = models.CharField(_("表示名"), max_length=64, blank=True)
    offices = models.ManyToManyField(
        "offices.Office",
        blank=True,
        related_name="staff",
        verbose_name=_("勤務する事務所"),
        help_text=_("空欄なら全事務所で勤務できます。"),
    )

    class Meta:
        verbose_name = _("職員")
        verbose_name_plural = _("職員")
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="staff_role_valid"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    actor_kind = ActorKind.STAFF  # kuyakusho.core.actors: what this actor is

    @property
    def actor_label(self) -> str:
        return self.username

    @property
    def capabilities(self) -> frozenset[Capability]:
        if not self.is_active:
            return frozenset()
        return ROLE_CAPABILITIES.get(self.role, frozenset())

    def has_capability(self, capability: Capability) -> bool:
        return capability in self.capabilities


class TerminalKind(models.TextChoices):
    KIOSK = "kiosk", _("自動交付機")
    KONBINI = "konbini", _("コンビニのマルチコピー機")
    POST_OFFICE = "post_office", _("郵便局の端末")
    TICKET_MACHINE = "ticket_machine", _("発券機")


class Terminal(models.Model):
    """A device that calls the API on its own (a kiosk, a store's multi-function printer, a post office).

    It authenticates with a bearer token; only the token's SHA-256 is stored (the token itself is
    shown once, when the terminal is registered).
    """

    code = models.SlugField(_("端末コード"), max_length=64, unique=True)
    kind = models.CharField(_("種類"), max_length=16, choices=TerminalKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="terminals", verbose_name=_("設置場所の事務所"))
    token_sha256 = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(_("有効"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("端末")
        verbose_name_plural = _("端末")

    def __str__(self) -> str:
        return self.code

    is_authenticated = True  # lets request.auth stand in for a user in checks

    actor_kind = ActorKind.TERMINAL  # kuyakusho.core.actors: what this actor is

    @property
    def actor_label(self) -> str:
        return f"terminal:{self.code}"
