"""Schemathesis over the served OpenAPI description, in-process (WSGI), bounded and seeded.

Every operation is called with generated requests, valid and invalid, as an anonymous caller and as a
supervisor (console session with its CSRF token). The checks: no 5xx; every status and body as the
description states (``status_code_conformance``, ``response_schema_conformance``, content types and
headers); a schema-valid request is not refused for a reason the description does not state
(``positive_data_acceptance``: refusals other than the documented domain ones — 400 with the rule's
message, 401/403/404/409/423 — fail it, and so does 422, since a validation error on valid data means the
schema left out a rule); a schema-invalid request is refused (``negative_data_rejection``).
"""

from __future__ import annotations

import os
import secrets

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from config.wsgi import application
from kuyakusho.accounts.capabilities import Role
from kuyakusho.core.identifiers import my_number_check_digit, resident_code_check_digit

# Bounded: a few examples per operation and caller (≈ 54 operations × 2 callers × 3 ≈ 300 requests), one seed.
# SCHEMATHESIS_MAX_EXAMPLES=50 for a deeper run by hand.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "3"))
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20261206"))

CONFIG = {
    "seed": SEED,
    # Printable text is generated in ASCII: the full character policy for names (which code points print) has
    # tests of its own and cannot be written as a JSON-schema pattern.
    "generation": {"max-examples": MAX_EXAMPLES, "database": "none", "mode": "all", "codec": "ascii",
                   # Credentials are ours to give (none, or the supervisor's session), not generated.
                   "with-security-parameters": False},
    "phases": {
        "examples": {"enabled": False},
        "coverage": {"enabled": False},
        "stateful": {"enabled": False},
        "fuzzing": {"enabled": True},
    },
    "checks": {
        "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409", "423", "429"]},
        # Stateful checks that re-send requests are for a server with its own state; not in-process here.
        "use_after_free": {"enabled": False},
        "ensure_resource_availability": {"enabled": False},
        # Refusing missing or wrong credentials is walked for every operation and role by
        # kuyakusho/core/tests/test_routes.py; here the credentials are given, so a re-sent request keeps them.
        "ignored_auth": {"enabled": False},
    },
}



@pytest.fixture(autouse=True)
def _one_connection_per_test():
    """As Django's test client does: the WSGI app must not close the test's database connection (and with it
    the test's transaction) when a request starts or finishes."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def ward(db):
    from kuyakusho.demo.offices import create_offices
    from kuyakusho.residents.tests.factories import family, record_initial_event

    create_offices()
    record_initial_event(*family(3))


@pytest.fixture
def supervisor_session(make_staff, client, ward):
    """The console session of a supervisor at every office, and a CSRF token that matches its cookie."""
    from kuyakusho.offices.models import Office

    supervisor = make_staff(Role.SUPERVISOR, "supervisor", offices=list(Office.objects.all()))
    client.force_login(supervisor)
    csrf = secrets.token_hex(16)  # 32 characters: Django's unmasked secret form
    return {"headers": {"X-CSRFToken": csrf},
            "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf}}


# Identifiers carry check digits, which a pattern cannot state: the description names them as formats.
schemathesis.openapi.format("my-number", st.from_regex(r"\A[0-9]{11}\Z").map(lambda d: d + my_number_check_digit(d)))
schemathesis.openapi.format("resident-code",
                            st.from_regex(r"\A[0-9]{10}\Z").map(lambda d: d + resident_code_check_digit(d)))

# The description as the site serves it (read once, at collection; it touches no database).
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application, config=SchemathesisConfig.from_dict(CONFIG))


# The data (offices, a household, the supervisor) are set up once per operation and shared by its examples.
SHARED_FIXTURES = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                  HealthCheck.filter_too_much, HealthCheck.data_too_large])


@schema.parametrize()
@SHARED_FIXTURES
def test_api_anonymous(case, ward):
    case.call_and_validate()


@schema.parametrize()
@SHARED_FIXTURES
def test_api_as_supervisor(case, supervisor_session):
    case.call_and_validate(**supervisor_session)
