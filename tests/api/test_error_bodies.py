"""The survey endpoints answer errors with the body every other endpoint gives,
{"detail": "...", "errors": {"field": "problem"}}, written in one place
(`core.apis.errors.exception_handler`): one test per kind of error."""

import json

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from surveys.models import SurveyResponse
from tests.api.support import ACME, session

pytestmark = pytest.mark.django_db

SURVEY = "/api/v1/survey/responses/"


def post_raw(client: APIClient, url: str, body: str):
    return client.generic("POST", url, body.encode(), content_type="application/json")


def test_it_answers_a_body_over_the_upload_limit_as_the_rest_of_the_api(alice, open_wave):
    padding = "x" * django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = json.dumps({"token": "t", "answers": {"od1": 5}, "padding": padding})

    survey = post_raw(APIClient(), SURVEY, body)
    roster = post_raw(session(alice), f"{ACME}/employees/bulk/", body)

    assert (survey.status_code, roster.status_code) == (413, 413)
    assert survey.json() == roster.json()
    assert survey.json()["detail"].startswith("The request body is too large")


def test_it_answers_a_malformed_request_as_the_rest_of_the_api(alice):
    survey = APIClient().post(SURVEY, {"answers": {"od1": 1}}, format="json")
    departments = session(alice).post(f"{ACME}/departments/", {}, format="json")

    assert (survey.status_code, departments.status_code) == (400, 400)
    assert survey.json() == {
        "detail": departments.json()["detail"],
        "errors": {"token": departments.json()["errors"]["name"]},
    }
    assert departments.json()["errors"] == {"name": "This field is required."}


def test_it_answers_invalid_values_as_the_rest_of_the_api(alice, open_wave, token_for):
    token = token_for(open_wave.invitations.first())

    survey = APIClient().post(SURVEY, {"token": token, "answers": {"od1": 9}}, format="json")
    invitations = session(alice).post(
        f"{ACME}/waves/{open_wave.pk}/invitations/",
        {"employees": ["x@nowhere.test"]},
        format="json",
    )

    assert (survey.status_code, invitations.status_code) == (400, 400)
    assert survey.json() == {
        "detail": invitations.json()["detail"],
        "errors": {"od1": "must be from 1 to 5, not 9"},
    }
    assert invitations.json()["errors"] == {"employees[0]": "not on the roster"}
    assert not SurveyResponse.objects.exists()


def test_it_answers_a_broken_json_document_as_the_rest_of_the_api(alice):
    survey = post_raw(APIClient(), SURVEY, '{"token": ')
    departments = post_raw(session(alice), f"{ACME}/departments/", '{"token": ')

    assert (survey.status_code, departments.status_code) == (400, 400)
    assert survey.json() == departments.json()
    assert set(survey.json()) == {"detail"}


def test_it_answers_an_unknown_token_as_the_rest_of_the_api_answers_not_found(alice):
    survey = APIClient().get("/api/v1/survey/", HTTP_X_SURVEY_TOKEN="nope")
    wave = session(alice).get(f"{ACME}/waves/999999/")

    assert (survey.status_code, wave.status_code) == (404, 404)
    assert set(survey.json()) == set(wave.json()) == {"detail"}
    assert survey.json()["detail"].startswith("This survey link is not valid.")
