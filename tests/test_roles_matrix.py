"""Every page and API operation × every kind of caller, with the answer each must get.

One table, `OPERATIONS`, lists every named page and every operation of the OpenAPI schema with
its access rule; `test_the_matrix_covers_every_page_and_operation` fails on a new page or
endpoint until its rule is stated here. One function, `expected`, turns a rule and a caller
into the answer, for pages and API alike: the same rule means the same reach through either.

Callers: an anonymous visitor, an employee holding a survey link, an HR admin, a leader, a
leader scoped to one department, an HR admin of another organization, and read and write API
tokens.
"""

from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from rest_framework.test import APIClient

from analytics.models import Action, AnalysisJob
from analytics.services import snapshot_compute
from surveys.models import ApiToken, Role, Round
from surveys.services.campaigns import wave_launch
from surveys.services.people import access_invite, invite_token
from surveys.services.responses import response_accept
from surveys.services.tokens import api_token_create
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

# The rules, for pages and API alike:
RULES = {
    "public": "anyone",
    "sso": "anyone once single sign-on is configured; 404 while it is not (as here)",
    "survey": "anyone holding a survey token (its own checks are tested elsewhere)",
    "invite": "anyone holding an invitation link (its own checks are tested elsewhere)",
    "first_run": "nobody once the product is set up: the first-run page is gone (404)",
    "own": "anyone signed in: their own organizations",
    "member": "HR admins and leaders; API tokens",
    "member_write": "HR admins and leaders; write tokens",
    "hr": "HR admins; API tokens",
    "hr_write": "HR admins; write tokens",
    "hr_session": "signed-in HR admins only, never a token",
}


@dataclass(frozen=True)
class Operation:
    """A page (by URL name, with its URL arguments) or an API operation (by its schema path)."""

    kind: str  # "page" or "api"
    method: str
    target: str
    rule: str
    kwargs: dict = field(default_factory=dict)

    def url(self, ids: dict) -> str:
        if self.kind == "page":
            return reverse(
                self.target, kwargs={k: str(v).format(**ids) for k, v in self.kwargs.items()}
            )
        # A value's code is not a question's: the values path takes a value that exists.
        return self.target.replace("/values/{code}/", "/values/open_door/").format(**ids)


def page(name: str, method: str, rule: str, **kwargs: str) -> Operation:
    return Operation("page", method, name, rule, kwargs)


def api(method: str, path: str, rule: str) -> Operation:
    return Operation("api", method, path, rule)


