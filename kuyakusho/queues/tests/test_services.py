"""Tickets: numbering, the state machine, calling, refusals, audit."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from kuyakusho.accounts.capabilities import Role
from kuyakusho.audit.models import AuditEvent
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.queues import services
from kuyakusho.queues.models import Status, Ticket

pytestmark = pytest.mark.django_db


def issue(ward, service="todoke", office="nerima", **kw):
    return services.issue_ticket(actor=None, office=ward.offices[office], service=ward.services[service], **kw)


def test_numbers_are_per_office_service_and_day(open_now):
    a1, a2 = issue(open_now), issue(open_now)
    b1 = issue(open_now, "shomei")
    other = issue(open_now, office="seki")
    assert [a1.label, a2.label, b1.label, other.label] == ["A-001", "A-002", "B-001", "A-001"]
    assert AuditEvent.objects.filter(action="queues.ticket.issue").count() == 4


def test_closed_office_refuses_and_tells_when_it_opens(closed_now):
    before = Ticket.objects.count()
    with pytest.raises(ApplicationError) as e:
        issue(closed_now)
    assert e.value.code == ErrorCode.CLOSED and "受付時間外" in str(e.value.message)
    assert Ticket.objects.count() == before


def test_unknown_priority_is_refused(open_now):
    with pytest.raises(ApplicationError) as e:
        issue(open_now, priority="vip")
    assert e.value.field == "priority"


def test_the_whole_life_of_a_ticket(open_now, clerk):
    counter = open_now.counter("nerima", 1)  # 届出
    t = issue(open_now)
    called = services.call_next(actor=clerk, counter=counter)
    assert called.pk == t.pk and called.status == Status.CALLED and called.counter == counter
    assert called.wait_seconds is not None
    again = services.recall(actor=clerk, counter=counter, ticket=called)
    assert again.recalls == 1 and again.status == Status.CALLED
    serving = services.start_serving(actor=clerk, counter=counter, ticket=again)
    done = services.finish(actor=clerk, counter=counter, ticket=serving)
    assert done.status == Status.DONE and done.service_seconds is not None
    assert all([done.issued_at, done.called_at, done.serving_at, done.done_at])
    actions = list(AuditEvent.objects.filter(target_id=str(t.pk)).order_by("seq").values_list("action", flat=True))
    assert actions == ["queues.ticket.issue", "queues.ticket.call", "queues.ticket.recall",
                       "queues.ticket.start", "queues.ticket.finish"]


def test_illegal_steps_are_refused(open_now, clerk):
    counter = open_now.counter("nerima", 1)
    t = issue(open_now)
    with pytest.raises(ApplicationError):  # not called to this counter yet
        services.finish(actor=clerk, counter=counter, ticket=t)
    t = services.call_next(actor=clerk, counter=counter)
    with pytest.raises(ApplicationError) as e:  # called → done skips serving
        services.finish(actor=clerk, counter=counter, ticket=t)
    assert e.value.code == ErrorCode.CONFLICT and "受付中" not in str(e.value.message)
    t = services.mark_absent(actor=clerk, counter=counter, ticket=t)
    for step in (services.recall, services.start_serving, services.mark_absent, services.finish):
        with pytest.raises(ApplicationError):
            step(actor=clerk, counter=counter, ticket=t)
    t.refresh_from_db()
    assert t.status == Status.ABSENT


def test_a_stale_ticket_object_cannot_move_twice(open_now, clerk):
    counter = open_now.counter("nerima", 1)
    issue(open_now)
    t = services.call_next(actor=clerk, counter=counter)
    stale = Ticket.objects.get(pk=t.pk)
    services.mark_absent(actor=clerk, counter=counter, ticket=t)
    with pytest.raises(ApplicationError):
        services.start_serving(actor=clerk, counter=counter, ticket=stale)
    assert Ticket.objects.get(pk=t.pk).status == Status.ABSENT


def test_priority_first_then_issue_time(open_now, clerk):
    counter = open_now.counter("nerima", 1)
    first, _second = issue(open_now), issue(open_now)
    prio = issue(open_now, priority="pregnancy")
    assert services.call_next(actor=clerk, counter=counter).pk == prio.pk
    services.mark_absent(actor=clerk, counter=counter, ticket=Ticket.objects.get(pk=prio.pk))
    assert services.call_next(actor=clerk, counter=counter).pk == first.pk


def test_only_the_services_of_the_counter(open_now, clerk):
    issue(open_now, "kokuho")
    counter = open_now.counter("nerima", 1)  # 届出 only
    with pytest.raises(ApplicationError) as e:
        services.call_next(actor=clerk, counter=counter)
    assert "お待ちの方はいません" in str(e.value.message)
    with pytest.raises(ApplicationError) as e:
        services.call_next(actor=clerk, counter=counter, service=open_now.services["kokuho"])
    assert "取り扱っていません" in str(e.value.message)
    assert Ticket.objects.get().status == Status.WAITING


def test_a_counter_holds_one_ticket_and_a_ticket_one_counter(open_now, clerk):
    c1, c2 = open_now.counter("nerima", 1), open_now.counter("nerima", 2)
    t = issue(open_now)
    issue(open_now)
    services.call_next(actor=clerk, counter=c1)
    with pytest.raises(ApplicationError) as e:
        services.call_next(actor=clerk, counter=c1)
    assert "対応中" in str(e.value.message)
    with pytest.raises(ApplicationError):  # c2 cannot call the ticket c1 holds
        services.call_ticket(actor=clerk, counter=c2, label=t.label)
    # …and the database refuses it even if the service were bypassed.
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(status=Status.WAITING).update(status=Status.CALLED, counter=c1)


def test_call_by_number_and_other_days(open_now, clerk):
    from datetime import timedelta

    from django.utils import timezone

    counter = open_now.counter("nerima", 1)
    old = issue(open_now, at=timezone.now() - timedelta(days=3), check_hours=False)
    with pytest.raises(ApplicationError) as e:
        services.call_ticket(actor=clerk, counter=counter, label="A-001")
    assert "本日の番号札ではありません" in str(e.value.message) and e.value.code == ErrorCode.NOT_FOUND
    t = issue(open_now)
    assert services.call_ticket(actor=clerk, counter=counter, label="ａ００１").pk == t.pk
    with pytest.raises(ApplicationError):
        services.call_ticket(actor=clerk, counter=counter, label="not a number")
    old.refresh_from_db()
    assert old.status == Status.WAITING


def test_clerks_limited_to_their_offices(open_now, make_staff):
    clerk = make_staff(Role.CLERK, offices=[open_now.offices["seki"]])
    issue(open_now)
    with pytest.raises(ApplicationError) as e:
        services.call_next(actor=clerk, counter=open_now.counter("nerima", 1))
    assert e.value.code == ErrorCode.PERMISSION_DENIED


def test_transfer_keeps_number_and_place(open_now, clerk):
    c1 = open_now.counter("nerima", 1)
    early = issue(open_now)
    later_d = issue(open_now, "kokuho")
    t = services.call_next(actor=clerk, counter=c1)
    assert t.pk == early.pk
    moved = services.transfer(actor=clerk, counter=c1, ticket=t, service=open_now.services["kokuho"])
    assert moved.label == "A-001" and moved.status == Status.WAITING and moved.transferred_from_id == t.pk
    assert Ticket.objects.get(pk=t.pk).status == Status.TRANSFERRED
    kokuho = open_now.counter("nerima", 7)
    assert services.call_next(actor=clerk, counter=kokuho).pk == moved.pk  # ahead of D-001 (issued later)
    assert later_d.status == Status.WAITING
    with pytest.raises(ApplicationError):
        services.transfer(actor=clerk, counter=kokuho, ticket=Ticket.objects.get(pk=moved.pk),
                          service=open_now.services["kokuho"])
