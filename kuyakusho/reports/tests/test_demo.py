from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kuyakusho.reports import geo
from kuyakusho.reports.models import Photo, Report, StatusChange

pytestmark = pytest.mark.django_db


def test_demo_reports_are_inside_the_ward_with_a_timeline(capsys):
    call_command("demo_reports", "--count", "60", "--photos", "3")
    assert "60" in capsys.readouterr().out
    reports = list(Report.objects.all())
    assert len(reports) == 60
    assert all(geo.in_ward(r.lat, r.lon) and r.town for r in reports)
    assert StatusChange.objects.filter(to_status="received").count() == 60
    fixed = [r for r in reports if r.status == "fixed"]
    assert all(r.fixed_at and r.fixed_at >= r.created_at for r in fixed)
    assert Photo.objects.count() == 3


def test_demo_reports_refuses_a_negative_count():
    with pytest.raises(CommandError):
        call_command("demo_reports", "--count", "-1")