ACME = {"slug": "acme"}
ORG = "/api/v1/organizations/acme"
OPERATIONS = [
    # Pages
    page("home", "get", "own"),
    page("login", "get", "public"),
    page("logout", "post", "public"),
    page("oidc_authentication_init", "get", "sso"),
    page("oidc_authentication_callback", "get", "sso"),
    page("sso_refused", "get", "sso"),
    # Anyone may choose the interface's language; a signed-in person's choice is also stored.
    page("language_choose", "post", "public"),
    page("privacy", "get", "public"),
    page("healthz", "get", "public"),
    page("survey", "get", "survey", token="{token}"),
    page("survey_done", "get", "public"),
    page("first_run", "get", "first_run"),
    page("invite_accept", "get", "invite", token="{invite}"),
    page("password_reset", "get", "public"),
    page("password_reset_done", "get", "public"),
    page("password_reset_confirm", "get", "public", uidb64="MQ", token="set-password"),
    page("password_reset_complete", "get", "public"),
    page("departments", "get", "hr", **ACME),
    page("department_edit", "get", "hr", **ACME, department_id="{department_id}"),
    page("department_delete", "get", "hr", **ACME, department_id="{department_id}"),
    page("people", "get", "hr", **ACME),
    page("invite_revoke", "get", "hr", **ACME, invite_id="{invite_id}"),
    page("member_remove", "get", "hr", **ACME, membership_id="{membership_id}"),
    page("organization", "get", "member", **ACME),
    page("organization_sign_in", "post", "hr_write", **ACME),
    page("values", "get", "member", **ACME),
    page("campaign", "get", "member", **ACME, campaign_id="{campaign}"),
    page("report", "get", "member", **ACME),
    page("report_wave", "get", "member", **ACME, wave="{wave}"),
    page("report_export", "get", "member", **ACME, wave="{wave}", fmt="csv"),
    page("report_compute", "post", "member_write", **ACME, wave="{wave}"),
    page("report_progress", "get", "member", **ACME, wave="{wave}"),
    page("action_new", "post", "member_write", **ACME, wave="{wave}"),
    page("action_done", "post", "member_write", **ACME, action_id="{action}"),
    page("analysis_job", "get", "member", **ACME, job_id="{job}"),
    page("access_log", "get", "member", **ACME),
    page("roster", "get", "hr", **ACME),
    page("employee_leaver", "post", "hr_write", **ACME, employee_id="{employee}"),
    page("value_new", "get", "hr", **ACME),
    page("value_edit", "get", "hr", **ACME, code="open_door"),
    page("definition", "get", "hr", **ACME),
    page("bank_adopt", "post", "hr_write", **ACME),
    page("history_import", "get", "hr", **ACME),
    page("campaign_wizard", "get", "hr", **ACME),
    page("campaign_wizard_step", "get", "hr", **ACME, step="basics"),
    page("campaign_wizard_create", "post", "hr_write", **ACME),
    page("campaign_launch", "post", "hr_write", **ACME, campaign_id="{campaign}"),
    page("wave", "get", "hr", **ACME, wave_id="{open_wave}"),
    page("wave_close", "post", "hr_write", **ACME, wave_id="{open_wave}"),
    page("wave_remind", "post", "hr_write", **ACME, wave_id="{open_wave}"),
    page("round_close", "get", "hr", **ACME, label="{open_round}"),
    # API operations
    api("get", "/api/v1/organizations/", "own"),
    api("get", f"{ORG}/", "member"),
    api("patch", f"{ORG}/", "hr_write"),
    api("get", f"{ORG}/access-log/", "member"),
    api("get", f"{ORG}/actions/", "member"),
    api("post", f"{ORG}/actions/", "member_write"),
    api("get", f"{ORG}/actions/{{action_id}}/", "member"),
    api("patch", f"{ORG}/actions/{{action_id}}/", "member_write"),
    api("get", f"{ORG}/campaigns/", "member"),
    api("post", f"{ORG}/campaigns/", "hr_write"),
    api("get", f"{ORG}/campaigns/{{campaign_id}}/", "member"),
    api("patch", f"{ORG}/campaigns/{{campaign_id}}/", "hr_write"),
    api("post", f"{ORG}/campaigns/{{campaign_id}}/launch/", "hr_write"),
    api("get", f"{ORG}/definition/", "hr"),
    api("put", f"{ORG}/definition/", "hr_write"),
    api("get", f"{ORG}/departments/", "member"),
    api("post", f"{ORG}/departments/", "hr_write"),
    api("get", f"{ORG}/departments/{{department_id}}/", "member"),
    api("patch", f"{ORG}/departments/{{department_id}}/", "hr_write"),
    # Engineering: used (departments below it), so even an allowed caller changes nothing.
    api("delete", f"{ORG}/departments/{{department_id}}/", "hr_write"),
    api("get", f"{ORG}/employees/", "hr"),
    api("post", f"{ORG}/employees/", "hr_write"),
    api("get", f"{ORG}/employees/{{employee_id}}/", "hr"),
    api("patch", f"{ORG}/employees/{{employee_id}}/", "hr_write"),
    api("post", f"{ORG}/employees/{{employee_id}}/leaver/", "hr_write"),
    api("post", f"{ORG}/employees/bulk/", "hr_write"),
    api("get", f"{ORG}/jobs/{{job_id}}/", "member"),
    api("get", f"{ORG}/question-bank/", "member"),
    api("post", f"{ORG}/question-bank/adopt/", "hr_write"),
    api("get", f"{ORG}/questions/", "member"),
    api("post", f"{ORG}/questions/", "hr_write"),
    api("get", f"{ORG}/questions/{{code}}/", "member"),
    api("patch", f"{ORG}/questions/{{code}}/", "hr_write"),
    api("get", f"{ORG}/reports/", "member"),
    api("get", f"{ORG}/reports/{{wave}}/", "member"),
    api("post", f"{ORG}/reports/{{wave}}/compute/", "member_write"),
    api("get", f"{ORG}/reports/{{wave}}/progress/", "member"),
    api("get", f"{ORG}/reports/latest/", "member"),
    api("get", f"{ORG}/tokens/", "hr_session"),
    api("post", f"{ORG}/tokens/", "hr_session"),
    api("delete", f"{ORG}/tokens/{{token_id}}/", "hr_session"),
    api("get", f"{ORG}/values/", "member"),
    api("post", f"{ORG}/values/", "hr_write"),
    api("get", f"{ORG}/values/{{code}}/", "member"),
    api("patch", f"{ORG}/values/{{code}}/", "hr_write"),
    api("get", f"{ORG}/waves/", "member"),
    api("get", f"{ORG}/waves/{{wave_id}}/", "member"),
    api("post", f"{ORG}/waves/{{wave_id}}/close/", "hr_write"),
    api("get", f"{ORG}/waves/{{wave_id}}/invitations/", "hr"),
    api("post", f"{ORG}/waves/{{wave_id}}/invitations/", "hr_write"),
    api("post", f"{ORG}/waves/{{wave_id}}/reminders/", "hr_write"),
    api("get", f"{ORG}/waves/{{wave_id}}/response-rates/", "hr"),
    api("get", "/api/v1/survey/", "survey"),
    api("post", "/api/v1/survey/responses/", "survey"),
]
PAGES = [op for op in OPERATIONS if op.kind == "page"]
ENDPOINTS = [op for op in OPERATIONS if op.kind == "api"]
NOT_PAGES = {"api_schema", "api_docs", "api_redoc"}  # the API's own documentation: public
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
    invite = access_invite(organization=acme, email="lena@acme.example", role=Role.LEADER)[0]
    read_token = api_token_create(organization=acme, name="read", scope="read", user=None)[1]
    write_token = api_token_create(organization=acme, name="write", scope="write", user=None)[1]
    return {
        "users": {"hr": alice, "leader": leo, "scoped_leader": sales_leader, "other_org": charlie},
        "tokens": {"read_token": read_token, "write_token": write_token},
        "ids": {
            "token": token_for(next_wave.invitations.first()),
            "wave": Round.objects.get(label="2026-08").label,
            "campaign": pulse.pk,
            "open_wave": next_wave.pk,
            "open_round": next_wave.round.label,
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
            "invite": invite_token(invite=invite),
            "invite_id": invite.pk,
            "membership_id": leo.memberships.get().pk,
        },
    }


