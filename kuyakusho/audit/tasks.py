"""Tasks of the audit trail (Django's tasks framework; ``django_tasks_db`` stores them, ``db_worker`` runs them)."""

from __future__ import annotations

from django.tasks import task

from . import checkpoints


@task
def write_checkpoint(force: bool = False) -> dict[str, object] | None:
    """Sign the chain head and write it as a checkpoint (see :mod:`kuyakusho.audit.checkpoints`).

    Enqueued by ``manage.py audit_checkpoint --enqueue`` (from cron) where the worker holds the ward's key;
    the command itself writes one directly. Returns the checkpoint's seq and file, or None if the head has
    not moved since the last one."""
    checkpoint = checkpoints.write_checkpoint(force=force)
    if checkpoint is None:
        return None
    return {"seq": checkpoint.seq, "file": checkpoint.path.name if checkpoint.path else None,
            "time_stamped": checkpoint.timestamp_token is not None}
