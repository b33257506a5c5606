"""Telling followers: a notice in the resident's inbox (the portal's お知らせ) and, when she gave an address, an
e-mail through Django's mail backend. Called by the services after their transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation

from kuyakusho.portal.models import PortalNotice

log = logging.getLogger(__name__)


def notify(*, account_ids: Iterable[int], title: str, body: str) -> list[int]:
    """One inbox notice per account (each once), then the e-mails; returns the notices' ids."""
    ids = sorted(set(account_ids))
    if not ids:
        return []
    with translation.override("ja"):
        notices = PortalNotice.objects.bulk_create(
            [PortalNotice(account_id=a, title=str(title)[:120], body=str(body)[:4000]) for a in ids])
    for notice in PortalNotice.objects.select_related("account").filter(pk__in=[n.pk for n in notices]):
        address = notice.account.notify_email
        if not address:
            continue
        try:
            send_mail(notice.title, notice.body, settings.DEFAULT_FROM_EMAIL, [address])
        except OSError:  # the notice stays in the inbox
            log.warning("report notice %s not mailed", notice.pk)
            continue
        PortalNotice.objects.filter(pk=notice.pk).update(emailed_at=timezone.now())
    return [n.pk for n in notices]
