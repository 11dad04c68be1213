"""A new customer sets culturesurvey up alone, with nothing but the browser (headless
Chromium): no command line, no Django admin."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import Page, expect

from surveys.models import Department, Employee, Membership, Organization, Role
from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
INVITE_LINK = re.compile(r"http://[^\s]+(/invite/[^\s/]+/)")
HR_PASSWORD = "northwind keeps its promises"
LEADER_PASSWORD = "lena reads the gap report"
ROSTER = (
    "email,name,department,start_date\n"
    "ana@northwind.example,Ana,Engineering,2023-04-01\n"
    "bo@northwind.example,Bo,Platform,2025-11-20\n"
    "cy@northwind.example,Cy,Sales,2024-02-01\n"
    "di@northwind.example,Di,Sales,2021-09-15\n"
    "ed@northwind.example,Ed,Support,2022-06-01\n"
    "fa@northwind.example,Fa,Support,2026-01-10\n"
)


def upload_roster(page: Page, *, create_departments: bool) -> None:
    page.get_by_label("Roster CSV file").set_input_files(
        files=[{"name": "roster.csv", "mimeType": "text/csv", "buffer": ROSTER.encode()}]
    )
    page.get_by_label("Create missing departments").set_checked(create_departments)
    page.get_by_role("button", name="Import roster").click()


def add_department(page: Page, name: str, parent: str | None = None) -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Part of").select_option(label=parent or "(top level)")
    page.get_by_role("button", name="Add department").click()
    expect(page.get_by_role("status")).to_contain_text(f"Added the department {name}.")


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Organization").get_by_role(
        "link", name=name, exact=True
    ).click()


def test_a_new_customer_sets_up_with_nothing_but_the_browser(live_server, desktop):
    mail.outbox = []
    page = desktop

    # 1. A fresh install opens on its first-run page.
    page.goto(live_server.url + "/")
    expect(page).to_have_url(f"{live_server.url}/setup/")
    expect(page.get_by_role("heading", name="Set up culturesurvey")).to_be_visible()
    page.get_by_label("Organization name").fill("Northwind Traders")
    expect(page.get_by_label("Minimum reporting group size (k)")).to_have_value("5")
    page.get_by_label("Your name").fill("Hana Ruiz")
    page.get_by_label("Your work email").fill("hana@northwind.example")
    page.get_by_label("Password", exact=True).fill(HR_PASSWORD)
    page.get_by_label("Password again").fill(HR_PASSWORD)
    page.get_by_role("button", name="Create the organization").click()

    # 2. The organization exists, its HR admin is signed in and sees what comes next.
    expect(page.get_by_role("heading", name="Northwind Traders", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("you are its HR admin")
    checklist = page.get_by_role("region", name="Getting started")
    expect(checklist.get_by_role("listitem")).to_have_count(5)
    expect(checklist.locator("li.done")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "setup-organization.png"), full_page=True)
    # The first-run page is gone for good.
    assert page.goto(live_server.url + "/setup/").status == 404
    page.go_back()

    # 3. Departments: a small tree.
    nav(page, "Departments")
    add_department(page, "Engineering")
    add_department(page, "Platform", parent="Engineering")
    add_department(page, "Sales")
    expect(page.get_by_role("rowheader", name="Engineering / Platform")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "setup-departments.png"), full_page=True)

    # 4. The roster names a department not there yet: one clear line, then the option.
    nav(page, "Roster")
    upload_roster(page, create_departments=False)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("2 rows name 1 department that does not exist yet: Support")
    page.screenshot(path=str(ARTIFACTS / "setup-roster-refused.png"), full_page=True)
    assert not Employee.objects.exists()
    upload_roster(page, create_departments=True)
    expect(page.get_by_role("status")).to_contain_text("6 added")
    assert Employee.objects.count() == 6
    assert Department.objects.get(name="Support").parent is None

    # 5. A leader of Engineering is invited by email.
    nav(page, "People")
    page.get_by_label("Email", exact=True).fill("lena@northwind.example")
    page.get_by_label("Role").select_option(label="Leader")
    page.get_by_label("Limit a leader to the department").select_option(label="Engineering")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation sent to lena@northwind.example")
    expect(page.get_by_role("cell", name="lena@northwind.example", exact=True)).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "setup-people.png"), full_page=True)
    page.get_by_role("link", name=re.compile("Northwind Traders")).first.click()
    expect(page.get_by_role("region", name="Getting started").locator("li.done")).to_have_count(3)
    page.get_by_role("button", name="Sign out").click()

    # 6. The leader follows the link in the email, sets a password, and is in.
    (invitation,) = [m for m in mail.outbox if m.to == ["lena@northwind.example"]]
    page.goto(live_server.url + INVITE_LINK.search(invitation.body).group(1))
    expect(page.get_by_role("heading", name="Join Northwind Traders")).to_be_visible()
    page.get_by_label("Your name").fill("Lena Berg")
    page.get_by_label("Password", exact=True).fill(LEADER_PASSWORD)
    page.get_by_label("Password again").fill(LEADER_PASSWORD)
    page.get_by_role("button", name="Set my password and sign in").click()
    expect(page.get_by_role("heading", name="Gap report")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Welcome to Northwind Traders")
    leader = get_user_model().objects.get(email="lena@northwind.example")
    membership = Membership.objects.get(user=leader, organization=Organization.objects.get())
    assert (membership.role, membership.department.name) == (Role.LEADER, "Engineering")

    # ...and signs in again later with the email and password.
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Email or username").fill("lena@northwind.example")
    page.get_by_label("Password").fill(LEADER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Gap report")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()

    # 7. The HR admin states two values from the question bank and launches the first pulse.
    page.get_by_label("Email or username").fill("hana@northwind.example")
    page.get_by_label("Password").fill(HR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("region", name="Getting started").get_by_role(
        "link", name="State your values"
    ).click()
    page.get_by_role("checkbox", name=re.compile("^Open communication")).check()
    page.get_by_role("checkbox", name=re.compile("^Customer focus")).check()
    page.get_by_role("button", name="Add the chosen values").click()
    expect(page.get_by_role("status")).to_contain_text("Added from the question bank: 2")
    nav(page, "Northwind Traders")
    page.get_by_role("link", name="New campaign").click()
    page.get_by_label("Name").fill("First pulse")
    page.get_by_text("Pulse", exact=True).click()
    page.get_by_role("button", name="Next: questions").click()
    page.get_by_role("button", name="Next: audience and schedule").click()
    page.get_by_role("button", name="Next: anonymity").click()
    page.get_by_role("button", name="Next: preview").click()
    page.get_by_role("button", name="Create and launch").click()
    expect(page.get_by_role("status")).to_contain_text("First pulse is live: 6 invitations")
    assert len([m for m in mail.outbox if m.to[0].endswith("@northwind.example")]) == 7
    nav(page, "Northwind Traders")
    expect(page.get_by_role("region", name="Getting started").locator("li.done")).to_have_count(5)
