"""The 回答書, a lost card and its re-issue, abolition: a page showing the registration, then the service."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability
from kuyakusho.core.access import staff

from .. import selectors, services
from ..forms import AbolishForm, AnswerForm, ReissueForm
from ..models import SealStatus
from .common import apply

ANSWER, LOST, REISSUE, ABOLISH = "answer", "lost", "reissue", "abolish"
TITLES = {
    ANSWER: gettext_lazy("回答書の受理"),
    LOST: gettext_lazy("印鑑登録証の亡失届"),
    REISSUE: gettext_lazy("印鑑登録証の再交付"),
    ABOLISH: gettext_lazy("印鑑登録の廃止"),
}


def _page(request, action: str, registration, form, status: int = 200):
    return render(request, "seals/action.html", {
        "action": action, "title": TITLES[action], "registration": registration, "resident": registration.resident,
        "form": form, "card": registration.active_card, "inquiry": getattr(registration, "inquiry", None),
        "today": timezone.localdate(), "Status": SealStatus,
    }, status=status)


def _run(request, action: str, registration_id: int, form_class, call, done_message):
    registration = selectors.registration_for_staff(user=request.user, registration_id=registration_id)
    form = form_class(request.POST or None) if form_class else None
    if request.method == "POST" and (form is None or form.is_valid()):
        data = form.cleaned_data if form else {}
        holder = form or _Errors()
        result = apply(holder, lambda: call(data))
        if result is not None:
            messages.success(request, done_message(result))
            return redirect("seals:person", resident_id=registration.resident_id)
        form = holder if form else None
        if form is None:
            messages.error(request, holder.message)
            return redirect("seals:person", resident_id=registration.resident_id)
    return _page(request, action, registration, form, status=400 if request.method == "POST" else 200)


class _Errors:
    """A stand-in form for actions without fields: keeps the refusal's message."""

    fields: dict = {}
    message = ""

    def add_error(self, field, message) -> None:
        self.message = message


@staff(Capability.MANAGE_SEALS)
def answer(request: StaffRequest, registration_id: int) -> HttpResponse:
    return _run(request, ANSWER, registration_id, AnswerForm,
                lambda d: services.enter_answer(actor=request.user, registration_id=registration_id,
                                                received_on=d["received_on"]),
                lambda r: _("回答書を受理し、印鑑を登録しました。印鑑登録証（番号 %(number)s）を交付してください。")
                % {"number": r.active_card.number})


@staff(Capability.MANAGE_SEALS)
def lost(request: StaffRequest, registration_id: int) -> HttpResponse:
    return _run(request, LOST, registration_id, None,
                lambda d: services.report_card_lost(actor=request.user, registration_id=registration_id),
                lambda card: _("印鑑登録証（番号 %(number)s）の亡失を受け付けました。この登録証は使えなくなりました。")
                % {"number": card.number})


@staff(Capability.MANAGE_SEALS)
def reissue(request: StaffRequest, registration_id: int) -> HttpResponse:
    return _run(request, REISSUE, registration_id, ReissueForm,
                lambda d: services.reissue_card(actor=request.user, registration_id=registration_id,
                                                id_document=d["id_document"]),
                lambda card: _("新しい印鑑登録証（番号 %(number)s）を交付してください。") % {"number": card.number})


@staff(Capability.MANAGE_SEALS)
def abolish(request: StaffRequest, registration_id: int) -> HttpResponse:
    return _run(request, ABOLISH, registration_id, AbolishForm,
                lambda d: services.abolish(actor=request.user, registration_id=registration_id,
                                           card_returned=d["card_returned"], note=d["note"]),
                lambda r: _("印鑑登録を廃止しました。"))
