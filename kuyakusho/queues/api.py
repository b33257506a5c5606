from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from kuyakusho.accounts.actors import DeviceRequest, StaffRequest
from kuyakusho.accounts.capabilities import Capability
from kuyakusho.accounts.models import TerminalKind
from kuyakusho.core.access import api_device, api_public, api_staff
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.schemas import Text
from kuyakusho.offices.models import Counter

from . import selectors, services
from .besttime import best_time
from .models import Ticket
from .permissions import check_ticket_machine
from .snapshot import recent_snapshots

router = Router(tags=["queues"])


class ServiceState(Schema):
    code: str
    name: str
    letter: str
    waiting: int
    wait_minutes: int
    minutes_per_person: float
    counters: int
    estimate_source: str
    is_open: bool
    status: str
    detail: str
    label: str
    queue: list[str] | None = None


class Called(Schema):
    label: str
    counter: int
    counter_label: str
    service: str
    status: str
    status_label: str
    called_at: datetime | None
    recalls: int


class OfficeState(Schema):
    office: str
    name: str
    waiting: int
    is_open: bool
    status: str
    detail: str
    headline: str = ""  # when closed: why, in words (本日の受付は終了しました …)
    next_text: str = ""  # when closed: 次の受付: …
    services: list[ServiceState]
    updated_at: datetime
    called: list[Called] | None = None


class CongestionOut(Schema):
    offices: list[OfficeState]


def _cacheable(response: HttpResponse, seconds: int) -> None:
    patch_cache_control(response, public=True, max_age=seconds)


@router.get("/congestion", response=CongestionOut, auth=None,
            summary="全事務所の混雑状況（公開・キャッシュ可）/ Congestion at every office (public, cacheable)")
@api_public
def congestion(request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    _cacheable(response, 10)
    return {"offices": recent_snapshots()}


@router.get("/offices/{office}", response=OfficeState, auth=None,
            summary="事務所の呼出状況と待ち行列（公開）/ One office: called numbers and queues (public)")
@api_public
def office_state(request: HttpRequest, office: str, response: HttpResponse) -> dict | None:
    selectors.office(office)
    _cacheable(response, 5)
    found = recent_snapshots([office], detail=True)
    return found[0] if found else None


class BestTimeOut(Schema):
    office: str
    weeks: int
    tickets: int
    hours: list[int]
    rows: list[dict[str, Any]]


@router.get("/offices/{office}/best-time", response=BestTimeOut, auth=None,
            summary="曜日・時間帯別の平均待ち時間（公開）/ Average wait by weekday and hour (public)")
@api_public
def office_best_time(request: HttpRequest, office: str, response: HttpResponse) -> dict[str, Any]:
    o = selectors.office(office)
    data = best_time(o)
    _cacheable(response, 600)
    return {"office": o.code, "weeks": data["weeks"], "tickets": data["tickets"], "hours": data["hours"],
            "rows": [{"weekday": label, "minutes": [c.minutes for c in cells], "tickets": [c.tickets for c in cells]}
                     for label, cells in data["rows"]]}


# --- tickets ---------------------------------------------------------------------------------------

class IssueIn(Schema):
    service: Text(32) = ""
    priority: Literal["", "pregnancy", "disability", "appointment"] = ""


class TicketOut(Schema):
    id: int
    label: str
    office: str
    service: str
    day: date
    status: str
    priority: str
    counter: int | None
    issued_at: datetime
    called_at: datetime | None
    serving_at: datetime | None
    done_at: datetime | None
    status_url: str


def _out(t: Ticket) -> dict:
    return {"id": t.pk, "label": t.label, "office": t.office.code, "service": t.service.code, "day": t.day,
            "status": t.status, "priority": t.priority, "counter": t.counter.number if t.counter else None,
            "issued_at": t.issued_at, "called_at": t.called_at, "serving_at": t.serving_at, "done_at": t.done_at,
            "status_url": reverse("queues:ticket_status", args=[t.token])}


@router.post("/offices/{office}/tickets", response={201: TicketOut},
             summary="番号札の発券（発券機の端末トークン）/ Issue a ticket (a ticket machine's terminal token)")
@api_device(TerminalKind.TICKET_MACHINE)
def issue(request: DeviceRequest, office: str, payload: IssueIn) -> Status:
    """Tickets are taken in the office's lobby: the caller is a registered ticket machine (bearer token), and a
    machine placed at an office issues that office's tickets only. Residents follow their ticket from the
    phone through its QR code (``GET /tickets/{token}``) and the public congestion figures."""
    o = selectors.office(office)
    check_ticket_machine(request.auth, o)
    if not payload.service:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("業務を選んでください。"), field="service")
    ticket = services.issue_ticket(actor=None, office=o, service=selectors.service_at(o, payload.service),
                                   priority=payload.priority)
    return Status(201, _out(ticket))


