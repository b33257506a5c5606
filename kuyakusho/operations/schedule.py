"""Every periodic job of the platform, in one place, with its schedule.

``manage.py run_schedule`` (one per installation is enough; more are harmless) wakes every few seconds and, for
each job that is due, claims the job's current slot in the shared cache (``cache.add``: one claim per slot
across every scheduler on every machine) and enqueues :func:`run_job` as a Django task, which ``db_worker``
runs. Every job is idempotent: run twice for one slot, the second run finds nothing left to do.
Each run is counted in the metrics (``kuyakusho_job_runs_total{job,outcome}``) and its last success is kept in
the shared cache (``kuyakusho_job_last_success_timestamp_seconds``, read at scrape time), so an alert can fire
when a job has not succeeded for twice its period.

| job | every | what |
|---|---|---|
| ``audit_checkpoint`` | 5 min | sign the audit chain's head into ``AUDIT_CHECKPOINT_DIR`` (nothing when unmoved) |
| ``payments_expire`` | 5 min | expire online checkouts nobody completed in time |
| ``seals_expire_inquiries`` | daily, 01:00 | expire seal applications whose 回答書 is past its deadline |
| ``clear_sessions`` | daily, 03:00 | delete expired staff sessions |
| ``backup`` | daily, 02:00 | ``manage.py backup`` into ``BACKUP_DIR`` (WAL archiving: a smaller RPO) |

Not periodic: 本人通知 are written with the certificate in its transaction and mailed after commit; a 転出 on a
future date needs no nightly job (``is_resident_on``). Facility bookings and open data have no jobs yet.
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

from . import metrics

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
    from kuyakusho.audit.checkpoints import write_checkpoint

    found = write_checkpoint()
    return None if found is None else found.seq


def _payments_expire() -> object:
    from kuyakusho.audit.context import audit_context
    from kuyakusho.payments.services import expire_due_payments

    with audit_context(channel="system", via="schedule.payments_expire"):
        return expire_due_payments()


def _seals_expire() -> object:
    from kuyakusho.audit.context import audit_context
    from kuyakusho.seals.services import expire_overdue

    with audit_context(channel="system", via="schedule.seals_expire_inquiries"):
        return expire_overdue(actor=None)


def _clear_sessions() -> object:
    from django.contrib.sessions.models import Session

    return Session.objects.filter(expire_date__lt=timezone.now()).delete()[0]


def _backup() -> object:
    from .backups import take_backup

    path, _manifest = take_backup()
    return path.name


JOBS: tuple[Job, ...] = (
    Job("audit_checkpoint", timedelta(minutes=5), _audit_checkpoint),
    Job("payments_expire", timedelta(minutes=5), _payments_expire),
    Job("seals_expire_inquiries", timedelta(days=1), _seals_expire, at=(1, 0)),
    Job("clear_sessions", timedelta(days=1), _clear_sessions, at=(3, 0)),
    Job("backup", timedelta(days=1), _backup, at=(2, 0)),
)
BY_NAME = {job.name: job for job in JOBS}


def last_success_key(name: str) -> str:
    return f"schedule:last_success:{name}"


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
