"""Single sign-on in a real browser (headless Chromium): a leader signs in through the OpenID
Connect provider (tests/identity_provider, a process of its own), reads the gap report and signs
out of both; someone nobody invited is refused."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import ARTIFACTS
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
USERS = [
    {"username": "lea", "email": "lea@acme.example", "password": "lea at the provider"},
    {"username": "nobody", "email": "nobody@elsewhere.example", "password": "not invited"},
]


@pytest.fixture
def sso(identity_provider, live_server, settings):
    identity_provider.setup(
        redirect_uris=[f"{live_server.url}/accounts/sso/callback/"],
        logout_uris=[f"{live_server.url}/accounts/login/"],
        users=USERS,
    )
    for name, value in identity_provider.settings().items():
        setattr(settings, name, value)
    return identity_provider


def through_the_provider(page: Page, username: str, password: str) -> None:
    page.get_by_role("link", name="Sign in with Test IdP").click()
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.get_by_label("Provider username").fill(username)
    page.get_by_label("Provider password").fill(password)
    page.get_by_role("button", name="Continue").click()


def test_a_leader_signs_in_through_the_provider_reads_the_report_and_signs_out(
    sso, live_server, desktop, acme
):
    lea = UserFactory(username="lea", email="Lea@acme.example")
    MembershipFactory(user=lea, organization=acme, role="leader")

    desktop.goto(f"{live_server.url}/accounts/login/")
    through_the_provider(desktop, "lea", "lea at the provider")

    expect(desktop).to_have_url(f"{live_server.url}/o/acme/report/")
    expect(desktop.get_by_role("heading", level=1)).to_contain_text("Gap report")
    expect(desktop.get_by_text("lea · Leader")).to_be_visible()
    desktop.screenshot(path=str(ARTIFACTS / "sso-signed-in.png"))

    desktop.get_by_role("button", name="Sign out").click()

    # Signed out of the product, and of the provider, which sends the browser back here.
    expect(desktop).to_have_url(re.compile(re.escape(f"{live_server.url}/accounts/login/")))
    desktop.goto(f"{live_server.url}/o/acme/report/")
    expect(desktop).to_have_url(re.compile(r"/accounts/login/\?next="))
    desktop.get_by_role("link", name="Sign in with Test IdP").click()
    expect(desktop.get_by_role("heading", name="Test identity provider")).to_be_visible()


def test_someone_nobody_invited_is_refused(sso, live_server, desktop, acme):
    desktop.goto(f"{live_server.url}/accounts/login/")
    through_the_provider(desktop, "nobody", "not invited")

    expect(desktop.get_by_role("heading", name="You are not signed in")).to_be_visible()
    expect(desktop.get_by_role("alert")).to_contain_text(
        "There is no account for nobody@elsewhere.example"
    )
    desktop.goto(f"{live_server.url}/")
    expect(desktop).to_have_url(re.compile(r"/accounts/login/"))