@router.get("/tickets/{token}", response=TicketOut, auth=None,
            summary="番号札の状態（QRコードの持ち主）/ A ticket's state (its holder)")
@api_public
def ticket_state(request: HttpRequest, token: str) -> dict:
    return _out(selectors.ticket_by_token(token))


# --- calling (staff) -------------------------------------------------------------------------------

def _counter(office: str, number: int) -> Counter:
    return selectors.counter_at(selectors.office(office), number)


class CallIn(Schema):
    service: Text(32) = ""


class CallLabelIn(Schema):
    label: Text(8) = ""


class TransferIn(Schema):
    service: Text(32) = ""


@router.post("/offices/{office}/counters/{number}/call-next", response=TicketOut,
             summary="次の番号札を呼び出す / Call the next ticket")
@api_staff(Capability.CALL_TICKETS)
def call_next(request: StaffRequest, office: str, number: int, payload: CallIn) -> dict:
    counter = _counter(office, number)
    service = selectors.service_at(counter.office, payload.service) if payload.service else None
    return _out(services.call_next(actor=request.user, counter=counter, service=service))


@router.post("/offices/{office}/counters/{number}/call", response=TicketOut,
             summary="番号を指定して呼び出す / Call a ticket by its number")
@api_staff(Capability.CALL_TICKETS)
def call_label(request: StaffRequest, office: str, number: int, payload: CallLabelIn) -> dict:
    counter = _counter(office, number)
    return _out(services.call_ticket(actor=request.user, counter=counter, label=payload.label))


def _ticket(counter: Counter, ticket_id: int) -> Ticket:
    return selectors.ticket_at(counter.office, ticket_id)


def _make_step(name: str, func, summary: str):
    @router.post(f"/offices/{{office}}/counters/{{number}}/tickets/{{ticket_id}}/{name}", response=TicketOut,
                 summary=summary, operation_id=f"queues_ticket_{name}")
    @api_staff(Capability.CALL_TICKETS)
    def step(request, office: str, number: int, ticket_id: int):
        counter = _counter(office, number)
        return _out(func(actor=request.user, counter=counter, ticket=_ticket(counter, ticket_id)))

    step.__name__ = f"ticket_{name}"
    return step


recall = _make_step("recall", services.recall, "再呼出 / Call again")
start = _make_step("start", services.start_serving, "受付開始 / Start serving")
absent = _make_step("absent", services.mark_absent, "不在 / Mark absent")
finish = _make_step("finish", services.finish, "完了 / Finish")


@router.post("/offices/{office}/counters/{number}/tickets/{ticket_id}/transfer", response=TicketOut,
             summary="別の業務へ移動 / Transfer to another service")
@api_staff(Capability.CALL_TICKETS)
def transfer(request: StaffRequest, office: str, number: int, ticket_id: int, payload: TransferIn) -> dict:
    counter = _counter(office, number)
    if not payload.service:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("移動先の業務を選んでください。"), field="service")
    target = selectors.service_at(counter.office, payload.service)
    return _out(services.transfer(actor=request.user, counter=counter, ticket=_ticket(counter, ticket_id),
                                  service=target))
