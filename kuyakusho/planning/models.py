"""Saved simulation runs: what was asked (the scenario), the full input the simulator ran on, its seed and its
result, so that any result can be reproduced exactly (``simulation.simulate(SimulationInput.from_json(inputs),
seed=seed)``). Aggregates only: no run holds a person."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RunKind(models.TextChoices):
    SIMULATION = "simulation", _("シミュレーション")
    RECOMMENDATION = "recommendation", _("窓口数の推奨")


class SimulationRun(models.Model):
    kind = models.CharField(_("種別"), max_length=16, choices=RunKind.choices, default=RunKind.SIMULATION)
    name = models.CharField(_("名前"), max_length=100)
    scenario = models.JSONField(_("シナリオ"))
    inputs = models.JSONField(_("入力"))
    seed = models.BigIntegerField(_("乱数の種"))
    results = models.JSONField(_("結果"))
    elapsed_ms = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(kind__in=RunKind.values),
                                              name="planning_run_kind_valid")]
        verbose_name = _("シミュレーション")
        verbose_name_plural = _("シミュレーション")

    def __str__(self) -> str:
        return self.name
