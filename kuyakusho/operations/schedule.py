"""Every periodic job of the platform, in one place, with its schedule.

``manage.py run_schedule`` (one per installation is enough; more are harmless) wakes every few seconds and, for
each job that is due, claims the job's current slot in the shared cache (``cache.add``: one claim per slot
across every scheduler on every machine) and enqueues :func:`run_job` as a Django task, which ``db_worker``
runs. Every job is idempotent: run twice for one slot, the second run finds nothing left to do.
Each run is counted in the metrics (``kuyakusho_job_runs_total{job,outcome}``) and its last success is kept in
the shared cache (``kuyakusho_job_last_success_timestamp_seconds``, read at scrape time), so an alert can fire
when a job has not succeeded for twice its period.

The jobs are ``JOBS`` below; what each does and when, for operators: ``docs/operations.md`` ("Periodic jobs",
held to ``JOBS`` by a test) and ``manage.py run_schedule --list``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.tasks import task
from django.utils import timezone

from kuyakusho.audit.checkpoints import write_checkpoint
from kuyakusho.audit.context import audit_context
from kuyakusho.facilities.tasks import lapse_due
from kuyakusho.opendata.services import regenerate_all
from kuyakusho.payments.services import expire_due_payments
from kuyakusho.seals.services import expire_overdue

from . import metrics
from .backups import take_backup

log = logging.getLogger("kuyakusho.operations.schedule")


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[], object]
    at: tuple[int, int] | None = None  # daily jobs: the local (Japan) hour and minute of their slot

    def slot(self, now: datetime) -> str:
        """The period ``now`` falls in: one run per slot."""
        local = timezone.localtime(now)
        if self.at is not None:
            start = local.replace(hour=self.at[0], minute=self.at[1], second=0, microsecond=0)
            if local < start:
                start -= timedelta(days=1)
            return start.strftime("%Y%m%dT%H%M")
        return str(int(now.timestamp() // self.every.total_seconds()))


def _audit_checkpoint() -> object:
    found = write_checkpoint()
    return None if found is None else found.seq


def _payments_expire() -> object:
    with audit_context(channel="system", via="schedule.payments_expire"):
        return expire_due_payments()


def _seals_expire() -> object:
    with audit_context(channel="system", via="schedule.seals_expire_inquiries"):
        return expire_overdue(actor=None)


def _clear_sessions() -> object:
    from django.contrib.sessions.models import Session

    return Session.objects.filter(expire_date__lt=timezone.now()).delete()[0]


def _backup() -> object:
    path, _manifest = take_backup()
    return path.name


def _facilities_lapse() -> object:
    with audit_context(channel="system", via="schedule.facilities_lapse"):
        wins, bookings = lapse_due.call()
    return wins + bookings


def _opendata_regenerate() -> object:
    with audit_context(channel="system", via="schedule.opendata_regenerate"):
        outcome = regenerate_all(actor=None)
    # files whose content changed (a second run of the same day changes none); failures are reported as such
    failed = [key for key, said in outcome.items() if not said.startswith("ok (")]
    if failed:
        raise RuntimeError(f"open data not regenerated: {', '.join(failed)}")
    return sum(int(said.removeprefix("ok (").split()[0]) for said in outcome.values())


JOBS: tuple[Job, ...] = (
    Job("audit_checkpoint", timedelta(minutes=5), _audit_checkpoint),
    Job("payments_expire", timedelta(minutes=5), _payments_expire),
    Job("seals_expire_inquiries", timedelta(days=1), _seals_expire, at=(1, 0)),
    Job("clear_sessions", timedelta(days=1), _clear_sessions, at=(3, 0)),
    Job("backup", timedelta(days=1), _backup, at=(2, 0)),
    Job("facilities_lapse", timedelta(hours=1), _facilities_lapse),
    Job("opendata_regenerate", timedelta(days=1), _opendata_regenerate, at=(4, 0)),
)
BY_NAME = {job.name: job for job in JOBS}
metrics.JOB_NAMES[:] = [job.name for job in JOBS]
last_success_key = metrics.last_success_key


@task
def run_job(name: str) -> str:
    """Run one periodic job (a Django task, run by ``db_worker``)."""
    job = BY_NAME[name]
    try:
        result = job.run()
    except Exception:
        metrics.JOB_RUNS.labels(name, "failed").inc()
        log.exception("periodic job %s failed", name)
        raise
    metrics.JOB_RUNS.labels(name, "succeeded").inc()
    cache.set(last_success_key(name), time.time(), None)
    return str(result)


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Enqueue every job whose current slot nobody has claimed yet; returns their names."""
    now = now or timezone.now()
    enqueued = []
    for job in JOBS:
        # Kept a little longer than the slot, so that a late scheduler does not claim the same slot again.
        if cache.add(f"schedule:claim:{job.name}:{job.slot(now)}", now.isoformat(),
                     int(job.every.total_seconds()) + 3600):
            run_job.enqueue(job.name)
            enqueued.append(job.name)
    return enqueued
