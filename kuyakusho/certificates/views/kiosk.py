"""The certificate kiosk (自動交付機): card → PIN → choose → confirm → receive.

Public pages on an enrolled terminal (see ``kiosk_session``). No personal data in any URL: the card
number, the PIN and the choice travel in POST bodies and stay in the server-side session. Each
certificate goes through the one issuance service (channel ``kiosk``) with an idempotency key per
confirmation, so a double tap issues one certificate.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kuyakusho.accounts.models import TerminalKind
from kuyakusho.accounts.terminals import terminal_for_token
from kuyakusho.certificates import selectors
from kuyakusho.certificates.models import Channel, ChannelPolicy, Issuance, Option
from kuyakusho.certificates.services import issuance as service
from kuyakusho.certificates.services.cards import authenticate_card, card_usable
from kuyakusho.certificates.services.content import fiscal_year_default
from kuyakusho.certificates.services.offer import offer
from kuyakusho.core.access import public
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents.models import Resident
from kuyakusho.residents.selectors import household_members

from . import kiosk_session as session
from .kiosk_forms import CardForm, ChoiceForm, PinForm, kind_label

if TYPE_CHECKING:
    from kuyakusho.accounts.models import Terminal

    from .kiosk_session import Visit

    #: a kiosk step's view: the request, the enrolled terminal and the visit so far
    VisitView = Callable[[HttpRequest, Terminal, Visit], HttpResponse]

T = "certificates/kiosk/"


def _policy() -> ChannelPolicy:
    found = selectors.policy(Channel.KIOSK)
    if found is None:
        raise ApplicationError(ErrorCode.REFUSED, _("この交付方法は設定されていません。"))
    return found


def _not_registered(request):
    return render(request, T + "not_registered.html", status=403)


STEPS = [(1, gettext_lazy("カード")), (2, gettext_lazy("暗証番号")), (3, gettext_lazy("選択")),
         (4, gettext_lazy("確認")), (5, gettext_lazy("受け取り"))]


def _page(request, template: str, context: dict, *, step: int | None = None, idle: bool = True, status: int = 200):
    """A kiosk screen: the step indicator, and (during a visit) the cancel button with the idle timer."""
    context = {"idle_seconds": session.IDLE_SECONDS, "idle": idle, "step": step, "steps": STEPS, **context}
    return render(request, T + template, context, status=status)


def in_visit(*steps: str) -> Callable[[VisitView], Callable[[HttpRequest], HttpResponse]]:
    """The view runs on an enrolled terminal during a visit at one of these steps, as ``view(request, terminal,
    visit)``; otherwise the terminal's enrolment page, or the start (timed out, not this far yet, or the kiosk
    closed during the visit: the start says why, before the resident chooses anything more)."""

    def decorate(view: VisitView) -> Callable[[HttpRequest], HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest) -> HttpResponse:
            terminal = session.kiosk_terminal(request)
            if terminal is None:
                return _not_registered(request)
            visit, expired = session.load(request, terminal)
            if expired:
                messages.info(request, _("一定時間操作がなかったため、最初の画面に戻りました。"))
            if visit is None or visit["step"] not in steps:
                return redirect("certificates:kiosk")
            if visit["step"] != "done" and not offer(Channel.KIOSK).open:  # what was issued can still be taken
                session.clear(request)
                return redirect("certificates:kiosk")
            return view(request, terminal, visit)

        return wrapper

    return decorate


@public
@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Enrol this browser as a kiosk terminal with the token an administrator was shown once."""
    token = (request.POST.get("token") or request.GET.get("token") or "").strip()
    error = None
    if request.method == "POST":
        terminal = terminal_for_token(token)
        if terminal is not None and terminal.kind == TerminalKind.KIOSK:
            response = redirect("certificates:kiosk")
            session.remember_terminal(request, response, terminal)
            if terminal.office is not None:  # the office's name in the page's language
                messages.success(request, _("この端末を「%(office)s」の自動交付機として登録しました。")
                                 % {"office": terminal.office.name})
            else:
                messages.success(request, _("この端末を「%(name)s」として登録しました。") % {"name": terminal.name})
            return response
        error = _("端末の登録用トークンが正しくありません。")
    return render(request, T + "enrol.html", {"token": token, "error": error}, status=400 if error else 200)


