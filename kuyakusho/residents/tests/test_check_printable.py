"""manage.py check_printable: the register values a certificate could not print, by id, field and code point."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kuyakusho.audit.models import AuditEvent
from kuyakusho.residents.models import Household, Resident

from .factories import family

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("check_printable", *args, stdout=out)
    except CommandError as e:
        return out.getvalue(), e
    return out.getvalue(), None


def test_a_clean_register_passes():
    family(3)
    out, error = run()
    assert error is None and out.strip() == "all printable"
    assert not AuditEvent.objects.filter(action="residents.check_printable").exists()


def test_unprintable_values_are_listed_without_the_values():
    head, wife, child = family(3)
    Resident.objects.filter(pk=head.pk).update(name="山田\u202e太郎")
    Resident.objects.filter(pk=wife.pk).update(name_kana="ネリマ ハナコ😀", honseki="葛\U000e0100飾区")
    Household.objects.filter(pk=head.household_id).update(katagaki="ハイツ\u200b203")
    Resident.objects.filter(pk=child.pk).update(name="練馬\u00a0一郎")  # prints, but the policy refuses it now
    out, error = run()
    lines = out.strip().splitlines()
    assert lines == [
        f"resident {head.pk} name: U+202E RIGHT-TO-LEFT OVERRIDE (format)",
        f"resident {wife.pk} name_kana: U+1F600 GRINNING FACE (emoji)",
        f"resident {wife.pk} honseki: U+845B U+E0100 CJK UNIFIED IDEOGRAPH-845B + VARIATION SELECTOR-17 "
        "(variant_not_in_font)",
        f"household {head.household_id} katagaki: U+200B ZERO WIDTH SPACE (format)",
    ]
    assert "山田" not in out and "ハイツ" not in out and "葛" not in out
    assert error is not None and "4 value(s)" in str(error)
    reads = AuditEvent.objects.filter(action="residents.check_printable").order_by("seq")
    assert [(e.subject_id, e.purpose, e.detail["fields"], e.channel) for e in reads] == [
        (str(head.pk), "correction", ["name"], "system"),
        (str(wife.pk), "correction", ["name_kana", "honseki"], "system"),
    ]


def test_policy_also_lists_what_the_input_policy_refuses_today():
    (head,) = family(1)
    Resident.objects.filter(pk=head.pk).update(name="練馬\u00a0一郎")
    out, error = run()
    assert error is None and "all printable" in out
    out, error = run("--policy")
    assert out.strip() == f"resident {head.pk} name: U+00A0 NO-BREAK SPACE (separator)" and error is not None
