"""core.actions.post_action: POST → service → message → redirect, the one shape of a page's action button."""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from kuyakusho.core.actions import Done, post_action
from kuyakusho.core.errors import ApplicationError, ErrorCode


def _request(method: str = "post"):
    request = getattr(RequestFactory(), method)("/console/x/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _said(request) -> list[tuple[int, str]]:
    return [(m.level, m.message) for m in messages.get_messages(request)]


def test_a_success_is_said_and_leads_to_the_page():
    ran = []

    @post_action("/console/list/")
    def act(request, pk: int) -> str:
        ran.append(pk)
        return f"done {pk}"

    request = _request()
    response = act(request, pk=7)
    assert ran == [7]
    assert (response.status_code, response["Location"]) == (302, "/console/list/")
    assert _said(request) == [(messages.SUCCESS, "done 7")]


def test_a_refusal_is_said_on_the_same_page():
    @post_action("/console/list/")
    def act(request) -> str:
        raise ApplicationError(ErrorCode.CONFLICT, "他の職員が先に更新しました。")

    request = _request()
    response = act(request)
    assert (response.status_code, response["Location"]) == (302, "/console/list/")
    assert _said(request) == [(messages.ERROR, "他の職員が先に更新しました。")]


def test_only_post_runs_the_service():
    ran = []

    @post_action("/console/list/")
    def act(request) -> str:
        ran.append(1)
        return "done"

    response = act(_request("get"))
    assert response.status_code == 405
    assert ran == []


def test_another_level_or_page_and_a_response_of_its_own():
    @post_action("/console/list/")
    def held(request) -> Done:
        return Done("確認待ちになりました。", level=messages.WARNING, to="/console/held/")

    request = _request()
    response = held(request)
    assert response["Location"] == "/console/held/"
    assert _said(request) == [(messages.WARNING, "確認待ちになりました。")]

    @post_action("/bills/x/")
    def to_the_provider(request) -> Done:
        return Done(to="https://pay.example/checkout/1")

    request = _request()
    assert to_the_provider(request)["Location"] == "https://pay.example/checkout/1"
    assert _said(request) == []

    @post_action("/console/list/")
    def form_again(request) -> HttpResponse:
        return HttpResponse("form", status=400)

    request = _request()
    assert form_again(request).status_code == 400
    assert _said(request) == []


def test_the_target_is_found_before_the_service_runs_and_404_is_not_caught():
    ran = []

    def missing(pk: int) -> str:
        raise Http404

    @post_action(missing)
    def act(request, pk: int) -> str:
        ran.append(pk)
        return "done"

    with pytest.raises(Http404):
        act(_request(), pk=1)
    assert ran == []

    @post_action(lambda pk: f"/console/bills/{pk}/")
    def pay(request, pk: int) -> str:
        return "paid"

    assert pay(_request(), pk=2)["Location"] == "/console/bills/2/"
