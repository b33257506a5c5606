"""Abstract models shared by several registers."""

from __future__ import annotations

from django.db import models


class FiscalYearCounter(models.Model):
    """The last serial number used in a fiscal year (one row per year); taken by ``core.statements.next_in_year``."""

    fiscal_year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.fiscal_year}: {self.last}"
