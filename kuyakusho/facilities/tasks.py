"""Tasks of the facilities area (run by ``manage.py db_worker``)."""

from __future__ import annotations

from django.tasks import task

from .booking import lapse_unpaid
from .services import lapse_unconfirmed, write_round_results

__all__ = ["lapse_due", "write_round_results"]


@task
def lapse_due() -> tuple[int, int]:
    """Lapse wins not confirmed by their deadline (promoting substitutes) and unpaid provisional bookings."""
    return lapse_unconfirmed(), lapse_unpaid()

