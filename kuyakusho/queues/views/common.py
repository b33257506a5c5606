from __future__ import annotations

from django.utils.translation import gettext as _

from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.offices.models import Office, Service


def get_office(code: str) -> Office:
    office = Office.objects.filter(code=code, services__isnull=False).distinct() \
        .select_related("schedule").prefetch_related("services").first()
    if office is None:
        raise _not_found(_("事務所「%(code)s」は見つかりません。") % {"code": code[:32]})
    return office


def get_service(office: Office, code: str) -> Service:
    for s in office.services.all():
        if s.code == code:
            return s
    if Service.objects.filter(code=code).exists():
        raise _not_found(_("%(office)sでは業務「%(code)s」を取り扱っていません。")
                      % {"office": office.name, "code": code[:32]})
    raise _not_found(_("業務「%(code)s」は見つかりません。") % {"code": code[:32]})


def get_ticket_by_token(token: str):
    from kuyakusho.queues.models import Ticket

    ticket = Ticket.objects.select_related("office", "service", "counter").filter(token=token[:64]).first()
    if ticket is None:
        raise _not_found(_("この番号札は見つかりません。QRコードをもう一度読み取ってください。"))
    # Follow transfers: the holder's QR code keeps working after the ticket moved to another service.
    while hasattr(ticket, "transferred_to"):
        ticket = ticket.transferred_to
    return ticket


def _not_found(message) -> ApplicationError:
    return ApplicationError(ErrorCode.NOT_FOUND, message)
