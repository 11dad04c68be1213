"""Accessibility as a test: axe-core checks every kind of page against WCAG 2.1 A and AA, on a
desktop and a phone screen, and no page may have a serious or critical violation.

The pages are visited in groups that share their data (loading the demo organization takes a
few seconds, and the live server empties the database after every test), and a group fails
listing every page's violations, not only the first page's."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Page, expect

from analytics.models import AnalysisJob, ReportSnapshot
from analytics.services import action_create
from culturesurvey import demo
from surveys.models import Campaign, CompanyValue, Department, Membership, Organization, Role, Wave
from surveys.services.people import access_invite, invite_token
from tests.browser.axe import assert_accessible, axe_blocking, axe_describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SLUG = demo.SLUG
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}


class Screens:
    """The same visitor on a desktop and a phone. axe is injected as an inline script, so the
    contexts bypass the product's Content-Security-Policy (which forbids inline scripts)."""

    def __init__(self, browser, base: str) -> None:
        self.base = base
        self.contexts = {
            name: browser.new_context(bypass_csp=True, **options)
            for name, options in VIEWPORTS.items()
        }
        self.pages = {name: context.new_page() for name, context in self.contexts.items()}
        self.found: dict[str, str] = {}
        self.checked: list[str] = []

    @property
    def desktop(self) -> Page:
        return self.pages["desktop"]

    def sign_in(self, username: str, password: str = demo.PASSWORD) -> None:
        for page in self.pages.values():
            page.goto(f"{self.base}/accounts/login/")
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("button", name="Sign out")).to_be_attached()

    def check_current(self, name: str, page: Page, screen: str) -> None:
        """axe on a page as it stands (reached by a click or a form)."""
        violations = axe_blocking(page)
        self.checked.append(f"{name} ({screen})")
        if violations:
            self.found[f"{name} ({screen}, {page.url})"] = axe_describe(violations)

    def check(self, path: str, *, status: int = 200) -> None:
        for screen, page in self.pages.items():
            response = page.goto(self.base + path)
            assert response is not None, path
            assert response.status == status, (path, screen, response.status)
            self.check_current(path, page, screen)

    def assert_clean(self) -> None:
        report = "\n".join(f"== {where}\n{what}" for where, what in self.found.items())
        assert not self.found, f"{len(self.found)} of {len(self.checked)} pages fail:\n{report}"

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@pytest.fixture
def screens(browser, live_server):
    made = Screens(browser, live_server.url)
    yield made
    made.close()


@pytest.fixture
def northwind(live_server):
    """The demo organization: closed rounds with their reports, an open pulse with live links."""
    return demo.demo_load()


# --- The helper itself ---------------------------------------------------------------------


def test_it_names_a_violation_it_finds(live_server, screens):
    page = screens.desktop
    page.goto(f"{live_server.url}/privacy/")
    assert axe_blocking(page) == []
    # Grey on white (2.3:1), and a scrolling box the keyboard cannot reach.
    page.evaluate(
        """() => {
          const main = document.querySelector('main');
          main.insertAdjacentHTML('beforeend',
            '<p id="faint" style="color:#aaa;background:#fff">Faint words</p>' +
            '<div id="boxed" style="overflow:auto;height:2rem">' +
            '<p>one</p><p>two</p><p>three</p></div>');
        }"""
    )

    violations = {v["id"]: v for v in axe_blocking(page)}

    assert set(violations) == {"color-contrast", "scrollable-region-focusable"}
    assert [n["target"] for n in violations["color-contrast"]["nodes"]] == [["#faint"]]
    assert [n["target"] for n in violations["scrollable-region-focusable"]["nodes"]] == [["#boxed"]]
    with pytest.raises(AssertionError) as failed:
        assert_accessible(page)
    message = str(failed.value)
    assert "color-contrast (serious)" in message
    assert "#faint" in message
    assert "scrollable-region-focusable (serious)" in message


# --- Every page ------------------------------------------------------------------------------


def test_it_finds_nothing_serious_on_the_first_run_page(screens):
    assert not Organization.objects.exists()
    screens.check("/setup/")
    screens.desktop.get_by_role("button", name="Create the organization").click()  # errors
    screens.check_current("/setup/ with errors", screens.desktop, "desktop")
    screens.assert_clean()


