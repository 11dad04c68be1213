"""Two employees answer in German and in French; the leader reads the report in English,
then in Spanish, and both answers are in it."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from analytics.services import snapshot_compute
from surveys.models import CompanyValue, Question, Round, SurveyResponse
from surveys.services.campaigns import wave_close
from surveys.services.invitations import invitation_issue_token
from surveys.services.responses import response_accept
from tests.browser.test_product_browser import sign_in
from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GERMAN = "Ich kann ein Anliegen ohne Sorge bei meiner Führungskraft ansprechen."
FRENCH = "Je peux soulever un problème auprès de mon responsable sans crainte."


def catalogue(language: str, message: str) -> str:
    """The interface's own words in `language` (locale/), checked to be translated."""
    with translation.override(language):
        translated = translation.gettext(message)
    assert translated != message, (language, message)
    return translated


def translate(acme):
    value = CompanyValue.objects.get(organization=acme, code="open_door")
    value.name_de, value.name_fr, value.name_es = "Offene Tür", "Porte ouverte", "Puerta abierta"
    value.save()
    od1 = Question.objects.get(organization=acme, code="od1")
    od1.text_de, od1.text_fr = GERMAN, FRENCH
    od1.save()


def test_answers_in_german_and_french_reach_the_report_read_in_english_then_spanish(
    live_server, desktop, phone, leo, staff, open_wave
):
    acme = open_wave.campaign.organization
    translate(acme)
    german, french, *others = staff
    for person, language in ((german, "de"), (french, "fr")):
        person.language = language
        person.save()

    # The German speaker's page is in German, with a visible note where a text is missing.
    link = invitation_issue_token(invitation=open_wave.invitations.get(employee=german))
    phone.goto(f"{live_server.url}/s/{link}/")
    expect(phone.locator("html")).to_have_attribute("lang", "de")
    expect(phone.get_by_role("heading", name="Offene Tür")).to_be_visible()
    phone.get_by_role("group", name=GERMAN).locator('input[value="2"]').check()
    expect(phone.locator('[data-fallback="en"]').first).to_be_visible()
    phone.locator('input[name="od2"][value="4"]').check()
    phone.get_by_role("button", name=catalogue("de", "Submit my answers")).click()
    phone.wait_for_url(re.compile(r"/s/done/"))

    # The French speaker opens the link in English by mistake and switches to French,
    # after answering one question: the answer stays.
    link = invitation_issue_token(invitation=open_wave.invitations.get(employee=french))
    phone.goto(f"{live_server.url}/s/{link}/?lang=en")
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    phone.locator('input[name="od2"][value="5"]').check()
    phone.locator('button[name="switch_language"][value="fr"]').click()
    expect(phone.locator("html")).to_have_attribute("lang", "fr")
    expect(phone.locator('input[name="od2"][value="5"]')).to_be_checked()
    phone.get_by_role("group", name=FRENCH).locator('input[value="5"]').check()
    phone.screenshot(path=str(ARTIFACTS / "survey-french.png"), full_page=True)
    submit = phone.locator('#survey-form button[type="submit"]:not([name])')
    expect(submit).to_have_text(catalogue("fr", "Submit my answers"))
    submit.click()
    phone.wait_for_url(re.compile(r"/s/done/"))

    # Eight more answer in the default language; the round is closed and analysed.
    for i, person in enumerate(others[:8]):
        token = invitation_issue_token(invitation=open_wave.invitations.get(employee=person))
        response_accept(token=token, answers={"od1": 1 + i % 5, "od2": 2})
    wave_close(wave=open_wave, analyze=False)
    assert sorted(SurveyResponse.objects.values_list("language", flat=True)) == [
        *[""] * 8,
        "de",
        "fr",
    ]
    snapshot_compute(organization=acme, round_=Round.objects.get(organization=acme))

    # The leader reads the report in English...
    sign_in(desktop, live_server.url, "leo", "correct horse battery staple")
    desktop.goto(f"{live_server.url}/o/acme/report/")
    expect(desktop.locator("html")).to_have_attribute("lang", "en")
    values = desktop.locator("#values")
    expect(values).to_contain_text("Open door")
    expect(values).to_contain_text("n=10")  # the German and the French answers are in
    english = values.inner_text()

    # ...then chooses Spanish in the header: same figures, value names in Spanish.
    desktop.locator("#staff-language").select_option("es")
    desktop.locator("form.language-chooser button").click()
    expect(desktop.locator("html")).to_have_attribute("lang", "es")
    expect(values).to_contain_text("Puerta abierta")
    # The interface speaks Spanish too: the findings, the section, the column headings.
    expect(desktop.locator(".key-findings h2")).to_have_text(catalogue("es", "Key findings"))
    expect(desktop.locator("#values-title")).to_have_text(catalogue("es", "Stated vs lived"))
    expect(values.locator("thead")).to_contain_text(catalogue("es", "Employees"))
    expect(values).to_contain_text("n=10")
    desktop.screenshot(path=str(ARTIFACTS / "report-spanish.png"), full_page=True)
    figures = re.compile(r"n=\d+|[+\-−]?\d+\.\d+")
    assert figures.findall(values.inner_text()) == figures.findall(english)
    # The choice is kept: the next page is in Spanish too.
    desktop.goto(f"{live_server.url}/o/acme/values/")
    expect(desktop.locator("html")).to_have_attribute("lang", "es")
