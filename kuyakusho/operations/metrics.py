"""Prometheus metrics (``prometheus_client``), served at ``/metrics``.

Measured in each process: requests by URL name, method and status, their latency, the database time and
query count of each request, SSE clients connected, answers 503 for an unavailable database, and periodic
jobs run (``kuyakusho.operations.schedule``). Read from the database when scraped (the same for every
process, so measured once): tasks waiting in the queue, certificates issued today by channel, the audit
chain's length and the age of its newest signed checkpoint.

Several worker processes on one machine: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder before the
workers start (the container's entrypoint does); each process writes its figures there and ``/metrics``
adds them up (``prometheus_client.multiprocess``). Without it each process answers for itself.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import datetime
from datetime import time as dtime
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from kuyakusho.audit.models import ChainHead
from kuyakusho.certificates.models import Issuance

LATENCY_BUCKETS = (0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter("kuyakusho_http_requests", "Requests answered, by URL name, method and status.",
                   ["view", "method", "status"])
LATENCY = Histogram("kuyakusho_http_request_duration_seconds", "Time to the response (headers), by URL name.",
                    ["view"], buckets=LATENCY_BUCKETS)
DB_SECONDS = Counter("kuyakusho_db_seconds", "Time spent in database queries, by URL name.", ["view"])
DB_QUERIES = Counter("kuyakusho_db_queries", "Database queries, by URL name.", ["view"])
SSE_CLIENTS = Gauge("kuyakusho_sse_clients", "Server-sent event streams open now.",
                    multiprocess_mode="livesum")
UNAVAILABLE = Counter("kuyakusho_unavailable_answers", "Answers 503 because the database could not serve.")
#: The periodic jobs' names, filled in by ``operations.schedule`` (imported by ``OperationsConfig.ready()``, so in
#: every process): the scrape reports when each last succeeded.
JOB_NAMES: list[str] = []


def last_success_key(name: str) -> str:
    return f"schedule:last_success:{name}"


JOB_RUNS = Counter("kuyakusho_job_runs", "Periodic jobs run, by job and outcome.", ["job", "outcome"])


class DatabaseCollector(Collector):
    """Figures read from the database at scrape time (one short query each)."""

    def collect(self) -> Iterable[Any]:
        from django.tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        waiting = GaugeMetricFamily("kuyakusho_task_queue_depth", "Tasks waiting to run, by queue.",
                                    labels=["queue"])
        for queue, n in (DBTaskResult.objects.filter(status=TaskResultStatus.READY).values_list("queue_name")
                         .annotate(n=_count()).order_by("queue_name")):
            waiting.add_metric([queue], n)
        yield waiting

        today = timezone.make_aware(datetime.combine(timezone.localdate(), dtime.min))
        issued = CounterMetricFamily("kuyakusho_certificates_issued_today",
                                     "Certificates issued since midnight (Japan), by channel.", labels=["channel"])
        for channel, n in (Issuance.objects.filter(issued_at__gte=today).values_list("channel")
                           .annotate(n=_count()).order_by("channel")):
            issued.add_metric([channel], n)
        yield issued

        head = ChainHead.objects.filter(id=1).values_list("seq", flat=True).first()
        yield GaugeMetricFamily("kuyakusho_audit_chain_length", "Events in the audit trail's hash chain.",
                                value=head or 0)
        from django.core.cache import cache

        last = GaugeMetricFamily("kuyakusho_job_last_success_timestamp_seconds",
                                 "When each periodic job last succeeded (any worker).", labels=["job"])
        for job, at in cache.get_many([last_success_key(name) for name in JOB_NAMES]).items():
            last.add_metric([job.rsplit(":", 1)[-1]], float(at))
        yield last
        age = _checkpoint_age()
        if age is not None:
            yield GaugeMetricFamily("kuyakusho_audit_checkpoint_age_seconds",
                                    "Age of the newest signed checkpoint of the audit chain.", value=age)
        yield from _wal_archive()


def _wal_archive() -> Iterator[Any]:
    """PostgreSQL's WAL archiver (``pg_stat_archiver``): a failure count that rises when the archive cannot take
    a segment (a full disk, a lost mount). PostgreSQL keeps such WAL until it can archive it — no silent loss —
    but the data disk fills: alert on the count, before it does."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT archived_count, failed_count, "
                       "extract(epoch FROM last_archived_time), extract(epoch FROM last_failed_time) "
                       "FROM pg_stat_archiver")
        row = cursor.fetchone()
    if row is None:
        return
    archived, failed, last_archived, last_failed = row
    yield CounterMetricFamily("kuyakusho_wal_archived", "WAL segments archived since the statistics' reset.",
                              value=archived)
    yield CounterMetricFamily("kuyakusho_wal_archive_failed", "Attempts to archive a WAL segment that failed.",
                              value=failed)
    for name, at in (("last_archived", last_archived), ("last_failed", last_failed)):
        if at is not None:
            yield GaugeMetricFamily(f"kuyakusho_wal_archive_{name}_timestamp_seconds",
                                    f"When the archiver last {name.split('_')[1]} (PostgreSQL).", value=float(at))


def _count() -> Any:
    from django.db.models import Count

    return Count("id")


def _checkpoint_age() -> float | None:
    from django.conf import settings

    folder = settings.AUDIT_CHECKPOINT_DIR
    try:
        newest = max((p.stat().st_mtime for p in folder.iterdir() if p.is_file()), default=None)
    except OSError:
        return None
    return None if newest is None else max(0.0, time.time() - newest)


def exposition() -> bytes:
    """The text the ``/metrics`` route answers: this process's (or every process's) figures and the database's."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
        return generate_latest(registry) + generate_latest(_database_registry())
    registry.register(DatabaseCollector())
    return generate_latest(registry)


def _database_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector())
    return registry


def _view_name(request: HttpRequest) -> str:
    match = request.resolver_match
    return (match.view_name or "-") if match else "<unmatched>"


class _DatabaseTimer:
    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


class MetricsMiddleware:
    """Counts each request and times it (and its queries) under the URL name, never the path."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timer = _DatabaseTimer()
        started = time.perf_counter()
        with connection.execute_wrapper(timer):
            response = self.get_response(request)
        view = _view_name(request)
        LATENCY.labels(view).observe(time.perf_counter() - started)
        REQUESTS.labels(view, request.method or "-", str(response.status_code)).inc()
        if timer.queries:
            DB_SECONDS.labels(view).inc(timer.seconds)
            DB_QUERIES.labels(view).inc(timer.queries)
        if isinstance(response, StreamingHttpResponse) and response.get("Content-Type", "").startswith(
                "text/event-stream"):
            response.streaming_content = _counted(response)
        return response


def _counted(response: StreamingHttpResponse) -> AsyncIterator[bytes] | Iterator[bytes]:
    content = response.streaming_content
    if response.is_async:
        async def stream() -> AsyncIterator[bytes]:
            SSE_CLIENTS.inc()
            try:
                async for chunk in content:  # type: ignore[union-attr]
                    yield chunk
            finally:
                SSE_CLIENTS.dec()

        return stream()

    def sync_stream() -> Iterator[bytes]:
        SSE_CLIENTS.inc()
        try:
            yield from content  # type: ignore[misc]
        finally:
            SSE_CLIENTS.dec()

    return sync_stream()
