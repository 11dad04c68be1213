"""Every page and API operation × every kind of caller, with the answer each must get.

Callers: an anonymous visitor, an employee holding a survey link, an HR admin, a leader, a
leader scoped to one department, and an HR admin of another organization. The tables below
must list every named page and every operation of the OpenAPI schema: a new page or endpoint
fails `test_the_matrix_covers_every_page_and_operation` until its access rule is stated here.
"""

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from rest_framework.test import APIClient

from analytics.models import Action, AnalysisJob
from analytics.services import snapshot_compute
from surveys.models import ApiToken, Role, Round
from surveys.services.responses import response_accept
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

# Who may use it: "public" (anyone; the survey needs its token), "member" (HR admins and
# leaders), "hr" (HR admins only), "staff" (Django admin users only).
PAGES = {
    "home": ("get", "member", {}),
    "login": ("get", "public", {}),
    "logout": ("post", "public", {}),
    "privacy": ("get", "public", {}),
    "healthz": ("get", "public", {}),
    "survey": ("get", "survey", {"token": "{token}"}),
    "survey_done": ("get", "public", {}),
    "organization": ("get", "member", {"slug": "acme"}),
    "values": ("get", "member", {"slug": "acme"}),
    "campaign": ("get", "member", {"slug": "acme", "campaign_id": "{campaign}"}),
    "report": ("get", "member", {"slug": "acme"}),
    "report_wave": ("get", "member", {"slug": "acme", "wave": "{wave}"}),
    "report_export": ("get", "member", {"slug": "acme", "wave": "{wave}", "fmt": "csv"}),
    "report_compute": ("post", "member", {"slug": "acme", "wave": "{wave}"}),
    "report_progress": ("get", "member", {"slug": "acme", "wave": "{wave}"}),
    "action_new": ("post", "member", {"slug": "acme", "wave": "{wave}"}),
    "action_done": ("post", "member", {"slug": "acme", "action_id": "{action}"}),
    "analysis_job": ("get", "member", {"slug": "acme", "job_id": "{job}"}),
    "access_log": ("get", "member", {"slug": "acme"}),
    "roster": ("get", "hr", {"slug": "acme"}),
    "employee_leaver": ("post", "hr", {"slug": "acme", "employee_id": "{employee}"}),
    "value_new": ("get", "hr", {"slug": "acme"}),
    "value_edit": ("get", "hr", {"slug": "acme", "code": "open_door"}),
    "definition": ("get", "hr", {"slug": "acme"}),
    "bank_adopt": ("post", "hr", {"slug": "acme"}),
    "history_import": ("get", "hr", {"slug": "acme"}),
    "campaign_wizard": ("get", "hr", {"slug": "acme"}),
    "campaign_wizard_step": ("get", "hr", {"slug": "acme", "step": "basics"}),
    "campaign_wizard_create": ("post", "hr", {"slug": "acme"}),
    "campaign_launch": ("post", "hr", {"slug": "acme", "campaign_id": "{campaign}"}),
    "wave": ("get", "hr", {"slug": "acme", "wave_id": "{open_wave}"}),
    "wave_close": ("post", "hr", {"slug": "acme", "wave_id": "{open_wave}"}),
    "wave_remind": ("post", "hr", {"slug": "acme", "wave_id": "{open_wave}"}),
}
NOT_PAGES = {"api_schema", "api_docs", "api_redoc"}  # the API's own documentation: public

