"""The leader's and HR admin's product in a real browser (headless Chromium)."""

import csv
import re
from unittest import mock

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from analytics.models import AccessLog, AnalysisJob
from analytics.services import analysis_run, wave_analysis_request
from culturesurvey import demo
from surveys.models import Campaign, Employee, PendingAnswer, SurveyResponse
from surveys.services.sealing import wave_seal
from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LINK = re.compile(r"http://[^\s]+(/s/[A-Za-z0-9_\-]+/)")


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_leader_reads_the_demo_report_and_exports_it(live_server, desktop):
    from culturesurvey.celery import app

    app.conf.task_always_eager = True
    demo.demo_load()

    sign_in(desktop, live_server.url, "ceo", demo.PASSWORD)

    expect(desktop.get_by_role("heading", name=re.compile("Gap report · "))).to_be_visible()
    expect(desktop.get_by_text("Self-deception index", exact=True)).to_be_visible()
    values = desktop.locator("#values table")
    expect(values.get_by_role("row", name=re.compile("Open communication"))).to_contain_text(
        "Blind spot"
    )
    expect(values.get_by_role("row", name=re.compile("Customer focus"))).to_contain_text(
        "Hidden strength"
    )
    desktop.screenshot(path=str(ARTIFACTS / "report-desktop.png"), full_page=True)
    desktop.locator("#heatmap").screenshot(path=str(ARTIFACTS / "report-heatmap.png"))

    with desktop.expect_download() as pdf:
        desktop.get_by_role("link", name="PDF", exact=True).click()
    assert pdf.value.suggested_filename.endswith(".pdf")
    assert open(pdf.value.path(), "rb").read(5) == b"%PDF-"  # noqa: SIM115

    with desktop.expect_download() as exported:
        desktop.get_by_role("link", name="CSV", exact=True).click()
    with open(exported.value.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    company = {
        r["value"]: r
        for r in rows
        if (r["view"], r["segment"], r["figure"]) == ("stated_vs_lived", "all", "classification")
    }
    assert company["open_communication"]["text"] == "blind_spot"

    actions = list(AccessLog.objects.order_by("id").values_list("username", "action"))
    assert actions == [("ceo", "view_report"), ("ceo", "export_pdf"), ("ceo", "export_csv")]


def test_an_hr_admin_uploads_a_roster_with_a_bad_row_then_a_good_one(live_server, desktop, alice):
    sign_in(desktop, live_server.url, "alice", "correct horse battery staple")
    desktop.get_by_role("link", name="Roster").click()

    desktop.get_by_label("Roster CSV file").set_input_files(
        files=[
            {
                "name": "roster.csv",
                "mimeType": "text/csv",
                "buffer": b"email,name,department\n"
                b"ana@acme.example,Ana,Sales\nnot-an-email,Bo,Sales\n",
            }
        ]
    )
    desktop.get_by_role("button", name="Import roster").click()

    expect(desktop.get_by_role("alert")).to_contain_text("1 problem found. Nothing was imported.")
    expect(desktop.get_by_role("alert")).to_contain_text("Row 3, email")
    assert not Employee.objects.exists()

    desktop.get_by_label("Roster CSV file").set_input_files(
        files=[
            {
                "name": "roster.csv",
                "mimeType": "text/csv",
                "buffer": b"email,name,department\n"
                b"ana@acme.example,Ana,Sales\nbo@acme.example,Bo,Sales\n",
            }
        ]
    )
    desktop.get_by_role("button", name="Import roster").click()

    expect(desktop.get_by_role("status")).to_contain_text("2 added")
    expect(desktop.get_by_role("cell", name="bo@acme.example", exact=True)).to_be_visible()
    assert Employee.objects.count() == 2


def test_a_pulse_from_the_wizard_to_the_employee_and_the_new_report(
    live_server, desktop, phone, alice, staff
):
    mail.outbox = []
    sign_in(desktop, live_server.url, "alice", "correct horse battery staple")

    # The wizard: kind, questions, schedule, anonymity, preview, launch.
    desktop.get_by_role("link", name="New campaign").click()
    desktop.get_by_label("Name").fill("Winter pulse")
    desktop.get_by_text("Pulse", exact=True).click()
    desktop.get_by_role("button", name="Next: questions").click()
    expect(desktop.get_by_text("Bad news is kept from leadership here.")).to_be_visible()
    desktop.get_by_role("button", name="Next: audience and schedule").click()
    desktop.get_by_label("Days each wave stays open").fill("7")
    desktop.get_by_label("Remind those who have not answered, on days").fill("3")
    desktop.get_by_role("button", name="Next: anonymity").click()
    desktop.get_by_role("button", name="Next: preview").click()
    preview = desktop.locator(".preview-frame")
    expect(preview.get_by_role("heading", name="Winter pulse")).to_be_visible()
    expect(preview.get_by_role("button", name="Submit my answers")).to_be_disabled()
    desktop.get_by_role("button", name="Create and launch").click()
    expect(desktop.get_by_role("status")).to_contain_text("Winter pulse is live: 12 invitations")
    campaign = Campaign.objects.get(name="Winter pulse")

    # Ten employees answer from the link in their email, on a phone.
    links = {m.to[0]: LINK.search(m.body).group(1) for m in mail.outbox}
    assert len(links) == 12
    for index, email in enumerate(sorted(links)[:10]):
        phone.goto(live_server.url + links[email])
        phone.get_by_role("group", name="I can raise a concern").get_by_text(
            "Agree" if index % 2 else "Disagree", exact=True
        ).click()
        phone.get_by_role("group", name="Bad news is kept from leadership here.").get_by_text(
            "Neither agree nor disagree"
        ).click()
        phone.get_by_role("button", name="Submit my answers").click()
        expect(phone.get_by_role("heading", name="Thank you. Your answers are in.")).to_be_visible()
    assert PendingAnswer.objects.filter(wave__campaign=campaign).count() == 10
    assert not SurveyResponse.objects.filter(wave__campaign=campaign).exists()

    # HR closes the wave: a worker seals its answers, then the analysis is queued and its
    # progress shown until the report is in.
    wave = campaign.waves.get()
    with mock.patch("core.outbox.outbox_publish"):  # no worker yet: the seal waits
        desktop.goto(f"{live_server.url}/o/acme/waves/{wave.pk}/")
        expect(desktop.get_by_text("answered", exact=True)).to_be_visible()
        desktop.get_by_role("button", name="Close this wave…").click()
        desktop.get_by_role("button", name="Close the wave").click()
        expect(desktop.get_by_text("the answers are being sealed")).to_be_visible()
        wave_seal(wave_id=wave.pk)  # the worker seals the wave...
        job_id = wave_analysis_request(wave_id=wave.pk)  # ...and asks for its report
    assert SurveyResponse.objects.filter(wave__campaign=campaign).count() == 10
    desktop.goto(f"{live_server.url}/o/acme/jobs/{job_id}/")
    expect(desktop.get_by_role("heading", name=re.compile("Analysing round"))).to_be_visible()
    expect(desktop.get_by_text("Waiting for a worker")).to_be_visible()
    expect(desktop.locator("#job-progress")).to_be_visible()

    analysis_run(job_id=AnalysisJob.objects.get().pk)  # the worker picks it up

    # The page refreshes itself and lands on the new report.
    expect(desktop.get_by_role("heading", name=re.compile("Gap report · "))).to_be_visible(
        timeout=15000
    )
    expect(desktop.locator("#values")).to_contain_text("Open door")
    expect(desktop.locator("#values")).to_contain_text("n=10")
