"""An employee answers from their link in a real browser, on a phone."""

import pytest
from playwright.sync_api import expect

from surveys.models import Answer, Invitation, PendingAnswer, SurveyResponse
from surveys.services.campaigns import wave_close
from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_employee_answers_on_a_phone(live_server, phone, open_wave, token_for):
    invitation = open_wave.invitations.get(email="staff4@acme.example")
    token = token_for(invitation)

    phone.goto(f"{live_server.url}/s/{token}/")

    expect(phone.get_by_role("heading", name="Pulse")).to_be_visible()
    expect(phone.get_by_text("Your answers are anonymous.")).to_be_visible()
    phone.screenshot(path=str(ARTIFACTS / "survey-phone.png"), full_page=True)
    statement = phone.get_by_role("group", name="I can raise a concern with my manager")
    statement.get_by_text("Agree", exact=True).click()
    phone.get_by_role("group", name="Bad news is kept from leadership here.").get_by_text(
        "Strongly disagree"
    ).click()
    phone.get_by_role("group", name="How likely are you to recommend").get_by_text(
        "9", exact=True
    ).click()
    phone.get_by_label("Anything else?").fill("Reach me at jo@example.com if needed")
    expect(phone.locator("#survey-progress-count")).to_have_text("4 / 4")
    phone.get_by_role("button", name="Submit my answers").click()

    expect(phone.get_by_role("heading", name="Thank you. Your answers are in.")).to_be_visible()
    assert PendingAnswer.objects.count() == 1  # waiting, sealed, for the wave to close
    assert not SurveyResponse.objects.exists()
    phone.goto(f"{live_server.url}/s/{token}/")
    expect(phone.get_by_text("This survey link is not valid.")).to_be_visible()

    wave_close(wave=open_wave, analyze=False)  # outside a test transaction: sealed now
    response = SurveyResponse.objects.get()
    assert sorted(Answer.objects.values_list("question__code", "number")) == [
        ("comment", None),
        ("enps", 9),
        ("od1", 4),
        ("od2", 1),
    ]
    invitation.refresh_from_db()
    assert invitation.answered
    # The stored response knows its wave and broad segment, and nothing of the person.
    assert response.wave_id == open_wave.pk
    assert not hasattr(response, "invitation")
    assert not hasattr(response, "employee")


def test_the_survey_works_by_keyboard_alone(live_server, desktop, open_wave, token_for):
    token = token_for(open_wave.invitations.first())
    desktop.goto(f"{live_server.url}/s/{token}/")

    first_option = desktop.locator('input[name="od1"]').first
    first_option.focus()
    desktop.keyboard.press("ArrowRight")  # radio groups move with the arrow keys
    desktop.keyboard.press("ArrowRight")
    desktop.get_by_role("button", name="Submit my answers").focus()
    desktop.keyboard.press("Enter")
    # One answer of four: asked first, with the focus on the answer to the question.
    expect(desktop.get_by_text("You answered 1 of 4 questions; send anyway?")).to_be_visible()
    expect(desktop.get_by_role("button", name="Send anyway")).to_be_focused()
    desktop.keyboard.press("Enter")

    expect(desktop.get_by_role("heading", name="Thank you. Your answers are in.")).to_be_visible()
    wave_close(wave=open_wave, analyze=False)
    assert Answer.objects.get().number == 3


def test_the_survey_works_without_javascript(live_server, browser, open_wave, token_for):
    token = token_for(open_wave.invitations.first())
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{token}/")
    page.get_by_role("group", name="Bad news is kept").get_by_text("Disagree", exact=True).click()
    page.get_by_role("button", name="Submit my answers").click()
    # The server asks, as the page's script would, and keeps the answer.
    expect(page.get_by_role("alert")).to_contain_text("You answered 1 of 4 questions")
    assert not Invitation.objects.filter(answered=True).exists()
    page.get_by_role("button", name="Send anyway").click()
    expect(page.get_by_role("heading", name="Thank you. Your answers are in.")).to_be_visible()
    context.close()
    wave_close(wave=open_wave, analyze=False)
    assert Answer.objects.get().number == 2
    assert Invitation.objects.filter(answered=True).count() == 1