def test_it_finds_nothing_serious_on_the_pages_of_those_not_signed_in(northwind, screens):
    org = Organization.objects.get(slug=SLUG)
    hr = get_user_model().objects.get(username="hr")
    uid = urlsafe_base64_encode(force_bytes(hr.pk))
    invite, _ = access_invite(organization=org, email="new@northwind.example", role=Role.LEADER)
    survey = northwind.links[0].split("/s/", 1)[1]

    screens.check("/accounts/login/")
    screens.check("/accounts/password-reset/")
    screens.check("/accounts/password-reset/sent/")
    # Django swaps the token for a session and redirects to .../set-password/.
    screens.check(f"/accounts/password-reset/{uid}/{default_token_generator.make_token(hr)}/")
    screens.check("/accounts/password-reset/done/")
    screens.check("/accounts/password-reset/MQ/bad-token/")
    screens.check(f"/invite/{invite_token(invite=invite)}/")
    screens.check("/invite/not-a-token/", status=404)
    screens.check("/privacy/")
    screens.check(f"/s/{survey}")
    # In German and French, with English shown (and marked as such) where a text is missing.
    screens.check(f"/s/{survey}?lang=de")
    screens.check(f"/s/{survey}?lang=fr")
    screens.check("/s/no-such-token/", status=404)
    # The survey sent half-answered: the page asks again (the server's own question).
    page = screens.desktop
    page.goto(f"{screens.base}/s/{survey}")
    page.locator("fieldset").first.get_by_role("radio").first.check()
    page.get_by_role("button", name="Submit my answers").click()
    page.get_by_role("button", name="Send anyway").click()
    expect(page.get_by_role("heading", name="Thank you. Your answers are in.")).to_be_visible()
    screens.check_current("/s/done/", page, "desktop")
    screens.check("/s/done/")
    page.goto(f"{screens.base}/accounts/login/")
    page.get_by_label("Username").fill("hr")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    screens.check_current("/accounts/login/ refused", page, "desktop")
    screens.assert_clean()


def test_it_finds_nothing_serious_on_the_hr_pages(northwind, screens):
    org = Organization.objects.get(slug=SLUG)
    invite, _ = access_invite(organization=org, email="new@northwind.example", role=Role.LEADER)
    member = Membership.objects.filter(organization=org, role=Role.LEADER).first()
    department = Department.objects.filter(organization=org).first()
    campaign = Campaign.objects.filter(organization=org).first()
    closed = Wave.objects.filter(campaign__organization=org, status="closed").first()
    open_wave = Wave.objects.get(campaign__organization=org, status="open")
    job = AnalysisJob.objects.filter(organization=org).latest("pk")
    snapshot = ReportSnapshot.objects.filter(organization=org).latest("pk")
    value = CompanyValue.objects.filter(organization=org).first()
    action_create(
        snapshot=snapshot,
        value_code=value.code,
        owner="Maren Holt",
        due_on=dt.date.today() + dt.timedelta(days=60),
        description="Skip-level conversations every month",
        user=get_user_model().objects.get(username="ceo"),
    )
    running = AnalysisJob.objects.create(
        organization=org, round=open_wave.round, status="running", progress=40, stage="values"
    )
    screens.sign_in("hr")

    base = f"/o/{SLUG}"
    for path in [
        f"{base}/",
        f"{base}/roster/",
        f"{base}/roster/?q=nobody-at-all",
        f"{base}/departments/",
        f"{base}/departments/{department.pk}/",
        f"{base}/departments/{department.pk}/delete/",
        f"{base}/people/",
        f"{base}/people/invites/{invite.pk}/withdraw/",
        f"{base}/people/{member.pk}/remove/",
        f"{base}/values/",
        f"{base}/values/new/",
        f"{base}/values/{value.code}/edit/",
        f"{base}/history/",
        f"{base}/campaigns/{campaign.pk}/",
        f"{base}/waves/{closed.pk}/",
        f"{base}/waves/{open_wave.pk}/",
        f"{base}/rounds/{open_wave.round.label}/close/",
        f"{base}/report/",
        f"{base}/report/{open_wave.round.label}/progress/",
        f"{base}/jobs/{job.pk}/?stay=1",
        f"{base}/jobs/{running.pk}/",
        f"{base}/access-log/",
    ]:
        screens.check(path)

    # The confirmation pages a form leads to.
    page = screens.desktop
    page.goto(f"{screens.base}{base}/waves/{open_wave.pk}/")
    page.get_by_role("button", name="Close this wave…").click()
    screens.check_current("wave close: confirm", page, "desktop")
    page.goto(f"{screens.base}{base}/waves/{open_wave.pk}/")
    page.get_by_role("button", name="Send reminders now…").click()
    screens.check_current("wave reminders: confirm", page, "desktop")
    page.goto(f"{screens.base}{base}/roster/")
    page.get_by_role("button", name="Mark as leaving").first.click()
    screens.check_current("leaver: confirm", page, "desktop")
    page.goto(f"{screens.base}{base}/campaigns/{campaign.pk}/")
    page.get_by_role("button", name="Launch…").click()
    screens.check_current("campaign launch: confirm or refusal", page, "desktop")
    screens.assert_clean()


