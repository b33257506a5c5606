"""One shape for a page's action button: POST → service → message → redirect.

    @staff(Capability.SUPERVISE_COUNTER)
    @post_action("certificates:alerts")
    def alert_ack(request, pk: int) -> str:
        admin.acknowledge_alert(actor=request.user, alert_id=pk)
        return _("警告を確認済みにしました。")

The decorated view answers only POST (405 otherwise, as ``require_POST``). It runs the service and returns
the message to show: a string (success), a :class:`Done` (another level or another page), or an
``HttpResponse`` of its own (a form shown again with its errors). A refusal (``ApplicationError``) becomes
an error message on the same page the success would have led to; nothing else is caught, so ``Http404`` and
``PermissionDenied`` from a look-up answer as they do everywhere. Invalid input of a small form is a refusal
too: raise ``ApplicationError(ErrorCode.INVALID_INPUT, ...)`` (see :func:`form_refusal`).

``to`` is a URL name without arguments, or a callable that takes the view's arguments and returns a URL. It
is resolved before the view runs, so a missing object answers 404 before any write.

Actions with a form whose typed input must survive a refusal (a reason, an address) render the form again
instead, with the refusal on the form: :func:`add_refusal`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, resolve_url
from django.utils.functional import Promise
from django.views.decorators.http import require_POST

from .errors import ApplicationError, ErrorCode

Target = str | Callable[..., str]


@dataclass(frozen=True)
class Done:
    """What an action says when it is not a plain success, or when it leads to another page (a payment
    provider's page: then it may say nothing)."""

    message: str | Promise = ""
    level: int = messages.SUCCESS
    to: str | None = None  # a URL or URL name (without arguments); default: the action's ``to``


def add_refusal(form: forms.BaseForm, error: ApplicationError) -> None:
    """A service's refusal on the form shown again: beside its field if the form has it, else at the top."""
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


def form_refusal(form: forms.Form) -> ApplicationError:
    """A small form's errors as one refusal (its messages joined), for an action that redirects."""
    text = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return ApplicationError(ErrorCode.INVALID_INPUT, text)


def post_action(to: Target) -> Callable[[Callable[..., Any]], Callable[..., HttpResponse]]:
    """Make ``view`` a POST-only action that redirects to ``to`` with its outcome as a message."""

    def decorate(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def action(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            target = resolve_url(to(*args, **kwargs) if callable(to) else to)
            try:
                outcome = view(request, *args, **kwargs)
            except ApplicationError as e:
                messages.error(request, str(e.message))
                return HttpResponseRedirect(target)
            if isinstance(outcome, HttpResponse):
                return outcome
            if isinstance(outcome, Done):
                if outcome.message:
                    messages.add_message(request, outcome.level, str(outcome.message))
                return redirect(outcome.to or target)
            messages.success(request, str(outcome))
            return HttpResponseRedirect(target)

        return require_POST(action)

    return decorate
