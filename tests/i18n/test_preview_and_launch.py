"""The campaign preview in each language, and a launch that asks first when a language in use
lacks translations."""

import pytest
from django.test import Client

from surveys.models import Campaign, Wave
from tests.surveys.test_wizard import walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def test_the_preview_shows_each_language_and_what_it_lacks(hr, staff, acme_in_german):
    walk(hr)

    english = hr.get("/o/acme/campaigns/new/preview/").content.decode()
    german = hr.get("/o/acme/campaigns/new/preview/?lang=de").content.decode()

    assert 'data-language="de"' in english
    german_row = english[english.index('data-language="de"') :].split("</tr>")[0]
    assert "od2" in german_row  # od2 has no German text
    assert "od1" not in german_row
    spanish_row = english[english.index('data-language="es"') :].split("</tr>")[0]
    assert "od1" in spanish_row
    assert "open_door" in spanish_row
    assert "Ich kann ein Anliegen ohne Sorge" in german
    assert '<div class="preview-frame" lang="de">' in german
    assert 'data-fallback="en"' in german  # od2, shown in English, marked


def test_launching_with_a_language_in_use_untranslated_asks_first(hr, staff, acme_in_german):
    staff[0].language = "fr"  # someone is asked in French, and French is missing od2 etc.
    staff[0].save()
    walk(hr)

    asked = hr.post("/o/acme/campaigns/new/create/", {"launch": "1"})

    body = asked.content.decode()
    assert asked.status_code == 200
    assert "Some texts are not translated yet" in body
    assert "Français: " in body
    assert 'name="confirm" value="1"' in body
    assert not Campaign.objects.filter(name="Autumn pulse").exists()

    launched = hr.post("/o/acme/campaigns/new/create/", {"launch": "1", "confirm": "1"})

    assert launched.status_code == 302
    assert Wave.objects.filter(campaign__name="Autumn pulse").count() == 1


def test_launching_a_wave_from_the_campaign_page_warns_too(hr, pulse, acme_in_german):
    staff = pulse.organization.employees.first()
    staff.language = "de"
    staff.save()

    page = hr.post(f"/o/acme/campaigns/{pulse.pk}/launch/", {"round": "2026-08"})

    body = page.content.decode()
    assert "Some texts are not translated yet" in body
    assert "Deutsch: od2" in body
    assert not Wave.objects.filter(campaign=pulse).exists()
