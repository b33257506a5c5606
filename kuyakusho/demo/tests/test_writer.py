"""The synthetic ward in the register: rows, constraints, audit, search and rebuild-by-date."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count, Max, Q
from django.utils import timezone

from kuyakusho.accounts.capabilities import Role
from kuyakusho.audit.models import AuditEvent
from kuyakusho.demo.population.surnames import VARIANTS
from kuyakusho.demo.population.writer import RegisterNotEmpty, generate
from kuyakusho.residents import selectors
from kuyakusho.residents.models import Event, EventEntry, Household, MoveOutCertificate, ReceiptCounter, Resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def ward(db):
    return generate(residents=2000, seed=11, today=timezone.localdate())


def test_rows_counts_and_audit(ward):
    assert Resident.objects.filter(selectors.resident_q()).count() == 2000 == ward.residents
    assert Resident.objects.filter(status="removed").count() == ward.removed > 0
    assert Household.objects.count() == ward.households
    assert Event.objects.count() == ward.events and EventEntry.objects.count() == ward.entries
    assert MoveOutCertificate.objects.exists()
    # every resident has at least one event; each open household has exactly one active head
    assert not Resident.objects.annotate(n=Count("entries")).filter(n=0).exists()
    heads = Household.objects.filter(closed_on__isnull=True).annotate(
        heads=Count("members", filter=Q(members__is_head=True, members__status="active")))
    assert set(heads.values_list("heads", flat=True)) == {1}
    audit = AuditEvent.objects.get(action="demo_ward.generate")
    assert audit.detail["residents"] == 2000 and audit.detail["seed"] == 11
    assert AuditEvent.objects.count() == 1  # one event for the load, none per row
    for counter in ReceiptCounter.objects.all():
        top = Event.objects.filter(fiscal_year=counter.fiscal_year).aggregate(m=Max("serial"))["m"]
        assert counter.last == top


def test_refuses_a_register_that_is_not_empty(ward):
    with pytest.raises(RegisterNotEmpty):
        generate(residents=10, seed=1, today=timezone.localdate())


def test_search_finds_generated_people_with_variant_kanji(ward, make_staff):
    clerk = make_staff(Role.CLERK)
    written = {v: common for common, variants in VARIANTS.items() for v, _ in variants}
    variant = next(r for r in Resident.objects.filter(status="active").order_by("id")
                   if r.name.split("\u3000")[0] in written)
    common = written[variant.name.split("\u3000")[0]]
    found = selectors.search_residents(user=clerk, purpose="consultation", criteria=selectors.SearchCriteria(
        name=common, birth_date=variant.birth_date.isoformat()))
    assert variant.pk in [r.id for r in found.results]
    by_code = selectors.search_residents(user=clerk, purpose="consultation", criteria=selectors.SearchCriteria(
        resident_code=variant.resident_code))
    assert [r.id for r in by_code.results] == [variant.pk]
    by_kana = selectors.search_residents(user=clerk, purpose="consultation", criteria=selectors.SearchCriteria(
        kana=variant.name_kana, birth_date=variant.birth_date.isoformat()))
    assert variant.pk in [r.id for r in by_kana.results]


def test_history_rebuilds_the_earlier_address(ward):
    event = Event.objects.filter(kind="move_within").order_by("id").first()
    entry = event.entries.select_related("resident__household").first()
    resident, household = entry.resident, entry.resident.household
    before = selectors.resident_on(resident, event.moved_on - timedelta(days=1))
    after = selectors.resident_on(resident, event.moved_on)
    assert after.town == household.town and after.banchi == household.banchi
    assert before is not None and before.address != after.address
    assert after.previous_address == before.address


def test_removed_people_are_removed_from_their_date(ward):
    gone = Resident.objects.filter(status="removed", removed_on__lt=timezone.localdate()).first()
    state = selectors.resident_on(gone, gone.removed_on)
    assert state.status == "removed" and not state.is_resident_on(gone.removed_on)
    earlier = selectors.resident_on(gone, gone.removed_on - timedelta(days=1))
    assert earlier.status == "active"


def test_command_loads_offices_staff_and_population(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path  # demo logins go here, not into the developer's var/
    call_command("demo_ward", "--residents=150", "--seed=3", f"--as-of={timezone.localdate().isoformat()}")
    assert Resident.objects.filter(status="active").count() == 150
    call_command("demo_ward", residents=150, if_empty=True)  # already loaded: nothing happens
    assert Resident.objects.filter(status="active").count() == 150


def test_generated_text_passes_the_character_policy(monkeypatch):
    """The generator's rows go through the register's character policy: a value it refuses stops the load."""
    from kuyakusho.demo.population import generator
    from kuyakusho.demo.population.writer import GeneratedTextRefused

    original = generator.Ward.new_person

    def with_a_bidi_override(self, *args, **kwargs):
        person = original(self, *args, **kwargs)
        person.name = person.name + "\u202e"
        return person

    monkeypatch.setattr(generator.Ward, "new_person", with_a_bidi_override)
    with pytest.raises(GeneratedTextRefused, match=r"Resident\.(name|hittosha): U\+202E \(format\)"):
        generate(residents=50, seed=3, today=timezone.localdate())
    assert not Resident.objects.exists()
