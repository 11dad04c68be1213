"""Staff pages: who may open what, and what the pages do."""

import pytest
from django.test import Client
from django.urls import reverse

from surveys.models import CompanyValue, Employee, Invitation, SurveyResponse, Wave
from tests.conftest import ACME_FILE
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def pages(open_wave, staff):
    """(method, url name, kwargs, HR only) for every staff page of Acme."""
    slug = "acme"
    campaign = open_wave.campaign
    return [
        ("get", "organization", {"slug": slug}, False),
        ("get", "values", {"slug": slug}, False),
        ("get", "campaign", {"slug": slug, "campaign_id": campaign.pk}, False),
        ("get", "roster", {"slug": slug}, True),
        ("get", "definition", {"slug": slug}, True),
        ("get", "history_import", {"slug": slug}, True),
        ("get", "campaign_wizard", {"slug": slug}, True),
        ("get", "wave", {"slug": slug, "wave_id": open_wave.pk}, True),
        ("post", "values", {"slug": slug}, True),
        ("post", "bank_adopt", {"slug": slug}, True),
        ("post", "employee_leaver", {"slug": slug, "employee_id": staff[0].pk}, True),
        ("post", "campaign_launch", {"slug": slug, "campaign_id": campaign.pk}, True),
        ("post", "wave_close", {"slug": slug, "wave_id": open_wave.pk}, True),
    ]


def test_it_rejects_other_organization_on_every_page(pages, charlie):
    client = client_for(charlie)
    for method, name, kwargs, _hr in pages:
        response = getattr(client, method)(reverse(name, kwargs=kwargs))
        assert response.status_code == 404, (method, name)
    assert Wave.objects.get().status == "open"
    leaver = next(kwargs for _m, name, kwargs, _hr in pages if name == "employee_leaver")
    assert Employee.objects.get(pk=leaver["employee_id"]).leaving_date is None


def test_it_rejects_another_organizations_objects_under_ones_own_slug(pages, charlie):
    client = client_for(charlie)
    for method, name, kwargs, _hr in pages:
        if len(kwargs) > 1:
            response = getattr(client, method)(reverse(name, kwargs={**kwargs, "slug": "globex"}))
            assert response.status_code == 404, (method, name)


def test_leaders_cannot_use_hr_pages(pages, leo):
    client = client_for(leo)
    for method, name, kwargs, hr_only in pages:
        response = getattr(client, method)(reverse(name, kwargs=kwargs))
        assert response.status_code == (403 if hr_only else 200), (method, name)
    assert Wave.objects.get().status == "open"


def test_anonymous_visitors_are_sent_to_sign_in(pages):
    for method, name, kwargs, _hr in pages:
        response = getattr(Client(), method)(reverse(name, kwargs=kwargs))
        assert response.status_code == 302, (method, name)
        assert response["Location"].startswith("/accounts/login/")


def test_hr_admins_open_every_page(pages, alice):
    client = client_for(alice)
    for method, name, kwargs, _hr in pages:
        if method == "get":
            assert client.get(reverse(name, kwargs=kwargs)).status_code == 200, name


def test_home_takes_a_single_organization_member_straight_in(alice):
    response = client_for(alice).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/"


def test_a_roster_upload_with_a_bad_row_shows_the_error_and_saves_nothing(alice):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(alice)
    bad = SimpleUploadedFile(
        "roster.csv", b"email,department\nok@acme.example,Sales\nbroken,Sales\n", "text/csv"
    )
    response = client.post("/o/acme/roster/", {"file": bad})

    assert response.status_code == 400
    assert "Row 3, email" in response.content.decode()
    assert "is not an email address" in response.content.decode()
    assert not Employee.objects.exists()

    good = SimpleUploadedFile("roster.csv", b"email,department\nok@acme.example,Sales\n")
    response = client.post("/o/acme/roster/", {"file": good}, follow=True)
    assert "1 added" in response.content.decode()
    assert Employee.objects.get().department.name == "Sales"


def test_marking_a_leaver_from_the_roster(alice, acme):
    ana = EmployeeFactory(organization=acme, email="ana@acme.example")
    response = client_for(alice).post(
        f"/o/acme/roster/{ana.pk}/leaver/",
        {"leaving_date": "2026-12-31", "confirm": "1"},
        follow=True,
    )
    assert "ana@acme.example marked as leaving." in response.content.decode()
    ana.refresh_from_db()
    assert str(ana.leaving_date) == "2026-12-31"


def test_the_definition_downloads_and_a_bad_upload_changes_nothing(alice):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(alice)
    download = client.get("/o/acme/values/definition.yaml")
    assert download["Content-Disposition"] == 'attachment; filename="acme.yaml"'
    assert b"open_door" in download.content

    bad = ACME_FILE.read_bytes().replace(b"perspective: leader,", b"perspective: boss,")
    response = client.post("/o/acme/values/", {"file": SimpleUploadedFile("acme.yaml", bad)})
    assert response.status_code == 400
    assert "values[0].questions[2].perspective" in response.content.decode()


def test_adopting_values_from_the_question_bank(alice, acme):
    response = client_for(alice).post(
        "/o/acme/values/bank/", {"values": ["integrity", "recognition"]}, follow=True
    )
    assert "Added from the question bank: 2 value(s)." in response.content.decode()
    codes = set(CompanyValue.objects.filter(organization=acme).values_list("code", flat=True))
    assert codes == {"open_door", "integrity", "recognition"}


def test_launching_a_wave_and_closing_it(alice, pulse, staff):
    client = client_for(alice)
    response = client.post(
        f"/o/acme/campaigns/{pulse.pk}/launch/", {"round": "2026-08", "confirm": "1"}, follow=True
    )
    assert "Wave 1 launched" in response.content.decode()
    wave = pulse.waves.get()
    assert Invitation.objects.filter(wave=wave).count() == 12

    client.post(f"/o/acme/waves/{wave.pk}/close/", {"confirm": "1"})
    wave.refresh_from_db()
    assert wave.status == "closed"


def test_history_import_page(alice):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(alice)
    bad = SimpleUploadedFile("h.csv", b"kind,wave,od1\npulse,2026-01,8\n")
    response = client.post("/o/acme/history/", {"file": bad})
    assert response.status_code == 400
    assert "must be from 1 to 5, not 8" in response.content.decode()
    good = SimpleUploadedFile("h.csv", b"kind,wave,od1\npulse,2026-01,4\n")
    client.post("/o/acme/history/", {"file": good})
    assert SurveyResponse.objects.count() == 1


def test_the_organization_page_shows_wave_totals(alice, open_wave):
    body = client_for(alice).get("/o/acme/").content.decode()
    assert "2026-08" in body
    assert "Pulse" in body
