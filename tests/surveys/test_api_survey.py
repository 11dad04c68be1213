import pytest
from rest_framework.test import APIClient

from surveys.errors import INVALID_TOKEN_MESSAGE
from surveys.models import Answer, SurveyResponse

pytestmark = pytest.mark.django_db


def test_the_definition_lists_the_questions(open_wave, token_for):
    token = token_for(open_wave.invitations.first())

    response = APIClient().get("/api/v1/survey/", HTTP_X_SURVEY_TOKEN=token)

    assert response.status_code == 200
    data = response.json()
    assert (data["organization"], data["campaign"], data["kind"]) == ("Acme", "Pulse", "pulse")
    assert [q["code"] for q in data["questions"]] == ["od1", "od2", "enps", "comment"]
    enps = data["questions"][2]
    assert (enps["type"], enps["min"], enps["max"]) == ("recommend", 0, 10)
    assert data["min_group_size"] == 5


def test_a_submission_is_stored_once(open_wave, token_for, close_and_seal):
    token = token_for(open_wave.invitations.first())
    client = APIClient()

    first = client.post(
        "/api/v1/survey/responses/",
        {"token": token, "answers": {"od1": 5, "comment": "ok"}},
        format="json",
    )
    second = client.post(
        "/api/v1/survey/responses/", {"token": token, "answers": {"od1": 1}}, format="json"
    )

    assert first.status_code == 201
    assert "id" not in first.json()  # nothing that identifies the stored response
    assert second.status_code == 404
    assert second.json()["detail"].startswith("This survey link is not valid.")
    assert not SurveyResponse.objects.exists()  # it waits, sealed, for the wave to close
    close_and_seal(open_wave)
    assert SurveyResponse.objects.count() == 1
    assert Answer.objects.get(question__code="od1").number == 5


def test_bad_answers_get_field_errors_and_nothing_is_stored(open_wave, token_for):
    token = token_for(open_wave.invitations.first())

    response = APIClient().post(
        "/api/v1/survey/responses/",
        {"token": token, "answers": {"od1": 9, "zz": 1}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "od1": "must be from 1 to 5, not 9",
        "zz": "is not a question of this survey",
    }
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize(
    "payload", [{}, {"token": "x"}, {"answers": {"od1": 1}}, {"token": "x", "answers": [1, 2]}]
)
def test_malformed_submissions_are_refused(payload):
    response = APIClient().post("/api/v1/survey/responses/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Invalid input; nothing was changed."


def test_unknown_tokens_get_404(db):
    for response in (
        APIClient().get("/api/v1/survey/", HTTP_X_SURVEY_TOKEN="nope"),
        APIClient().get("/api/v1/survey/"),
        APIClient().post(
            "/api/v1/survey/responses/", {"token": "nope", "answers": {"od1": 4}}, format="json"
        ),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": str(INVALID_TOKEN_MESSAGE)}


def test_the_schema_describes_the_survey_endpoints(db):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json")
    paths = response.json()["paths"]
    assert {"201", "400", "404", "413"} <= set(
        paths["/api/v1/survey/responses/"]["post"]["responses"]
    )
    assert "/api/v1/survey/" in paths