USERS = ("hr", "leader", "scoped_leader", "other_org")
TOKENS = ("read_token", "write_token")
ALLOWED = "allowed"
SIGN_IN = "sign_in"  # a page's redirect to the sign-in page


def expected(op: Operation, caller: str) -> int | str:
    """The answer `caller` must get from `op`: ALLOWED, SIGN_IN, or a status code."""
    if op.rule in ("public", "survey", "invite"):
        return ALLOWED
    if op.rule == "sso":
        return 404
    if op.rule == "first_run":
        return 404
    if op.kind == "page" and caller not in USERS:
        return SIGN_IN  # pages know sessions only: a token or a survey link signs no one in
    if caller in ("anonymous", "employee"):
        return 401  # a survey link is no API credential
    if op.rule == "own":
        return ALLOWED
    if caller == "other_org":
        return 404  # another organization's data does not exist for them
    if op.rule == "hr_session":
        return ALLOWED if caller == "hr" else 403
    if op.rule in ("hr", "hr_write") and caller in ("leader", "scoped_leader"):
        return 403
    if op.rule in ("member_write", "hr_write") and caller == "read_token":
        return 403
    return ALLOWED


def client_for(world, kind: str, caller: str) -> Client:
    """A browser (pages) or an API client, holding what `caller` holds."""
    client = Client() if kind == "page" else APIClient()
    if caller in USERS:
        client.force_login(world["users"][caller])
    elif kind == "api" and caller in TOKENS:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {world['tokens'][caller]}")
    elif kind == "api" and caller == "employee":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {world['ids']['token']}")
    return client


def call(client: Client, op: Operation, url: str):
    if op.kind == "api" and op.method in ("post", "put", "patch"):
        # An empty body: allowed callers get past the access check (then 2xx or 400/409).
        return getattr(client, op.method)(url, data={}, format="json")
    return getattr(client, op.method)(url)


@pytest.mark.parametrize("caller", CALLERS)
def test_every_operation_answers_each_caller_as_it_should(world, caller):
    clients = {kind: client_for(world, kind, caller) for kind in ("page", "api")}
    wrong = []
    for op in OPERATIONS:
        if op.target == "logout" or (op.kind == "api" and op.rule == "survey"):
            continue  # signing out ends the session under test; the survey API is tested below
        url = op.url(world["ids"])
        response = call(clients[op.kind], op, url)
        status = response.status_code
        outcome = expected(op, caller)
        location = response.get("Location", "")
        if outcome == SIGN_IN:
            right = status == 302 and location.startswith("/accounts/login/")
        elif outcome == ALLOWED:
            right = status not in (401, 403, 404, 500) and not (
                status == 302 and location.startswith("/accounts/login/")
            )
        else:
            right = status == outcome
        if not right:
            wrong.append((op.kind, op.method, url, op.rule, outcome, status))
    assert wrong == []


def api_client(world, caller: str) -> APIClient:
    return client_for(world, "api", caller)


def test_survey_endpoints_answer_to_the_survey_token_only(world):
    client = APIClient()
    assert client.get("/api/v1/survey/").status_code == 404
    assert (
        client.get("/api/v1/survey/", HTTP_X_SURVEY_TOKEN=world["ids"]["token"]).status_code == 200
    )
    for caller in ("hr", "leader", "write_token"):
        # Staff credentials open no survey.
        staff_client = api_client(world, caller)
        assert staff_client.get("/api/v1/survey/").status_code == 404
    answered = client.post(
        "/api/v1/survey/responses/",
        {"token": world["ids"]["token"], "answers": {"od1": 3}},
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
    assert named - admin - {op.target for op in PAGES} - NOT_PAGES == set()
    assert {op.rule for op in OPERATIONS} <= set(RULES)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operations = {
        (method, path.replace("{slug}", "acme"))
        for path, methods in schema["paths"].items()
        for method in methods
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert operations == {(op.method, op.target) for op in ENDPOINTS}
    assert len(ENDPOINTS) == len(operations)  # each operation once


def _url_patterns(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if hasattr(pattern, "url_patterns"):
            if getattr(pattern, "namespace", None) == "admin":
                continue
            yield from _url_patterns(pattern, prefix)
        else:
            yield pattern
