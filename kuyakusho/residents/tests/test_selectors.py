"""Search, opening a record with a purpose (audited), permissions on 除票."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest

from kuyakusho.audit.models import AuditEvent
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents import selectors
from kuyakusho.residents.models import Resident
from kuyakusho.residents.selectors import SearchCriteria, open_resident, search_residents

from .factories import HouseholdFactory, ResidentFactory, family

pytestmark = pytest.mark.django_db


def _search(user, criteria, **kw):
    return search_residents(user=user, purpose="consultation", criteria=criteria, **kw)


@pytest.fixture
def people(db):
    h = HouseholdFactory(town="関町北", chome=2, banchi="10", go="3", katagaki="パークハイツ関町 305")
    return {
        "takahashi": ResidentFactory(household=h, name="髙橋 一郎", name_kana="タカハシ イチロウ",
                                     birth_date=dt.date(1970, 1, 8)),
        "vu": ResidentFactory(name="上野 ヴィオラ", name_kana="ウエノ ヴィオラ"),
        "small": ResidentFactory(name="佐藤 しょう", name_kana="サトウ ショウ"),
        "removed": ResidentFactory(name="高橋 二郎", name_kana="タカハシ ジロウ", status="removed",
                                   removed_on=dt.date(2020, 1, 1), removal_reason="death"),
    }


def ids(page):
    return [r.id for r in page.results]


@pytest.mark.parametrize(("criteria", "who"), [
    ({"kana": "たかはし"}, "takahashi"),
    ({"kana": "ﾀｶﾊｼ ｲﾁ"}, "takahashi"),
    ({"kana": "ウエノ ビオラ"}, "vu"),
    ({"kana": "サトウシヨウ"}, "small"),
    ({"kana": "タカハシ　イチロー"}, "takahashi"),
    ({"name": "高橋"}, "takahashi"),
    ({"name": "髙橋一"}, "takahashi"),
    ({"birth_date": "S45.1.8"}, "takahashi"),
    ({"birth_date": "1970-01-08"}, "takahashi"),
    ({"town": "関町北", "chome": 2}, "takahashi"),
    ({"building": "パークハイツ"}, "takahashi"),
])
def test_search_finds(clerk, people, criteria, who):
    page = _search(clerk, SearchCriteria(**criteria))
    assert ids(page) == [people[who].pk]
    assert "my_number" not in vars(page.results[0])


def test_search_by_resident_code(clerk, people):
    code = people["small"].resident_code
    assert ids(_search(clerk, SearchCriteria(resident_code=code))) == [people["small"].pk]


def test_removed_records_only_when_asked_and_allowed(clerk, supervisor, people):
    with pytest.raises(ApplicationError) as e:
        _search(clerk, SearchCriteria(kana="タカハシ", include_removed=True))
    assert e.value.code == ErrorCode.PERMISSION_DENIED
    page = _search(supervisor, SearchCriteria(kana="タカハシ", include_removed=True))
    assert ids(page) == [people["takahashi"].pk, people["removed"].pk]
    assert page.results[1].removed


@pytest.mark.parametrize(("criteria", "field"), [
    ({}, "kana"), ({"kana": "高橋"}, "kana"), ({"birth_date": "平成32年1月1日"}, "birth_date"),
    ({"resident_code": "12345678901"}, "resident_code"), ({"town": "銀座"}, "town"),
])
def test_search_refusals(clerk, criteria, field):
    with pytest.raises(ApplicationError) as e:
        _search(clerk, SearchCriteria(**criteria))
    assert e.value.field == field


def test_search_is_paged_and_audited(clerk):
    for i in range(25):
        ResidentFactory(name=f"鈴木 {i}", name_kana=f"スズキ {chr(0x30A2 + 2 * (i % 20))}")
    page1 = _search(clerk, SearchCriteria(kana="スズキ"), per_page=20)
    page2 = _search(clerk, SearchCriteria(kana="スズキ"), page=2, per_page=20)
    assert len(page1.results) == 20 and page1.has_next and len(page2.results) == 5 and not page2.has_next
    assert not set(ids(page1)) & set(ids(page2))
    # One read per person listed, each page on its own.
    audit = AuditEvent.objects.filter(action="residents.search").order_by("seq")
    assert [a.subject_id for a in audit] == [str(i) for i in ids(page1) + ids(page2)]
    assert {(a.kind, a.purpose) for a in audit} == {("read", "consultation")}
    assert audit.last().detail == {"criteria": ["kana"], "include_removed": False, "page": 2}


def test_a_search_that_finds_nobody_is_still_recorded(clerk):
    _search(clerk, SearchCriteria(kana="ダレモイナイ"))
    assert list(AuditEvent.objects.filter(action="residents.search").values_list("subject_id", flat=True)) == [""]


def test_search_query_count_does_not_grow(clerk, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ResidentFactory(name="鈴木 一", name_kana="スズキ ハジメ")
    _search(clerk, SearchCriteria(kana="スズキ"))  # the audit chain head exists now
    with CaptureQueriesContext(connection) as one:
        _search(clerk, SearchCriteria(kana="スズキ"), per_page=30)
    for i in range(30):
        ResidentFactory(name=f"鈴木 {i}", name_kana="スズキ タロウ")
    # one SELECT for residents joined with their households, then the audit append
    with django_assert_num_queries(len(one.captured_queries)) as many:
        page = _search(clerk, SearchCriteria(kana="スズキ"), per_page=30)
    assert len(page.results) == 30
    assert sum('FROM "residents_resident"' in q["sql"] for q in many.captured_queries) == 1


def test_open_needs_a_purpose_and_writes_a_read_event(clerk, people):
    r = people["takahashi"]
    with pytest.raises(ApplicationError) as e:
        open_resident(user=clerk, resident_id=r.pk, purpose="curiosity")
    assert e.value.field == "purpose"
    record = open_resident(user=clerk, resident_id=r.pk, purpose="certificate")
    assert record.resident == r
    audit = AuditEvent.objects.get(action="residents.open")
    assert (audit.subject_id, audit.purpose, audit.kind) == (str(r.pk), "certificate", "read")


def test_open_fails_when_the_audit_fails(clerk, people):
    with mock.patch("kuyakusho.residents.selectors.record_reads", side_effect=RuntimeError("audit down")), \
            pytest.raises(RuntimeError):
        open_resident(user=clerk, resident_id=people["takahashi"].pk, purpose="certificate")


def test_removed_record_needs_the_capability(clerk, supervisor, people):
    with pytest.raises(ApplicationError) as e:
        open_resident(user=clerk, resident_id=people["removed"].pk, purpose="certificate")
    assert e.value.code == ErrorCode.PERMISSION_DENIED
    assert open_resident(user=supervisor, resident_id=people["removed"].pk, purpose="certificate")


def test_history_lists_events_with_changes(clerk):
    from kuyakusho.residents.services import Address, Mover, Notifier, file_move_within

    (head,) = family(1)
    file_move_within(actor=clerk, household_id=head.household_id, movers=[Mover(head.pk, 1)],
                     address=Address("桜台", 2, "5"), moved_on=dt.date.today(), notifier=Notifier())
    items = open_resident(user=clerk, resident_id=head.pk, purpose="notification").history
    assert [i.event.kind for i in items] == ["initial", "move_within"]
    assert items[1].changes["town"] == ["豊玉北", "桜台"]


def test_household_on_query_count(django_assert_num_queries):
    members = family(4)
    with django_assert_num_queries(2):
        assert len(selectors.household_on(members[0].household, dt.date.today())) == 4
    assert Resident.objects.count() == 4


def test_a_search_needs_a_purpose_and_records_it_with_each_person(clerk, people, client_as):
    from kuyakusho.audit.models import AuditEvent

    with pytest.raises(ApplicationError) as e:
        search_residents(user=clerk, purpose="", criteria=SearchCriteria(kana="タカハシ"))
    assert e.value.field == "purpose"
    assert not AuditEvent.objects.filter(action="residents.search").exists()
    c = client_as(clerk)
    r = c.get("/console/residents/", {"kana": "タカハシ"})  # the console asks before it lists anybody
    assert "閲覧の目的" in r.text and "選んでください" in r.text and "タカハシ　" not in r.text
    assert not AuditEvent.objects.filter(action="residents.search").exists()
    assert c.get("/api/residents/search", {"kana": "タカハシ"}).status_code == 422
    c.get("/console/residents/", {"kana": "タカハシ", "purpose": "certificate"})
    searched = AuditEvent.objects.filter(action="residents.search")
    assert set(searched.values_list("purpose", flat=True)) == {"certificate"}
