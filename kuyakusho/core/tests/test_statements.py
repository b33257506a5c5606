"""The yearly counter: one statement on Django's cursor, numbers without gaps, the year's row made once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kuyakusho.core.statements import next_in_year
from kuyakusho.residents.models import ReceiptCounter

pytestmark = pytest.mark.django_db


def test_next_in_year_opens_the_year_at_one_then_counts_up_in_one_statement():
    assert next_in_year(ReceiptCounter, 2031) == 1  # no row yet: created at 1
    with CaptureQueriesContext(connection) as ctx:
        assert next_in_year(ReceiptCounter, 2031) == 2
    assert len(ctx.captured_queries) == 1 and ctx.captured_queries[0]["sql"].startswith("UPDATE")
    assert next_in_year(ReceiptCounter, 2031, durable=False) == 3
    assert next_in_year(ReceiptCounter, 2032) == 1  # each fiscal year its own numbers
    assert dict(ReceiptCounter.objects.values_list("fiscal_year", "last")) == {2031: 3, 2032: 1}
