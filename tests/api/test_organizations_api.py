"""Organizations, departments, the roster with the HRIS push, and API tokens."""

import pytest
from rest_framework.test import APIClient

from surveys.models import ApiToken, CampaignKind, Department, Employee, Organization, Question
from surveys.services.automation import campaign_create
from surveys.services.campaigns import wave_launch
from surveys.services.tokens import api_token_create
from tests.api.support import BASE, bearer, session
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


# --- Organizations ------------------------------------------------------------------------


def test_members_list_their_organizations(alice, leo, globex):
    assert session(alice).get(f"{BASE}/").json() == [
        {
            "slug": "acme",
            "name": "Acme",
            "min_group_size": 5,
            "timezone": "UTC",
            "language": "en",
            "role": "hr_admin",
        }
    ]
    assert session(leo).get(f"{BASE}/acme/").json()["role"] == "leader"
    assert [o["slug"] for o in bearer(globex, "read").get(f"{BASE}/").json()] == ["globex"]


def test_hr_admins_change_settings(alice, acme):
    response = session(alice).patch(
        f"{BASE}/acme/", {"min_group_size": 7, "timezone": "Europe/Berlin"}, format="json"
    )
    assert response.status_code == 200
    acme.refresh_from_db()
    assert (acme.min_group_size, acme.timezone) == (7, "Europe/Berlin")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"min_group_size": 2}, "min_group_size"),
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(alice, acme, payload, field):
    response = session(alice).patch(f"{BASE}/acme/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Invalid input; nothing was changed."
    assert field in body["errors"]
    acme.refresh_from_db()
    assert (acme.min_group_size, acme.timezone, acme.name) == (5, "UTC", "Acme")


def test_roles_tokens_and_other_organizations_on_settings(leo, charlie, acme, globex):
    assert session(leo).patch(f"{BASE}/acme/", {"name": "X"}, format="json").status_code == 403
    assert (
        bearer(acme, "read").patch(f"{BASE}/acme/", {"name": "X"}, format="json").status_code == 403
    )
    assert session(charlie).get(f"{BASE}/acme/").status_code == 404
    assert (
        bearer(globex, "write").patch(f"{BASE}/acme/", {"name": "X"}, format="json").status_code
        == 404
    )
    assert APIClient().get(f"{BASE}/acme/").status_code == 401
    assert Organization.objects.get(slug="acme").name == "Acme"


def test_a_bad_or_revoked_token_is_401(acme, alice):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer cs_not-a-real-token")
    assert client.get(f"{BASE}/acme/").status_code == 401
    record, token = api_token_create(organization=acme, name="old", scope="read", user=None)
    session(alice).delete(f"{BASE}/acme/tokens/{record.pk}/")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get(f"{BASE}/acme/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked API token."}
    assert response["WWW-Authenticate"] == "Bearer"


# --- Departments --------------------------------------------------------------------------


def test_departments_are_listed_created_and_moved(alice, acme):
    client = session(alice)
    names = {d["name"]: d for d in client.get(f"{BASE}/acme/departments/").json()}
    assert names["Platform"]["parent"] == "Engineering"
    created = client.post(
        f"{BASE}/acme/departments/", {"name": "Support", "parent": "Sales"}, format="json"
    )
    assert created.status_code == 201
    moved = client.patch(
        f"{BASE}/acme/departments/{names['Platform']['id']}/", {"parent": None}, format="json"
    )
    assert moved.json()["parent"] is None
    assert Department.objects.get(organization=acme, name="Support").parent.name == "Sales"


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"name": "Sales"}, "name"), ({"name": "X", "parent": "Nowhere"}, "parent"), ({}, "name")],
)
def test_bad_departments_are_refused(alice, acme, payload, field):
    before = Department.objects.count()
    response = session(alice).post(f"{BASE}/acme/departments/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Department.objects.count() == before


def test_a_department_cannot_move_below_itself(alice, acme):
    engineering = Department.objects.get(organization=acme, name="Engineering")
    response = session(alice).patch(
        f"{BASE}/acme/departments/{engineering.pk}/", {"parent": "Platform"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"parent": "would make a cycle"}


def test_an_unused_department_is_deleted_and_a_used_one_is_not(alice, acme, staff):
    client = session(alice)
    legal = client.post(f"{BASE}/acme/departments/", {"name": "Legal"}, format="json").json()
    sales = Department.objects.get(organization=acme, name="Sales")

    assert client.delete(f"{BASE}/acme/departments/{legal['id']}/").status_code == 204
    refused = client.delete(f"{BASE}/acme/departments/{sales.pk}/")

    assert refused.status_code == 409
    assert "4 people on the roster" in refused.json()["detail"]
    assert not Department.current.filter(name="Legal").exists()
    assert Department.objects.filter(pk=sales.pk).exists()


def test_departments_of_another_organization_are_404(charlie, acme, globex):
    engineering = Department.objects.get(organization=acme, name="Engineering")
    assert session(charlie).get(f"{BASE}/globex/departments/{engineering.pk}/").status_code == 404
    assert session(charlie).get(f"{BASE}/acme/departments/").status_code == 404


# --- The roster and the HRIS push ---------------------------------------------------------

PEOPLE = [
    {
        "email": "Ana@acme.example",
        "name": "Ana",
        "department": "Engineering",
        "start_date": "2023-04-01",
        "location": "Berlin",
        "level": "Senior",
    },
    {"email": "bo@acme.example", "name": "Bo", "department": "Sales"},
]


def test_the_hris_push_upserts_and_the_same_payload_twice_changes_nothing(acme):
    client = bearer(acme, "write")
    first = client.post(f"{BASE}/acme/employees/bulk/", {"people": PEOPLE}, format="json")
    again = client.post(f"{BASE}/acme/employees/bulk/", {"people": PEOPLE}, format="json")

    assert first.json() == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "exit_invitations": 0,
        "dry_run": False,
    }
    assert again.json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
        "exit_invitations": 0,
        "dry_run": False,
    }
    ana = Employee.objects.get(organization=acme, email="ana@acme.example")
    assert (ana.department.name, str(ana.start_date), ana.level) == (
        "Engineering",
        "2023-04-01",
        "Senior",
    )


