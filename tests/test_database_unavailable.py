"""While the database cannot answer (a restart, a failover) every request gets a clean 503 with
Retry-After, never a 500, and nothing half-done is stored. tests/faults restarts a real
PostgreSQL under load; these fail the queries in-process, at each place a request meets the
database."""

import contextlib
import json

import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from culturesurvey.middleware import database_unavailable
from surveys.models import Invitation, PendingAnswer

pytestmark = pytest.mark.django_db

UNAVAILABLE = {"detail": "The service is briefly unavailable; nothing was stored. Try again."}


@contextlib.contextmanager
def database_down(*, writes_to: str = ""):
    """Statements fail as they do when the server goes away: every one, or only those that
    write to the table `writes_to`. Savepoint bookkeeping still runs, so the test's own
    transaction survives."""

    def fail(execute, sql, params, many, context):
        statement = sql.lstrip().upper()
        if statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")) or (
            writes_to
            and not (statement.startswith(("INSERT", "UPDATE")) and writes_to.upper() in statement)
        ):
            return execute(sql, params, many, context)
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(fail):
        yield


def assert_clean_503_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "Nothing you sent has been stored" in response.content.decode()


def test_the_survey_page_answers_503_and_the_token_still_works(open_wave, token_for):
    invitation = open_wave.invitations.first()
    token = token_for(invitation)

    with database_down():
        response = Client().post(f"/s/{token}/", {"od1": "4", "confirm_partial": "1"})

    assert_clean_503_page(response)
    assert token not in response.content.decode()
    assert not PendingAnswer.objects.exists()
    assert Invitation.objects.get(pk=invitation.pk).answered is False
    sent = {"od1": "4", "confirm_partial": "1"}
    assert Client().post(f"/s/{token}/", sent).status_code == 302  # once it is back
    assert PendingAnswer.objects.count() == 1


def test_the_survey_api_answers_503_in_json_and_the_token_still_works(open_wave, token_for):
    token = token_for(open_wave.invitations.first())
    body = {"token": token, "answers": {"od1": 4}}

    with database_down():
        response = APIClient().post("/api/v1/survey/responses/", body, format="json")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == UNAVAILABLE
    assert not PendingAnswer.objects.exists()
    assert APIClient().post("/api/v1/survey/responses/", body, format="json").status_code == 201


def test_a_signed_in_page_answers_503(alice):
    client = Client()
    client.force_login(alice)

    with database_down():
        response = client.get("/o/acme/")

    assert_clean_503_page(response)


def test_a_session_that_cannot_be_saved_after_the_view_answers_503(alice):
    # given: the wizard keeps its state in the session, saved once the view has answered
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    assert client.get("/o/acme/campaigns/new/").status_code == 200

    # when: only writing the session fails
    with database_down(writes_to="django_session"):
        response = client.get("/o/acme/campaigns/new/")

    # then
    assert_clean_503_page(response)


def test_the_health_check_says_503(db):
    with database_down():
        response = Client().get("/healthz")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_an_api_path_gets_the_api_s_own_503_body():
    response = database_unavailable(RequestFactory().get("/api/v1/organizations/acme/"))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert json.loads(response.content) == UNAVAILABLE


def test_other_errors_are_still_500s(alice):
    def bug(execute, sql, params, many, context):
        raise ValueError("a bug, not an outage")

    client = Client(raise_request_exception=False)
    client.force_login(alice)
    with connection.execute_wrapper(bug):
        response = client.get("/o/acme/")

    assert response.status_code == 500
    assert "Retry-After" not in response
