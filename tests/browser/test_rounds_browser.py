"""Rounds and survey defaults in a real browser (headless Chromium): a mostly empty survey asks
before it uses the link, the counter stays right after Back, and a round with a leadership
and a pulse wave is closed together through "Close round"."""

import re

import pytest
from playwright.sync_api import Page, expect

from analytics.models import AnalysisJob
from surveys.models import CampaignKind, Invitation, PendingAnswer, Question, WaveStatus
from surveys.services.automation import campaign_create
from surveys.services.campaigns import wave_launch
from surveys.services.responses import response_accept
from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def counter(page: Page) -> str:
    return page.locator("#survey-progress-count").inner_text()


def test_a_mostly_empty_survey_is_asked_about_in_the_page(live_server, phone, open_wave, token_for):
    invitation = open_wave.invitations.first()
    phone.goto(f"{live_server.url}/s/{token_for(invitation)}/")
    expect(phone.locator("#survey-progress-count")).to_have_text("0 / 4")
    phone.get_by_role("group", name="Bad news is kept").get_by_text("Disagree", exact=True).click()
    expect(phone.locator("#survey-progress-count")).to_have_text("1 / 4")

    phone.get_by_role("button", name="Submit my answers").click()

    # Asked in the page, nothing sent: the link still works.
    panel = phone.locator("#partial-confirm")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("You answered 1 of 4 questions; send anyway?")
    assert "/s/" in phone.url
    assert not PendingAnswer.objects.exists()
    assert not Invitation.objects.filter(answered=True).exists()
    phone.screenshot(path=str(ARTIFACTS / "survey-partial-confirm.png"), full_page=False)

    # "Keep answering" goes back to the questions; a second answer, then sent anyway.
    panel.get_by_role("link", name="Keep answering").click()
    expect(panel).to_be_hidden()
    phone.get_by_role("group", name="I can raise a concern").get_by_text(
        "Agree", exact=True
    ).click()
    expect(phone.locator("#survey-progress-count")).to_have_text("2 / 4")
    phone.get_by_role("button", name="Submit my answers").click()  # half: no question

    expect(phone.get_by_role("heading", name="Thank you. Your answers are in.")).to_be_visible()
    assert PendingAnswer.objects.count() == 1
    assert Invitation.objects.get(pk=invitation.pk).answered


def test_sending_one_answer_anyway_after_confirming(live_server, phone, open_wave, token_for):
    invitation = open_wave.invitations.first()
    phone.goto(f"{live_server.url}/s/{token_for(invitation)}/")
    phone.get_by_role("group", name="Bad news is kept").get_by_text("Disagree", exact=True).click()

    phone.get_by_role("button", name="Submit my answers").click()
    phone.get_by_role("button", name="Send anyway").click()

    expect(phone.get_by_role("heading", name="Thank you. Your answers are in.")).to_be_visible()
    assert PendingAnswer.objects.count() == 1


def test_the_counter_is_right_after_back(live_server, desktop, open_wave, token_for):
    token = token_for(open_wave.invitations.first())
    desktop.goto(f"{live_server.url}/s/{token}/")
    desktop.get_by_role("group", name="Bad news is kept").get_by_text(
        "Disagree", exact=True
    ).click()
    desktop.get_by_role("group", name="How likely are you to recommend").get_by_text(
        "9", exact=True
    ).click()
    desktop.get_by_label("Anything else?").fill("More time for reviews")
    expect(desktop.locator("#survey-progress-count")).to_have_text("3 / 4")

    desktop.get_by_role("link", name="Exactly what is stored, and what is not").click()
    expect(desktop.get_by_role("heading", level=1)).to_be_visible()
    desktop.go_back()
    desktop.wait_for_load_state("load")

    # Whatever the browser put back, the counter counts exactly that.
    shown = desktop.evaluate(
        """() => {
            const items = [...document.querySelectorAll('[data-question]')];
            return items.filter(i => i.querySelector('input:checked')
                || [...i.querySelectorAll('textarea, input[type=number]')]
                    .some(f => f.value.trim() !== '')).length;
        }"""
    )
    expect(desktop.locator("#survey-progress-count")).to_have_text(f"{shown} / 4")


def test_without_javascript_the_counter_counts_with_css(live_server, browser, open_wave, token_for):
    token = token_for(open_wave.invitations.first())
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{token}/")
    bar = page.locator("#survey-progress-bar")
    before = bar.screenshot()
    page.get_by_role("group", name="Bad news is kept").get_by_text("Disagree", exact=True).click()
    page.get_by_label("Anything else?").fill("A comment")
    after = bar.screenshot(path=str(ARTIFACTS / "survey-counter-without-js.png"))

    assert "questions" not in counter(page)  # never "Answered 4 questions" before any answer
    assert before != after  # the CSS counter moved with the answers
    context.close()


def test_a_round_with_leadership_and_pulse_is_closed_together(
    live_server, desktop, acme, alice, leo, open_wave, token_for
):
    leadership = campaign_create(
        organization=acme,
        name="Leadership",
        kind=CampaignKind.LEADERSHIP,
        questions=list(Question.objects.filter(organization=acme, perspective="leader")),
    )
    leaders_wave = wave_launch(campaign=leadership, round_label="2026-08")
    for invitation in open_wave.invitations.all()[:10]:
        response_accept(token=token_for(invitation), answers={"od1": 2, "od2": 4})
    response_accept(token=token_for(leaders_wave.invitations.get()), answers={"odl": 5})
    sign_in(desktop, live_server.url, "alice", "correct horse battery staple")

    # HR closes the pulse: told the leadership survey of the round is still open.
    desktop.goto(f"{live_server.url}/o/acme/waves/{open_wave.pk}/")
    desktop.get_by_role("button", name="Close this wave…").click()
    expect(desktop.get_by_role("heading", name="Other waves of the round 2026-08")).to_be_visible()
    expect(desktop.get_by_role("alert")).to_contain_text("Leadership (Leadership self-assessment)")
    expect(desktop.get_by_role("button", name="Close this one and wait")).to_be_visible()
    desktop.screenshot(path=str(ARTIFACTS / "close-round-warning.png"), full_page=True)

    desktop.get_by_role("button", name=re.compile("^Close both")).click()

    # Both waves closed and sealed, then the report computed once, with the leaders in it.
    expect(desktop.get_by_role("heading", name=re.compile("Gap report · "))).to_be_visible(
        timeout=15000
    )
    for wave in (open_wave, leaders_wave):
        wave.refresh_from_db()
        assert wave.status == WaveStatus.CLOSED
        assert wave.sealed_at is not None
    job = AnalysisJob.objects.get()
    assert job.status == "done"
    assert any(row["n_leaders"] == 1 for row in job.snapshot.data["stated_vs_lived"])