def test_fields_a_person_leaves_out_are_left_alone(acme):
    client = bearer(acme, "write")
    client.post(f"{BASE}/acme/employees/bulk/", {"people": PEOPLE}, format="json")
    response = client.post(
        f"{BASE}/acme/employees/bulk/",
        {"people": [{"email": "ana@acme.example", "level": "Lead"}]},
        format="json",
    )
    assert response.json()["updated"] == 1
    ana = Employee.objects.get(email="ana@acme.example")
    assert (ana.level, ana.location, ana.name) == ("Lead", "Berlin", "Ana")


def test_a_bad_row_rejects_the_whole_push(acme):
    people = [
        *PEOPLE,
        {"email": "not-an-email"},
        {"email": "x@acme.example", "department": "Moon"},
        {"email": "y@acme.example", "start_date": "03/04/2025"},
    ]
    response = bearer(acme, "write").post(
        f"{BASE}/acme/employees/bulk/", {"people": people}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"people[2].email", "people[3].department", "people[4].start_date"}
    assert not Employee.objects.exists()


def test_a_dry_run_counts_and_saves_nothing(acme):
    response = bearer(acme, "write").post(
        f"{BASE}/acme/employees/bulk/", {"people": PEOPLE, "dry_run": True}, format="json"
    )
    assert response.json()["created"] == 2
    assert not Employee.objects.exists()