@public
@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Insert the card. Showing this screen ends any previous visit."""
    terminal = session.kiosk_terminal(request)
    if terminal is None:
        return _not_registered(request)
    available = offer(Channel.KIOSK)  # closed: said before the card goes in
    closed = available.reason or None
    form = CardForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not closed and form.is_valid():
        number = form.cleaned_data["card_number"]
        try:  # the card first: a card that cannot be used here is refused before anyone types a PIN
            card_usable(kind=service.CARD_FOR_IDENTITY[_policy().identity], number=number, channel=Channel.KIOSK,
                        terminal=terminal.code)
        except ApplicationError as e:
            session.clear(request)
            return _page(request, "refused.html", {"message": e.message, "locked": False}, idle=False, status=400)
        session.start(request, terminal, number)
        return redirect("certificates:kiosk_pin")
    if request.method == "GET":
        session.clear(request)
    response = _page(request, "start.html", {"form": form, "closed": closed, "terminal": terminal,
                                              "fees": [(kind_label(k), available.fee_for(k)) for k in available.kinds]},
                     step=1, idle=False, status=400 if form.errors else 200)
    session.forget_pin_key(response)
    return response


@public
@never_cache
@require_http_methods(["GET", "POST"])
@in_visit("pin")
def pin(request: HttpRequest, terminal, visit) -> HttpResponse:
    form = PinForm(request.POST if request.method == "POST" else None)
    error = None
    if request.method == "POST" and form.is_valid():
        policy = _policy()
        try:
            card = authenticate_card(kind=service.CARD_FOR_IDENTITY[policy.identity], number=visit["card"],
                                     pin=form.cleaned_data["pin"], channel=Channel.KIOSK, terminal=terminal.code)
        except ApplicationError as e:
            if e.code == ErrorCode.LOCKED or e.field == "card":
                session.clear(request)
                return _page(request, "refused.html", {"message": e.message, "locked": e.code == ErrorCode.LOCKED},
                             idle=False, status=423 if e.code == ErrorCode.LOCKED else 400)
            error = e.message
            session.save(request, visit)
        else:
            visit["holder"] = card.resident_id
            visit["step"] = "choose"
            response = redirect("certificates:kiosk_choose")
            session.keep_pin(request, response, visit, form.cleaned_data["pin"])
            session.save(request, visit)
            return response
    return _page(request, "pin.html", {"form": form, "error": error, "digits": "1234567890"}, step=2,
                 status=400 if (error or form.errors) else 200)


def _holder(visit) -> Resident:
    return selectors.card_holder(visit["holder"])


@public
@never_cache
@require_http_methods(["GET", "POST"])
@in_visit("choose", "confirm", "done")
def choose(request: HttpRequest, terminal, visit) -> HttpResponse:
    policy = _policy()
    holder = _holder(visit)
    household = household_members(holder.household) if holder.is_resident_on(timezone.localdate()) else [holder]
    latest = fiscal_year_default(timezone.localdate())
    form = ChoiceForm(request.POST if request.method == "POST" else None,
                      initial=visit["choice"] or {"members": [holder.pk]}, policy=policy,
                      household=household, holder_id=holder.pk, years=[latest, latest - 1])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        visit["choice"] = {"kind": data["kind"], "options": sorted(data["options"]), "members": data["members"],
                           "whole_household": data["whole_household"], "fiscal_year": data["fiscal_year"]}
        visit["key"] = None  # a new confirmation, a new idempotency key
        visit["step"] = "confirm"
        session.save(request, visit)
        return redirect("certificates:kiosk_confirm")
    session.save(request, visit)
    return _page(request, "choose.html", {"form": form, "holder": holder, "household": household,
                                          "register_kinds": sorted(service.REGISTER_KINDS),
                                          "tax_kinds": sorted(service.TAX_KINDS)},
                 step=3, status=400 if form.errors else 200)


def _summary(visit, policy: ChannelPolicy, household: list) -> dict:
    choice = visit["choice"]
    people = {m.pk: m for m in household}
    if choice["whole_household"]:
        printed = list(household)
    else:
        printed = [people[visit["holder"]]] + [people[m] for m in choice["members"] if m in people]
    return {"title": kind_label(choice["kind"]), "fee": policy.fee_for(choice["kind"]),
            "options": [Option(o).label for o in choice["options"]], "people": printed,
            "whole_household": choice["whole_household"], "fiscal_year": choice["fiscal_year"]}


@public
@never_cache
@require_http_methods(["GET", "POST"])
@in_visit("confirm", "done")
def confirm(request: HttpRequest, terminal, visit) -> HttpResponse:
    if visit["step"] == "done" and not visit["key"]:
        return redirect("certificates:kiosk_receive")
    policy = _policy()
    holder = _holder(visit)
    household = household_members(holder.household) if holder.is_resident_on(timezone.localdate()) else [holder]
    error = None
    if not visit["key"]:
        visit["key"] = f"kiosk-{uuid.uuid4().hex}"
    if request.method == "POST":
        pin_value = session.recall_pin(request, visit)
        if pin_value is None:
            session.clear(request)
            messages.error(request, _("もう一度カードを置いて、最初からやり直してください。"))
            return redirect("certificates:kiosk")
        choice = visit["choice"]
        req = service.IssueRequest(
            channel=Channel.KIOSK, kind=choice["kind"], card=service.CardIn(visit["card"], pin_value),
            members=tuple(choice["members"]), whole_household=choice["whole_household"],
            options=frozenset(choice["options"]), fiscal_year=choice["fiscal_year"],
            office_id=terminal.office_id, terminal=terminal.code, idempotency_key=visit["key"])
        try:
            issued = service.issue(req, actor=terminal)
        except ApplicationError as e:
            if e.code == ErrorCode.LOCKED or e.field in ("card", "pin"):
                session.clear(request)
                return _page(request, "refused.html", {"message": e.message, "locked": e.code == ErrorCode.LOCKED},
                             idle=False, status=423 if e.code == ErrorCode.LOCKED else 400)
            error = e.message
        else:
            if issued.pk not in visit["issued"]:
                visit["issued"] = [*visit["issued"], issued.pk]
            visit["last"] = issued.pk
            visit["key"] = None
            visit["step"] = "done"
            session.save(request, visit)
            return redirect("certificates:kiosk_receive")
    session.save(request, visit)
    return _page(request, "confirm.html", {"summary": _summary(visit, policy, household), "error": error},
                 step=4, status=400 if error else 200)


def _issued(visit, pk) -> Issuance | None:
    if pk is None or pk not in (visit["issued"] or []):
        return None
    return selectors.issued_in_visit(pk)


@public
@never_cache
@in_visit("done")
def receive(request: HttpRequest, terminal, visit) -> HttpResponse:
    issued = _issued(visit, visit["last"])
    if issued is None:
        return redirect("certificates:kiosk")
    session.save(request, visit)
    return _page(request, "receive.html", {"issuance": issued, "title": kind_label(issued.kind),
                                           "count": len(visit["issued"])}, step=5)


@public
@never_cache
@in_visit("done")
def receive_pdf(request: HttpRequest, terminal, visit) -> HttpResponse:
    """The certificate just issued, for the kiosk's printer (only during the visit that issued it)."""
    issued = _issued(visit, visit["last"])
    if issued is None or issued.pdf is None:
        return redirect("certificates:kiosk")
    session.save(request, visit)
    response = HttpResponse(bytes(issued.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{issued.number}.pdf"'
    return response


@public
@never_cache
@require_POST
def finish(request: HttpRequest) -> HttpResponse:
    """End the visit (the 終了 button, or the idle timer in kiosk.js)."""
    terminal = session.kiosk_terminal(request)
    if terminal is None:
        return _not_registered(request)
    timed_out = request.POST.get("reason") == "timeout"
    session.clear(request)
    if timed_out:
        messages.info(request, _("一定時間操作がなかったため、最初の画面に戻りました。"))
    else:
        messages.success(request, _("ご利用ありがとうございました。カードをお取りください。"))
    response = redirect(reverse("certificates:kiosk"))
    session.forget_pin_key(response)
    return response