# API operations: "any" (HR admins, leaders, tokens read), "member_write" (HR admins, leaders,
# write tokens), "hr" (HR admins and tokens), "hr_write" (HR admins, write tokens),
# "hr_session" (signed-in HR admins only, never a token), "survey" (the survey token).
ORG = "/api/v1/organizations/acme"
OPERATIONS = {
    ("get", "/api/v1/organizations/"): "list",
    ("get", f"{ORG}/"): "any",
    ("patch", f"{ORG}/"): "hr_write",
    ("get", f"{ORG}/access-log/"): "any",
    ("get", f"{ORG}/actions/"): "any",
    ("post", f"{ORG}/actions/"): "member_write",
    ("get", f"{ORG}/actions/{{action_id}}/"): "any",
    ("patch", f"{ORG}/actions/{{action_id}}/"): "member_write",
    ("get", f"{ORG}/campaigns/"): "any",
    ("post", f"{ORG}/campaigns/"): "hr_write",
    ("get", f"{ORG}/campaigns/{{campaign_id}}/"): "any",
    ("patch", f"{ORG}/campaigns/{{campaign_id}}/"): "hr_write",
    ("post", f"{ORG}/campaigns/{{campaign_id}}/launch/"): "hr_write",
    ("get", f"{ORG}/definition/"): "hr",
    ("put", f"{ORG}/definition/"): "hr_write",
    ("get", f"{ORG}/departments/"): "any",
    ("post", f"{ORG}/departments/"): "hr_write",
    ("get", f"{ORG}/departments/{{department_id}}/"): "any",
    ("patch", f"{ORG}/departments/{{department_id}}/"): "hr_write",
    ("get", f"{ORG}/employees/"): "hr",
    ("post", f"{ORG}/employees/"): "hr_write",
    ("get", f"{ORG}/employees/{{employee_id}}/"): "hr",
    ("patch", f"{ORG}/employees/{{employee_id}}/"): "hr_write",
    ("post", f"{ORG}/employees/{{employee_id}}/leaver/"): "hr_write",
    ("post", f"{ORG}/employees/bulk/"): "hr_write",
    ("get", f"{ORG}/jobs/{{job_id}}/"): "any",
    ("get", f"{ORG}/question-bank/"): "any",
    ("post", f"{ORG}/question-bank/adopt/"): "hr_write",
    ("get", f"{ORG}/questions/"): "any",
    ("post", f"{ORG}/questions/"): "hr_write",
    ("get", f"{ORG}/questions/{{code}}/"): "any",
    ("patch", f"{ORG}/questions/{{code}}/"): "hr_write",
    ("get", f"{ORG}/reports/"): "any",
    ("get", f"{ORG}/reports/{{wave}}/"): "any",
    ("post", f"{ORG}/reports/{{wave}}/compute/"): "member_write",
    ("get", f"{ORG}/reports/{{wave}}/progress/"): "any",
    ("get", f"{ORG}/reports/latest/"): "any",
    ("get", f"{ORG}/tokens/"): "hr_session",
    ("post", f"{ORG}/tokens/"): "hr_session",
    ("delete", f"{ORG}/tokens/{{token_id}}/"): "hr_session",
    ("get", f"{ORG}/values/"): "any",
    ("post", f"{ORG}/values/"): "hr_write",
    ("get", f"{ORG}/values/{{code}}/"): "any",
    ("patch", f"{ORG}/values/{{code}}/"): "hr_write",
    ("get", f"{ORG}/waves/"): "any",
    ("get", f"{ORG}/waves/{{wave_id}}/"): "any",
    ("post", f"{ORG}/waves/{{wave_id}}/close/"): "hr_write",
    ("get", f"{ORG}/waves/{{wave_id}}/invitations/"): "hr",
    ("post", f"{ORG}/waves/{{wave_id}}/invitations/"): "hr_write",
    ("post", f"{ORG}/waves/{{wave_id}}/reminders/"): "hr_write",
    ("get", f"{ORG}/waves/{{wave_id}}/response-rates/"): "hr",
    ("get", "/api/v1/survey/"): "survey",
    ("post", "/api/v1/survey/responses/"): "survey",
}
CALLERS = [
    "anonymous",
    "employee",
    "hr",
    "leader",
    "scoped_leader",
    "other_org",
    "read_token",
    "write_token",
]
DENIED = {401, 403, 404, 302}


@pytest.fixture
def world(acme, alice, leo, charlie, staff, open_wave, pulse, token_for, close_and_seal):
    """Acme with a roster, an open wave, a closed round with a report, an action and a job."""
    sales_leader = UserFactory(username="sam")
    MembershipFactory(
        user=sales_leader,
        organization=acme,
        role=Role.LEADER,
        department=acme.departments.get(name="Sales"),
    )
    for invitation in open_wave.invitations.all()[:11]:
        response_accept(token=token_for(invitation), answers={"od1": 4, "od2": 2})
    from surveys.services.campaigns import wave_launch

    next_wave = wave_launch(campaign=pulse, round_label="2026-09")
    close_and_seal(open_wave)
    snapshot = snapshot_compute(organization=acme, round_=open_wave.round)[0]
    action = Action.objects.create(
        organization=acme,
        value=acme.values.first(),
        round=snapshot.round,
        owner="Maren",
        due_on="2026-12-01",
        description="Q&A",
    )
    job = AnalysisJob.objects.create(organization=acme, round=snapshot.round, status="done")
    from surveys.services.tokens import api_token_create

    read_token = api_token_create(organization=acme, name="read", scope="read", user=None)[1]
    write_token = api_token_create(organization=acme, name="write", scope="write", user=None)[1]
    return {
        "users": {"hr": alice, "leader": leo, "scoped_leader": sales_leader, "other_org": charlie},
        "tokens": {"read_token": read_token, "write_token": write_token},
        "survey_token": token_for(next_wave.invitations.first()),
        "ids": {
            "wave": Round.objects.get(label="2026-08").label,
            "campaign": pulse.pk,
            "open_wave": next_wave.pk,
            "action": action.pk,
            "job": job.pk,
            "employee": staff[0].pk,
            "action_id": action.pk,
            "campaign_id": pulse.pk,
            "department_id": acme.departments.first().pk,
            "employee_id": staff[0].pk,
            "job_id": job.pk,
            "wave_id": next_wave.pk,
            "code": "od1",
            "token_id": ApiToken.objects.get(name="read").pk,
        },
    }


