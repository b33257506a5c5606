"""Scheduled regeneration of the generated datasets (Django's tasks; ``db_worker`` runs them).

``manage.py opendata_regenerate --enqueue`` from cron (e.g. every night) puts ``regenerate_all`` on the queue;
without ``--enqueue`` the command runs it at once.
"""

from __future__ import annotations

from django.tasks import task

from kuyakusho.audit.context import audit_context

from . import services


@task
def regenerate_all() -> dict[str, str]:
    with audit_context(channel="system", via="opendata.regenerate_all"):
        return services.regenerate_all(actor=None)


@task
def regenerate(key: str) -> str:
    with audit_context(channel="system", via="opendata.regenerate"):
        result = services.regenerate(actor=None, key=key)
    return f"{result.dataset.name}: {result.changed} changed"