def test_a_leaver_pushed_by_the_hris_is_invited_to_the_exit_survey(acme):
    questions = list(Question.objects.filter(organization=acme, perspective="employee"))
    exit_campaign = campaign_create(
        organization=acme, name="Exit", kind=CampaignKind.EXIT, questions=questions
    )
    client = bearer(acme, "write")
    client.post(f"{BASE}/acme/employees/bulk/", {"people": PEOPLE}, format="json")
    leaving = [{"email": "bo@acme.example", "leaving_date": "2026-12-31"}]

    first = client.post(f"{BASE}/acme/employees/bulk/", {"people": leaving}, format="json")
    again = client.post(f"{BASE}/acme/employees/bulk/", {"people": leaving}, format="json")

    assert first.json()["exit_invitations"] == 1
    assert again.json()["exit_invitations"] == 0
    assert list(exit_campaign.waves.get().invitations.values_list("email", flat=True)) == [
        "bo@acme.example"
    ]


def test_the_leaver_endpoint_is_idempotent(alice, acme):
    questions = list(Question.objects.filter(organization=acme, perspective="employee"))
    exit_campaign = campaign_create(
        organization=acme, name="Exit", kind=CampaignKind.EXIT, questions=questions
    )
    wave_launch(campaign=exit_campaign)
    ana = EmployeeFactory(organization=acme, email="ana@acme.example")
    client = session(alice)
    url = f"{BASE}/acme/employees/{ana.pk}/leaver/"

    first = client.post(url, {"leaving_date": "2026-12-31"}, format="json")
    again = client.post(url, {"leaving_date": "2026-12-31"}, format="json")

    assert first.json()["exit_invitation_sent"] is True
    assert again.json()["exit_invitation_sent"] is False
    assert exit_campaign.waves.get().invitations.count() == 1
    bad = client.post(url, {"leaving_date": "someday"}, format="json")
    assert bad.status_code == 400
    assert "leaving_date" in bad.json()["errors"]


def test_the_roster_list_is_filtered_and_paginated(alice, acme):
    for i in range(60):
        EmployeeFactory(
            organization=acme,
            email=f"p{i:02}@acme.example",
            department=acme.departments.get(name="Sales" if i % 2 else "Engineering"),
        )
    client = session(alice)
    page = client.get(f"{BASE}/acme/employees/").json()
    assert (page["count"], len(page["results"])) == (60, 50)
    assert page["next"].endswith("page=2")
    sales = client.get(f"{BASE}/acme/employees/", {"department": "Sales", "page_size": 100}).json()
    assert sales["count"] == 30
    assert {r["department"] for r in sales["results"]} == {"Sales"}
    found = client.get(f"{BASE}/acme/employees/", {"q": "p07"}).json()
    assert [r["email"] for r in found["results"]] == ["p07@acme.example"]


def test_one_person_is_created_and_updated(alice, acme):
    client = session(alice)
    response = client.post(f"{BASE}/acme/employees/", PEOPLE[0], format="json")
    assert response.status_code == 201
    pk = response.json()["id"]
    assert client.post(f"{BASE}/acme/employees/", PEOPLE[0], format="json").status_code == 409
    patched = client.patch(f"{BASE}/acme/employees/{pk}/", {"location": "Lisbon"}, format="json")
    assert patched.json()["location"] == "Lisbon"
    refused = client.patch(f"{BASE}/acme/employees/{pk}/", {"department": "Moon"}, format="json")
    assert refused.status_code == 400
    assert Employee.objects.get(pk=pk).department.name == "Engineering"


def test_the_roster_is_for_hr_admins_and_their_organization(leo, charlie, acme, globex):
    ana = EmployeeFactory(organization=acme)
    assert session(leo).get(f"{BASE}/acme/employees/").status_code == 403
    assert session(leo).get(f"{BASE}/acme/employees/{ana.pk}/").status_code == 403
    assert session(charlie).get(f"{BASE}/acme/employees/").status_code == 404
    assert session(charlie).get(f"{BASE}/globex/employees/{ana.pk}/").status_code == 404
    assert (
        bearer(globex, "write")
        .post(f"{BASE}/acme/employees/bulk/", {"people": PEOPLE}, format="json")
        .status_code
        == 404
    )
    assert (
        bearer(acme, "read")
        .post(f"{BASE}/acme/employees/bulk/", {"people": PEOPLE}, format="json")
        .status_code
        == 403
    )
    assert APIClient().get(f"{BASE}/acme/employees/").status_code == 401
    assert Employee.objects.count() == 1


