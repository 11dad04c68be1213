import pytest
from django.test import Client

from surveys.models import Answer, PendingAnswer, SurveyResponse

pytestmark = pytest.mark.django_db


def test_the_page_shows_the_questions_and_the_promise(open_wave, token_for):
    token = token_for(open_wave.invitations.first())

    body = Client().get(f"/s/{token}/").content.decode()

    assert "I can raise a concern with my manager without worrying about it." in body
    assert "Strongly agree" in body
    assert "Your answers are anonymous." in body
    assert "fewer than 5 people" in body
    assert 'href="/privacy/"' in body
    assert body.count('type="radio" name="enps"') == 11
    assert '<progress id="survey-progress" max="4"' in body


def test_submitting_stores_the_answers_and_confirms(open_wave, token_for, close_and_seal):
    token = token_for(open_wave.invitations.first())
    client = Client()

    response = client.post(
        f"/s/{token}/", {"od1": "4", "od2": "1", "enps": "10", "comment": ""}, follow=True
    )

    assert "Thank you. Your answers are in." in response.content.decode()
    close_and_seal(open_wave)
    assert SurveyResponse.objects.count() == 1
    assert sorted(Answer.objects.values_list("question__code", "number")) == [
        ("enps", 10),
        ("od1", 4),
        ("od2", 1),
    ]


def test_an_out_of_range_answer_is_shown_and_nothing_is_stored(open_wave, token_for):
    token = token_for(open_wave.invitations.first())

    response = Client().post(f"/s/{token}/", {"od1": "7", "enps": "8", "comment": "kept"})

    body = response.content.decode()
    assert response.status_code == 400
    assert "Nothing has been saved yet." in body
    assert "must be from 1 to 5, not 7" in body
    assert 'value="8" checked' in body  # what was entered is kept
    assert ">kept</textarea>" in body
    assert not PendingAnswer.objects.exists()


def test_a_used_link_says_so_without_saying_more(open_wave, token_for):
    token = token_for(open_wave.invitations.first())
    client = Client()
    client.post(f"/s/{token}/", {"od1": "4", "confirm_partial": "1"})

    again = client.get(f"/s/{token}/")
    resubmit = client.post(f"/s/{token}/", {"od1": "1"})
    unknown = client.get("/s/not-a-real-token-at-all/")

    for response in (again, resubmit, unknown):
        assert response.status_code == 404
        assert "This survey link is not valid." in response.content.decode()
    assert again.content == unknown.content
    assert PendingAnswer.objects.count() == 1


def test_the_privacy_page_says_what_is_stored():
    body = Client().get("/privacy/").content.decode()
    assert "The day you submitted (never the time)." in body
    assert "Your IP address" in body


def test_the_survey_page_is_rate_limited_per_address_like_the_api(db, monkeypatch):
    from core.apis.base import SurveyRateThrottle

    monkeypatch.setattr(SurveyRateThrottle, "THROTTLE_RATES", {"survey": "80/minute"})
    client = Client()
    statuses = [client.get(f"/s/guess-{n}/").status_code for n in range(40)]
    statuses += [client.post(f"/s/guess-{n}/", {"od1": "4"}).status_code for n in range(40)]
    limited = client.post("/s/one-more-guess/", {"od1": "4"})
    limited_get = client.get("/s/yet-another/")
    elsewhere = Client(REMOTE_ADDR="10.1.2.3").get("/s/guess-0/")

    assert statuses == [404] * 80
    assert (limited.status_code, limited_get.status_code) == (429, 429)
    assert limited["Retry-After"].isdigit()
    assert limited["Content-Type"].startswith("text/html")
    assert "Too many requests" in limited.content.decode()
    assert limited["Referrer-Policy"] == "no-referrer"
    assert elsewhere.status_code == 404  # per client address
