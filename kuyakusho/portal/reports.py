"""The street reports area (below the resident site) learns from here who is signed in, where to sign in, and
delivers its notices to My page's inbox (``kuyakusho.reports.hooks``, registered in ``PortalConfig.ready``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from kuyakusho.identity import sessions
from kuyakusho.identity.models import PortalAccount

from .models import PortalNotice

log = logging.getLogger(__name__)


def signed_in_account(request: HttpRequest) -> PortalAccount | None:
    session = sessions.current(request)
    return session.account if session is not None else None


def sign_in_url(request: HttpRequest) -> str:
    return reverse("identity:sign_in") + "?" + urlencode({"next": request.get_full_path()})


def deliver(account_ids: Sequence[int], title: str, body: str) -> None:
    """One inbox notice per account, then the e-mails (a failed e-mail leaves the notice in the inbox)."""
    notices = PortalNotice.objects.bulk_create([PortalNotice(account_id=a, title=title, body=body)
                                                for a in account_ids])
    for notice in PortalNotice.objects.select_related("account").filter(pk__in=[n.pk for n in notices]):
        address = notice.account.notify_email
        if not address:
            continue
        try:
            send_mail(notice.title, notice.body, settings.DEFAULT_FROM_EMAIL, [address])
        except OSError:
            log.warning("report notice %s not mailed", notice.pk)
            continue
        PortalNotice.objects.filter(pk=notice.pk).update(emailed_at=timezone.now())
