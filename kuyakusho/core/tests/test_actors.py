"""One actor type: every kind of actor answers the one question, is recorded by it, and is let in by it."""

import pytest
from django.contrib.auth.models import AnonymousUser

from kuyakusho.accounts.actors import as_staff, as_terminal
from kuyakusho.accounts.capabilities import Capability, Role
from kuyakusho.accounts.models import TerminalKind
from kuyakusho.accounts.permissions import can_work_at_office
from kuyakusho.accounts.second_factor import requires_second_factor
from kuyakusho.accounts.terminals import register_terminal
from kuyakusho.audit.services import record_write
from kuyakusho.core.access import Access
from kuyakusho.core.actors import ActorKind, Principal, actor_kind, actor_label, caller_kind
from kuyakusho.identity.models import AccountKind, PortalAccount
from kuyakusho.offices.models import Office
from kuyakusho.residents.permissions import can_search


@pytest.fixture
def terminal(db):
    kiosk, _token = register_terminal(actor=None, code="kiosk-1", kind=TerminalKind.KIOSK, name="自動交付機 1")
    return kiosk


@pytest.fixture
def account(db):
    return PortalAccount.objects.create(kind=AccountKind.CARD, issuer="https://idp.example", subject="s-1")


def test_each_kind_of_actor_says_what_it_is_and_how_the_trail_names_it(clerk, terminal, account):
    assert [actor_kind(a) for a in (clerk, terminal, account, None)] == [
        ActorKind.STAFF, ActorKind.TERMINAL, ActorKind.RESIDENT, ActorKind.SYSTEM]
    assert [actor_label(a) for a in (clerk, terminal, account, None)] == [
        "clerk", "terminal:kiosk-1", f"portal:{account.pk}", "system"]
    assert all(isinstance(a, Principal) for a in (clerk, terminal, account))


def test_an_anonymous_visitor_is_no_actor(clerk, terminal):
    assert caller_kind(AnonymousUser()) is None and caller_kind(None) is None
    assert caller_kind(clerk) is ActorKind.STAFF and caller_kind(terminal) is ActorKind.TERMINAL


def test_the_model_behind_an_actor_only_for_its_own_kind(clerk, terminal, account):
    assert as_staff(clerk) is clerk and as_terminal(terminal) is terminal
    for other in (terminal, account, None, AnonymousUser()):
        assert as_staff(other) is None
    for other in (clerk, account, None, AnonymousUser()):
        assert as_terminal(other) is None


def test_the_trail_links_staff_and_names_the_others(clerk, terminal, account):
    events = [record_write(actor=a, action="test.actor") for a in (clerk, terminal, account, None)]
    assert [e.actor_id for e in events] == [clerk.pk, None, None, None]
    assert [e.actor_label for e in events] == ["clerk", "terminal:kiosk-1", f"portal:{account.pk}", "system"]


def test_a_terminal_is_signed_in_but_never_staff(terminal, account):
    """A terminal is "authenticated" (it stands in for ``request.user`` in the API); staff checks ask its kind."""
    assert terminal.is_authenticated
    staff_route = Access("staff", (Capability.VIEW_RESIDENT,))
    device_route = Access("device", terminal_kinds=(TerminalKind.KIOSK,))
    assert not staff_route.allows(terminal) and not staff_route.allows(account)
    assert device_route.allows(terminal) and not device_route.allows(account)
    assert not can_search(terminal) and not requires_second_factor(terminal)
    assert not can_work_at_office(terminal, Office.objects.create(code="a", name_ja="A", name_en="A"))


def test_staff_checks_still_let_staff_in(make_staff):
    clerk, administrator = make_staff(Role.CLERK), make_staff(Role.ADMIN)
    assert Access("staff", (Capability.VIEW_RESIDENT,)).allows(clerk)
    assert not Access("staff", (Capability.VIEW_RESIDENT,)).allows(administrator)
    assert can_search(clerk) and not can_search(administrator)
    assert can_work_at_office(clerk, Office.objects.create(code="b", name_ja="B", name_en="B"))