def page_client(world, caller: str) -> Client:
    client = Client()
    if caller in world["users"]:
        client.force_login(world["users"][caller])
    return client


def expected_page(rule: str, caller: str) -> str:
    if rule in ("public", "survey"):
        return "allowed"
    if caller in ("anonymous", "employee", "read_token", "write_token"):
        return "sign_in"
    if caller == "other_org":
        return "not_found"
    if rule == "hr" and caller != "hr":
        return "forbidden"
    return "allowed"


@pytest.mark.parametrize("caller", CALLERS)
def test_every_page_answers_each_caller_as_it_should(world, caller):
    client = page_client(world, caller)
    for name, (method, rule, kwargs) in PAGES.items():
        if name == "logout":
            continue  # signing out works for anyone and would end the session under test
        filled = {
            k: str(v).format(token=world["survey_token"], **world["ids"]) for k, v in kwargs.items()
        }
        url = reverse(name, kwargs=filled)
        response = getattr(client, method)(url)
        outcome = expected_page(rule, caller)
        if name == "home" and caller == "other_org":
            outcome = "allowed"  # home lists one's own organizations
        status = response.status_code
        if outcome == "sign_in":
            assert status == 302, (caller, name, status)
            assert response["Location"].startswith("/accounts/login/"), (caller, name)
        elif outcome == "not_found":
            assert status == 404, (caller, name, status)
        elif outcome == "forbidden":
            assert status == 403, (caller, name, status)
        else:
            assert status not in (401, 403, 404, 500), (caller, name, status)
            if status == 302:
                assert not response["Location"].startswith("/accounts/login/"), (caller, name)


def api_client(world, caller: str) -> APIClient:
    client = APIClient()
    if caller in world["users"]:
        client.force_login(world["users"][caller])
    elif caller in world["tokens"]:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {world['tokens'][caller]}")
    elif caller == "employee":
        # A survey link token is not an API credential.
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {world['survey_token']}")
    return client


def expected_api(rule: str, caller: str) -> int | str:
    if rule == "survey":
        return "allowed"  # governed by the survey token, tested below
    if caller == "anonymous":
        return 401
    if caller == "employee":
        return 401
    if rule == "list":
        return "allowed"
    if caller == "other_org":
        return 404
    leader = caller in ("leader", "scoped_leader")
    if rule == "any":
        return "allowed"
    if rule == "member_write":
        return 403 if caller == "read_token" else "allowed"
    if rule == "hr":
        return 403 if leader else "allowed"
    if rule == "hr_write":
        return 403 if leader or caller == "read_token" else "allowed"
    if rule == "hr_session":
        return "allowed" if caller == "hr" else 403
    raise AssertionError(rule)


@pytest.mark.parametrize("caller", CALLERS)
def test_every_api_operation_answers_each_caller_as_it_should(world, caller):
    client = api_client(world, caller)
    for (method, template), rule in OPERATIONS.items():
        url = template.replace("/values/{code}/", "/values/open_door/").format(**world["ids"])
        if rule == "survey":
            continue
        # An empty body: allowed callers get past the access check (then 2xx or 400/409).
        kwargs = {"format": "json", "data": {}} if method in ("post", "put", "patch") else {}
        response = getattr(client, method)(url, **kwargs)
        expected = expected_api(rule, caller)
        if expected == "allowed":
            assert response.status_code not in (401, 403, 404, 500), (
                caller,
                method,
                url,
                response.status_code,
                response.content[:200],
            )
        else:
            assert response.status_code == expected, (caller, method, url, response.status_code)


def test_survey_endpoints_answer_to_the_survey_token_only(world):
    client = APIClient()
    assert client.get("/api/v1/survey/").status_code == 404
    assert (
        client.get("/api/v1/survey/", HTTP_X_SURVEY_TOKEN=world["survey_token"]).status_code == 200
    )
    for caller in ("hr", "leader", "write_token"):
        # Staff credentials open no survey.
        staff_client = api_client(world, caller)
        assert staff_client.get("/api/v1/survey/").status_code == 404
    answered = client.post(
        "/api/v1/survey/responses/",
        {"token": world["survey_token"], "answers": {"od1": 3}},
        format="json",
    )
    assert answered.status_code == 201


def test_the_matrix_covers_every_page_and_operation(client):
    named = {
        pattern.name
        for pattern in _url_patterns(get_resolver())
        if pattern.name and not pattern.name.startswith("api_")
    }
    admin = {name for name in named if ":" in name}
    assert named - admin - set(PAGES) - NOT_PAGES == set()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operations = {
        (method, path.replace("{slug}", "acme"))
        for path, methods in schema["paths"].items()
        for method in methods
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert operations == set(OPERATIONS)


def _url_patterns(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if hasattr(pattern, "url_patterns"):
            if getattr(pattern, "namespace", None) == "admin":
                continue
            yield from _url_patterns(pattern, prefix)
        else:
            yield pattern
