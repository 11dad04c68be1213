"""Schemathesis against the live OpenAPI schema, in-process, as an HR admin and as a leader.

The schema is read from the Django WSGI application itself (GET /api/schema/), and every
operation in it becomes one test per role (`[GET /api/v1/...][hr_admin]`), each inside the
transaction pytest-django rolls back, so what one operation writes never reaches another. Each
runs Schemathesis' coverage phase (boundary and wrong-type values of every field, derived from
the schema) and up to MAX_EXAMPLES generated cases, deterministically (derandomized, no example
database), against data that makes the endpoints answer for real: Acme with its staff, an open
pulse wave, an imported round with a computed report snapshot, an action and an analysis job.

Every response must not be a server error, must carry a documented status code and content type,
and must match the documented body schema. The HR admin calls with a write API token; the
leader with a signed-in session (and a CSRF token, as a browser would send), so both
authentication paths and both roles' permission answers (200 vs 403) are checked.

Run alone: .venv/bin/pytest tests/api/test_schemathesis.py -q
"""

import datetime as dt
from urllib.parse import unquote, urlsplit

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from analytics.models import AnalysisJob
from analytics.services import action_create, analysis_request, snapshot_compute
from culturesurvey.wsgi import application
from surveys.models import ApiToken, CompanyValue, Department, Employee, Question, Round
from surveys.services.responses import responses_import
from surveys.services.tokens import api_token_create
from tests.analytics.test_engine import employees_answers, history
from tests.factories import EmployeeFactory

MAX_EXAMPLES = 20

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

STAFF_EMAILS = [f"staff{i}@acme.example" for i in range(12)]

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 1,
        "generation": {
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            # The credentials are the test's own (below): no generated Authorization header or
            # session cookie next to them.
            "with-security-parameters": False,
        },
        "phases": {
            # Operations are tested one by one; request sequences are the API tests' job.
            "stateful": {"enabled": False},
            # Undocumented methods (TRACE, …) get DRF's 405; nothing here checks that answer.
            "coverage": {"unexpected-methods": []},
        },
        # Values the organization's data knows (from docs/examples/acme.yaml, the `staff`
        # fixture and the imported round), offered in place of a generated value half of the
        # time, so that requests also get past validation and reach the code behind it.
        "dictionaries": {
            "emails": {"values": [*STAFF_EMAILS, "new.hire@acme.example"]},
            "departments": {"values": ["Engineering", "Platform", "Sales"]},
            "question_codes": {"values": ["od1", "od2", "enps", "comment"]},
            "value_codes": {"values": ["open_door"]},
            "bank_values": {"values": ["integrity", "recognition", "open_door"]},
            "rounds": {"values": ["2026-09", "2026-08"]},
            # (Departments are named by id in a report: those the `world` fixture's ids decide.)
            "segments": {"values": ["all", "location:Berlin"]},
            "dates": {"values": ["2026-12-31", "2025-01-15"]},
        },
        "parameters": {
            # Every organization path is Acme's: any other slug only meets api_access's 404.
            "path.slug": "acme",
            "body.organization.slug": "acme",
            **{
                key: {"dictionary": name, "probability": 0.5}
                for name, keys in {
                    "emails": ["body.email", "body.people[*].email", "body.employees[*]"],
                    "departments": [
                        "body.department",
                        "body.parent",
                        "body.audience_department",
                        "body.people[*].department",
                        "query.department",
                    ],
                    "question_codes": ["body.questions[*]"],
                    "value_codes": ["body.value", "query.value"],
                    "bank_values": ["body.values[*]"],
                    "rounds": ["body.wave", "body.round", "query.wave", "query.round"],
                    "segments": ["body.segment"],
                    "dates": [
                        "body.start_date",
                        "body.leaving_date",
                        "body.people[*].start_date",
                        "body.people[*].leaving_date",
                    ],
                }.items()
                for key in keys
            },
        },
    }
)

# Loaded when the module is collected (the schema view reads no database). The lazy
# `schemathesis.pytest.from_fixture` would wait for fixtures, but Schemathesis 4.32 renames test
# nodes through `_nodeid`, which pytest 9.2 no longer has.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)

# Identifiers of the rows each test creates (they differ from test to test and between SQLite
# and PostgreSQL), filled in by the `world` fixture and read by the hooks below while a case is
# drawn. The hooks offer them next to the generated value, so cases hit real rows as well as
# missing ones (404).
REAL: dict[str, list] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    if not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    drawn = {}
    for name, generated in path_parameters.items():
        key = name
        if name == "code":
            key = "value_code" if "/values/" in context.operation.path else "question_code"
        real = REAL.get(key, [])
        drawn[name] = st.sampled_from([*real, generated]) if real else st.just(generated)
    return st.fixed_dictionaries(drawn)


