"""Mail for the in-site notices of registrants who gave an address: queued after the commit, sent by the
task worker (``manage.py db_worker``), never inside the transaction that wrote the notice."""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task

from .models import Notice

log = logging.getLogger(__name__)


@task
def mail_notices(notice_ids: list[int]) -> int:
    """Mail each notice to its registrant's contact address (if any); returns how many were sent."""
    sent = 0
    for n in Notice.objects.filter(pk__in=notice_ids).select_related("registrant").iterator(chunk_size=500):
        if not n.registrant.email:
            continue
        try:
            send_mail(n.subject, n.body, None, [n.registrant.email])
            sent += 1
        except OSError:
            log.warning("notice %s could not be mailed", n.pk)
    return sent


def queue_mail(notice_ids: list[int]) -> None:
    """After the current transaction commits, have the worker mail these notices."""
    if notice_ids:
        ids = list(notice_ids)
        transaction.on_commit(lambda: mail_notices.enqueue(ids))