# --- API tokens ---------------------------------------------------------------------------


def test_hr_admins_create_list_and_revoke_tokens(alice, acme):
    client = session(alice)
    response = client.post(
        f"{BASE}/acme/tokens/", {"name": "HRIS", "scope": "write"}, format="json"
    )
    assert response.status_code == 201
    token = response.json()["token"]
    assert token.startswith("cs_")
    record = ApiToken.objects.get()
    assert token not in (record.token_hash, record.prefix)
    listed = client.get(f"{BASE}/acme/tokens/").json()
    assert "token" not in listed[0]
    assert listed[0]["prefix"] == token[:10]

    integration = APIClient()
    integration.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert integration.get(f"{BASE}/acme/").status_code == 200
    client.delete(f"{BASE}/acme/tokens/{record.pk}/")
    assert integration.get(f"{BASE}/acme/").status_code == 401


def test_tokens_cannot_manage_tokens_and_leaders_cannot_either(leo, charlie, acme):
    assert (
        bearer(acme, "write").post(f"{BASE}/acme/tokens/", {"name": "x"}, format="json").status_code
        == 403
    )
    assert (
        session(leo).post(f"{BASE}/acme/tokens/", {"name": "x"}, format="json").status_code == 403
    )
    assert session(charlie).get(f"{BASE}/acme/tokens/").status_code == 404
    bad = session(charlie).post(
        f"{BASE}/globex/tokens/", {"name": "x", "scope": "admin"}, format="json"
    )
    assert bad.status_code == 400
    assert "scope" in bad.json()["errors"]
    assert ApiToken.objects.filter(organization=acme).count() == 1  # the bearer() helper's own


def test_survey_submissions_are_rate_limited(open_wave, monkeypatch):
    from core.apis.base import SurveyRateThrottle

    monkeypatch.setattr(SurveyRateThrottle, "THROTTLE_RATES", {"survey": "3/minute"})
    client = APIClient()
    statuses = [
        client.post(
            "/api/v1/survey/responses/", {"token": "nope", "answers": {}}, format="json"
        ).status_code
        for _ in range(5)
    ]
    assert statuses == [404, 404, 404, 429, 429]


def test_rate_limits_let_requests_through_when_their_store_is_down(open_wave, token_for):
    from unittest import mock

    token = token_for(open_wave.invitations.first())
    with mock.patch("django.core.cache.cache.get", side_effect=ConnectionError("redis down")):
        response = APIClient().post(
            "/api/v1/survey/responses/", {"token": token, "answers": {"od1": 4}}, format="json"
        )
    assert response.status_code == 201


def test_every_endpoint_answers_oversized_and_deeply_nested_json_with_a_json_error(alice, acme):
    client = session(alice)
    huge = {"people": [{"email": "x" * 1000}] * 6000}  # about 6 MB
    response = client.post(f"{BASE}/acme/employees/bulk/", huge, format="json")
    assert response.status_code == 413
    assert response.json()["detail"].startswith("The request body is too large")
    nested = "[" * 100_000 + "]" * 100_000
    response = client.generic(
        "POST", f"{BASE}/acme/departments/", nested, content_type="application/json"
    )
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
    assert not Employee.objects.exists()


def test_unknown_api_paths_answer_in_json(alice):
    response = session(alice).get(f"{BASE}/a%20b/employees/-1/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_forged_forwarded_for_header_does_not_escape_the_rate_limit(open_wave, monkeypatch):
    from core.apis.base import SurveyRateThrottle

    monkeypatch.setattr(SurveyRateThrottle, "THROTTLE_RATES", {"survey": "2/minute"})
    client = APIClient()
    statuses = [
        client.post(
            "/api/v1/survey/responses/",
            {"token": "nope", "answers": {}},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(4)
    ]
    assert statuses == [404, 404, 429, 429]