def test_it_finds_nothing_serious_in_the_campaign_wizard(northwind, screens):
    screens.sign_in("hr")
    page = screens.desktop
    base = f"{screens.base}/o/{SLUG}/campaigns/new/"
    page.goto(base)
    screens.check_current("wizard: kind", page, "desktop")
    page.get_by_role("button", name="Next: questions").click()  # no name: errors
    screens.check_current("wizard: kind with errors", page, "desktop")
    page.get_by_label("Name").fill("Winter pulse")
    page.get_by_text("Pulse", exact=True).click()
    page.get_by_role("button", name="Next: questions").click()
    screens.check_current("wizard: questions", page, "desktop")
    page.get_by_role("button", name="Next: audience and schedule").click()
    screens.check_current("wizard: audience and schedule", page, "desktop")
    page.get_by_role("button", name="Next: anonymity").click()
    screens.check_current("wizard: anonymity", page, "desktop")
    page.get_by_role("button", name="Next: preview").click()
    screens.check_current("wizard: preview", page, "desktop")
    # The same steps on a phone, by URL now that the session knows the answers.
    phone = screens.pages["phone"]
    phone.context.add_cookies(page.context.cookies())
    for step in ("basics", "questions", "schedule", "anonymity", "preview"):
        phone.goto(f"{base}{step}/")
        screens.check_current(f"wizard: {step}", phone, "phone")
    screens.assert_clean()


@pytest.mark.parametrize("leader", ["ceo", "cto"])
def test_it_finds_nothing_serious_on_the_report(northwind, screens, leader):
    screens.sign_in(leader)
    screens.check(f"/o/{SLUG}/report/")
    labels = re.findall(r"/report/(\d{4}-\d{2})/", screens.desktop.content())
    for label in sorted(set(labels))[:1]:
        screens.check(f"/o/{SLUG}/report/{label}/")
    screens.assert_clean()


def test_it_finds_nothing_serious_on_the_pages_of_single_sign_on(northwind, screens, settings):
    # Rendering these pages asks the provider nothing: its address need not answer.
    settings.OIDC_RP_CLIENT_ID = "culturesurvey"
    settings.OIDC_OP_ISSUER = "http://127.0.0.1:9/openid"
    settings.OIDC_PROVIDER_NAME = "Example ID"
    screens.check("/accounts/login/")
    expect(screens.desktop.get_by_role("link", name="Sign in with Example ID")).to_be_visible()
    screens.check("/accounts/sso/refused/", status=403)
    screens.sign_in("hr")
    screens.check(f"/o/{SLUG}/")
    expect(screens.desktop.get_by_label("Members may sign in with a password")).to_be_checked()

    Organization.objects.filter(slug=SLUG).update(password_sign_in=False)
    page = screens.desktop
    page.context.clear_cookies()
    page.goto(f"{screens.base}/accounts/login/")
    page.get_by_label("Username").fill("hr")
    page.get_by_label("Password").fill(demo.PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("signs in with Example ID only")
    screens.check_current("/accounts/login/ password refused", page, "desktop")
    screens.assert_clean()