@schema.hook
def flatmap_headers(context, headers):
    """GET /api/v1/survey/: a live survey token as often as a generated one."""
    tokens = REAL.get("survey_token")
    if isinstance(headers, dict) and "X-Survey-Token" in headers and tokens:
        live = st.sampled_from(tokens).map(lambda token: {**headers, "X-Survey-Token": token})
        return live | st.just(headers)
    return st.just(headers)


@schema.hook
def flatmap_body(context, body):
    """POST /api/v1/survey/responses/: a live token, with generated or well-formed answers."""
    tokens = REAL.get("survey_token")
    if context.operation.path != "/api/v1/survey/responses/" or not tokens:
        return st.just(body)
    if not isinstance(body, dict):
        return st.just(body)
    valid = {"od1": 4, "od2": 2, "enps": 9, "comment": "More open doors."}
    return st.sampled_from(tokens).flatmap(
        lambda token: st.sampled_from(
            [{**body, "token": token}, {"token": token, "answers": valid}, body]
        )
    )


@pytest.fixture
def world(acme, alice, leo, staff, open_wave, token_for):
    """Acme with data behind every endpoint: an open wave, a round with a report, an action,
    an analysis job, an employee without a department and a token without a creator."""
    responses_import(organization=acme, content=history(employees_answers()))
    round_ = Round.objects.get(organization=acme, label="2026-09")
    snapshot = snapshot_compute(organization=acme, round_=round_)[0]
    action = action_create(
        snapshot=snapshot,
        value_code="open_door",
        owner="Leo",
        due_on=dt.date(2026, 12, 1),
        description="A monthly open-door hour.",
        user=leo,
    )
    analysis_request(organization=acme, round_=round_, user=alice)  # queued: nothing commits
    EmployeeFactory(organization=acme, email="nodept@acme.example", department=None)
    api_token_create(organization=acme, name="hris", scope="read", user=None)

    def ids(model, **lookup) -> list:
        return list(model.objects.filter(**lookup).values_list("pk", flat=True))

    REAL.clear()
    REAL.update(
        department_id=ids(Department, organization=acme),
        employee_id=ids(Employee, organization=acme),
        campaign_id=[open_wave.campaign_id],
        wave_id=[open_wave.pk],
        job_id=ids(AnalysisJob, organization=acme),
        action_id=[action.pk],
        token_id=ids(ApiToken, organization=acme),
        wave=["2026-09", "2026-08"],
        value_code=list(
            CompanyValue.objects.filter(organization=acme).values_list("code", flat=True)
        ),
        question_code=list(
            Question.objects.filter(organization=acme).values_list("code", flat=True)
        ),
        survey_token=[token_for(invitation) for invitation in open_wave.invitations.all()],
    )
    yield
    REAL.clear()


@pytest.fixture
def _keep_the_test_connection():
    """As Django's test Client does: the WSGI handler closes old database connections when a
    request starts and finishes, which would close the test's connection, and with it the
    transaction pytest-django rolls back (PostgreSQL; SQLite's in-memory one never closes)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(request, world, _keep_the_test_connection, acme, alice, leo) -> dict:
    """What each request carries: headers and cookies."""
    if request.param == "hr_admin":
        _record, token = api_token_create(
            organization=acme, name="schemathesis", scope="write", user=alice
        )
        return {"headers": {"Authorization": f"Bearer {token}"}, "cookies": {}}
    client = Client()
    client.force_login(leo)
    csrf = "SchemathesisCsrfSecret0123456789"  # any 32 letters or digits, cookie = header
    return {
        "headers": {"X-CSRFToken": csrf},
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf},
    }


def reaches_the_api(response) -> bool:
    """Whether Django routed the request to an API view. A path value its URL converters
    reject (a slug with other characters, a negative or non-numeric id, `wave` with a slash)
    matches no URL, and Django answers with its own HTML 404 page before any API code runs."""
    try:
        resolve(unquote(urlsplit(response.request.url).path))
    except Resolver404:
        return False
    return True


@pytest.mark.parametrize("credentials", ["hr_admin", "leader"], indirect=True)
@schema.parametrize()
# The fixtures are per test on purpose: one operation's cases share its data and transaction.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_operation_conforms_to_the_schema(case, credentials):
    response = case.call(headers=credentials["headers"], cookies=credentials["cookies"])
    # Requests that never reached the API (see reaches_the_api) are still checked for a server
    # error; their HTML 404 is Django's, which the API's schema does not describe.
    checks = CHECKS if reaches_the_api(response) else [not_a_server_error]
    case.validate_response(response, checks=checks, headers=credentials["headers"])
