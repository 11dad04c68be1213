"""Every form of the HR pages: bad input is refused with its problem next to the field it is
about (status 400), and nothing changes."""

import pytest
from django.test import Client

from surveys.models import CompanyValue, Employee, Question, SurveyResponse, Wave
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def error_next_to(body: str, field: str, message: str) -> bool:
    return f'<p class="error" id="{field}-error">{message}' in body


def test_it_asks_for_a_roster_file(alice):
    response = client_for(alice).post("/o/acme/roster/", {})

    assert response.status_code == 400
    body = response.content.decode()
    assert error_next_to(body, "file", "Choose a CSV file to upload.")
    assert body.index('id="roster-file"') < body.index('id="file-error"')
    assert not Employee.objects.exists()


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("31/12/2026", "Give the leaving date as YYYY-MM-DD."),
        ("", "Give the leaving date as YYYY-MM-DD."),
        ("2020-01-01", "The leaving date is before the start date."),
    ],
)
def test_it_refuses_a_bad_leaving_date_next_to_that_persons_row(alice, acme, date, message):
    ana = EmployeeFactory(organization=acme, email="ana@acme.example")
    bo = EmployeeFactory(organization=acme, email="bo@acme.example")

    response = client_for(alice).post(
        f"/o/acme/roster/{ana.pk}/leaver/", {"leaving_date": date, "confirm": "1"}
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert error_next_to(body, "leaving_date", message)
    # next to Ana's date field, not Bo's
    error = body.index('id="leaving_date-error"')
    assert body.rindex(f'id="leave-{ana.pk}"', 0, error) > body.rfind(
        f'id="leave-{bo.pk}"', 0, error
    )
    ana.refresh_from_db()
    assert ana.leaving_date is None


def test_it_asks_for_an_organization_file(alice, acme):
    response = client_for(alice).post("/o/acme/values/", {})

    assert response.status_code == 400
    assert error_next_to(response.content.decode(), "file", "Choose a definition file to upload.")


def test_it_refuses_a_value_not_in_the_question_bank(alice, acme):
    before = Question.objects.count()

    response = client_for(alice).post("/o/acme/values/bank/", {"values": ["synergy"]})

    assert response.status_code == 400
    assert error_next_to(response.content.decode(), "values", "Select a valid choice.")
    assert Question.objects.count() == before
    assert list(CompanyValue.objects.values_list("code", flat=True)) == ["open_door"]


def test_it_asks_for_a_history_file(alice):
    response = client_for(alice).post("/o/acme/history/", {})

    assert response.status_code == 400
    assert error_next_to(response.content.decode(), "file", "Choose a CSV file to upload.")
    assert not SurveyResponse.objects.exists()


def test_it_refuses_a_closing_date_that_is_not_a_date(alice, pulse):
    response = client_for(alice).post(
        f"/o/acme/campaigns/{pulse.pk}/launch/", {"round": "2026-08", "closes_on": "next week"}
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert error_next_to(body, "closes_on", "Give the closing date as YYYY-MM-DD.")
    assert 'value="2026-08"' in body  # what was typed stays
    assert not Wave.objects.exists()


def test_the_launch_services_refusal_shows_on_the_launch_form(alice, pulse):
    response = client_for(alice).post(
        f"/o/acme/campaigns/{pulse.pk}/launch/", {"closes_on": "2020-01-01", "confirm": "1"}
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "Nothing was launched:</strong> The closing date is before the opening date." in body
    assert not Wave.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"code": "has space", "name": "Candour"}, "code", "Use letters, digits, - and _ only."),
        ({"code": "candour", "name": ""}, "name", "Give the value a name."),
    ],
)
def test_it_refuses_a_new_value_with_a_bad_field(alice, acme, data, field, message):
    response = client_for(alice).post("/o/acme/values/new/", data)

    assert response.status_code == 400
    body = response.content.decode()
    assert error_next_to(body, field, message)
    assert f'value="{data[field]}"' in body  # what was typed stays
    assert not CompanyValue.objects.exclude(code="open_door").exists()


def test_it_asks_for_the_text_of_a_new_question(alice, acme):
    response = client_for(alice).post(
        "/o/acme/values/open_door/edit/", {"name": "Open door", "new_code": "od9"}
    )

    assert response.status_code == 400
    assert error_next_to(response.content.decode(), "new_text", "Give the new question a text.")
    assert not Question.objects.filter(code="od9").exists()
