from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("職員")
        verbose_name_plural = _("職員")
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="staff_role_valid"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def capabilities(self) -> frozenset[Capability]:
        if not self.is_active:
            return frozenset()
        return ROLE_CAPABILITIES.get(self.role, frozenset())

    def has_capability(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def is_locked(self, now=None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())
