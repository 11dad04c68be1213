"""The employee's path in their language: roster, email, survey page, response."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from surveys.models import Campaign, SegmentAttribute, SurveyResponse
from surveys.services import invitations
from surveys.services.campaigns import wave_launch

pytestmark = pytest.mark.django_db

GERMAN_OD1 = "Ich kann ein Anliegen ohne Sorge bei meiner Führungskraft ansprechen."
ENGLISH_OD2 = "Bad news is kept from leadership here."


def speaking(staff, language):
    person = staff[0]
    person.language = language
    person.save()
    return person


def test_the_page_is_in_the_roster_language_with_a_visible_fallback(
    acme_in_german, staff, open_wave, token_for
):
    person = speaking(staff, "de")
    token = token_for(open_wave.invitations.get(employee=person))

    response = Client().get(f"/s/{token}/")

    body = response.content.decode()
    assert '<html lang="de">' in body
    assert response["Content-Language"] == "de"
    assert GERMAN_OD1 in body  # model-translated
    assert "Offene Tür" in body  # the value's name as a section title
    # od2 has no German text: shown in English, said so, and marked as English.
    assert f'<span lang="en">{ENGLISH_OD2}</span>' in body
    assert 'data-fallback="en"' in body
    assert body.count('class="help fallback-note"') == 2  # od2 and the comment question
    assert 'id="translation-note"' in body


def test_someone_without_a_language_reads_the_default(acme_in_german, open_wave, token_for):
    token = token_for(open_wave.invitations.first())

    body = Client().get(f"/s/{token}/").content.decode()

    assert '<html lang="en">' in body
    assert "I can raise a concern with my manager without worrying about it." in body
    assert GERMAN_OD1 not in body
    assert "fallback-note" not in body


def test_switching_the_language_by_link_sets_no_cookie(acme_in_german, open_wave, token_for):
    token = token_for(open_wave.invitations.first())
    client = Client()

    response = client.get(f"/s/{token}/?lang=de")

    assert GERMAN_OD1 in response.content.decode()
    assert not response.cookies  # nothing a next respondent on this device would inherit
    again = client.get(f"/s/{token_for(open_wave.invitations.last())}/")
    assert '<html lang="en">' in again.content.decode()


def test_switching_the_language_in_the_form_keeps_the_answers_and_sends_nothing(
    acme_in_german, open_wave, token_for
):
    invitation = open_wave.invitations.first()
    token = token_for(invitation)

    response = Client().post(
        f"/s/{token}/", {"od1": "4", "comment": "kept", "switch_language": "de", "lang": "en"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert GERMAN_OD1 in body
    assert 'name="od1" value="4" checked' in body
    assert ">kept</textarea>" in body
    assert '<input type="hidden" name="lang" value="de">' in body
    invitation.refresh_from_db()
    assert not invitation.answered


def test_an_unknown_language_falls_back_to_the_roster_language(
    acme_in_german, open_wave, token_for
):
    token = token_for(open_wave.invitations.first())

    body = Client().get(f"/s/{token}/?lang=xx").content.decode()

    assert '<html lang="en">' in body


def test_the_response_records_the_language_it_was_answered_in(
    acme_in_german, pulse, token_for, close_and_seal
):
    # Kept by default, like every segment attribute.
    assert SegmentAttribute.LANGUAGE in pulse.kept_attributes
    wave = wave_launch(campaign=pulse, round_label="2026-09")
    invitations = list(wave.invitations.all()[:2])
    Client().post(f"/s/{token_for(invitations[0])}/", {"od1": "4", "od2": "2", "lang": "de"})
    Client().post(f"/s/{token_for(invitations[1])}/", {"od1": "5", "od2": "1", "lang": "fr"})

    close_and_seal(wave)

    assert sorted(SurveyResponse.objects.values_list("language", flat=True)) == ["de", "fr"]


def test_the_language_is_not_kept_unless_the_campaign_keeps_it(
    acme_in_german, pulse, token_for, close_and_seal
):
    Campaign.objects.filter(pk=pulse.pk).update(kept_attributes=[SegmentAttribute.LOCATION])
    wave = wave_launch(campaign=pulse, round_label="2026-09")
    token = token_for(wave.invitations.first())
    Client().post(f"/s/{token}/", {"od1": "4", "od2": "2", "lang": "de"})

    close_and_seal(wave)

    assert list(SurveyResponse.objects.values_list("language", flat=True)) == [""]


def test_the_invitation_and_reminder_emails_are_in_the_employees_language(
    acme_in_german, staff, pulse, outbox, monkeypatch
):
    person = speaking(staff, "de")
    wave = wave_launch(campaign=pulse, round_label="2026-08", closes_on=dt.date(2027, 3, 20))
    rendered = []
    original = invitations.render_to_string

    def recording(name, context):
        rendered.append((name, translation.get_language()))
        return original(name, context)

    monkeypatch.setattr(invitations, "render_to_string", recording)
    german = wave.invitations.get(employee=person)
    english = wave.invitations.exclude(employee=person).first()

    invitations.invitation_send(invitation_id=german.pk)
    invitations.invitation_send(invitation_id=english.pk)

    assert rendered == [
        ("emails/invitation_subject.txt", "de"),
        ("emails/invitation.txt", "de"),
        ("emails/invitation_subject.txt", "en"),
        ("emails/invitation.txt", "en"),
    ]
    to_person, to_other = mail.outbox[-2:]
    assert "20 März 2027" in to_person.body  # the closing date, in German
    assert "20 March 2027" in to_other.body
    assert translation.get_language() == "en"  # nothing leaks into what runs next


def test_the_thanks_come_in_the_language_answered_in(acme_in_german, open_wave, token_for):
    token = token_for(open_wave.invitations.first())

    response = Client().post(f"/s/{token}/", {"od1": "4", "od2": "2", "lang": "de"}, follow=True)

    assert response.redirect_chain[-1][0] == "/s/done/?lang=de"
    assert '<html lang="de">' in response.content.decode()


def test_the_survey_api_speaks_the_respondents_language(
    acme_in_german, staff, open_wave, token_for, close_and_seal
):
    person = speaking(staff, "de")
    token = token_for(open_wave.invitations.get(employee=person))

    german = APIClient().get("/api/v1/survey/", HTTP_X_SURVEY_TOKEN=token).json()
    french = APIClient().get("/api/v1/survey/?lang=fr", HTTP_X_SURVEY_TOKEN=token).json()
    submitted = APIClient().post(
        "/api/v1/survey/responses/",
        {"token": token, "answers": {"od1": 4}, "language": "fr"},
        format="json",
    )

    texts = {q["code"]: (q["text"], q["shown_in"]) for q in german["questions"]}
    assert german["language"] == "de"
    assert texts["od1"] == (GERMAN_OD1, "de")
    assert texts["od2"] == (ENGLISH_OD2, "en")
    assert french["questions"][0]["value"] == "Porte ouverte"
    assert submitted.status_code == 201
    close_and_seal(open_wave)
    assert list(SurveyResponse.objects.values_list("language", flat=True)) == ["fr"]
