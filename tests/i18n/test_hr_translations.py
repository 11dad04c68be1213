"""HR's side: the roster's language column, the HRIS push, and translations on the values page."""

import pytest
from django.test import Client

from surveys.errors import ImportRejected
from surveys.models import CompanyValue, Employee, Question, StaffPreference
from surveys.services.roster import roster_import
from tests.api.support import BASE, bearer

pytestmark = pytest.mark.django_db


def test_the_roster_file_sets_each_persons_language(acme):
    roster_import(
        organization=acme,
        content="email,name,language\nana@acme.example,Ana,de\nbo@acme.example,Bo,FR\n"
        "cy@acme.example,Cy,\n",
    )

    assert dict(Employee.objects.values_list("email", "language")) == {
        "ana@acme.example": "de",
        "bo@acme.example": "fr",
        "cy@acme.example": "",
    }


def test_an_unknown_language_is_a_row_error_and_nothing_is_imported(acme):
    with pytest.raises(ImportRejected) as rejected:
        roster_import(
            organization=acme,
            content="email,language\nana@acme.example,de\nbo@acme.example,klingon\n",
        )

    assert [str(e) for e in rejected.value.errors] == [
        'row 3, language: "klingon" is not a language of the product (en, de, fr, es)'
    ]
    assert not Employee.objects.exists()


def test_the_hris_push_takes_the_language_and_names_a_bad_one(acme):
    client = bearer(acme, "write")
    people = [{"email": "ana@acme.example", "language": "es"}]
    assert (
        client.post(f"{BASE}/acme/employees/bulk/", {"people": people}, format="json").status_code
        == 200
    )

    bad = [
        {"email": "bo@acme.example", "language": "de"},
        {"email": "x@acme.example", "language": "zz"},
    ]
    response = client.post(f"{BASE}/acme/employees/bulk/", {"people": bad}, format="json")

    assert Employee.objects.get(email="ana@acme.example").language == "es"
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"people[1].language"}
    assert not Employee.objects.filter(email="bo@acme.example").exists()


def test_the_roster_page_shows_the_language(acme, alice):
    roster_import(organization=acme, content="email,language\nana@acme.example,de\n")
    client = Client()
    client.force_login(alice)

    body = client.get("/o/acme/roster/").content.decode()

    assert "<td>de</td>" in body


def test_the_values_page_saves_translations_per_language(acme, alice):
    client = Client()
    client.force_login(alice)
    page = client.get("/o/acme/values/open_door/edit/")
    assert 'name="name__de"' in page.content.decode()
    assert 'name="text_od1__fr"' in page.content.decode()

    response = client.post(
        "/o/acme/values/open_door/edit/",
        {
            "name": "Open door",
            "name__de": "Offene Tür",
            "name__fr": "",
            "claim": "Anyone can raise a concern with any leader.",
            "claim__de": "Jeder kann jedes Anliegen ansprechen.",
            "description": "",
            "text_od1": "I can raise a concern with my manager without worrying about it.",
            "text_od1__de": "Ich kann ein Anliegen ansprechen.",
            "text_od2": "Bad news is kept from leadership here.",
        },
    )

    assert response.status_code == 302
    value = CompanyValue.objects.get(organization=acme, code="open_door")
    assert (value.name_en, value.name_de, value.claim_de) == (
        "Open door",
        "Offene Tür",
        "Jeder kann jedes Anliegen ansprechen.",
    )
    od1 = Question.objects.get(organization=acme, code="od1")
    assert od1.text_de == "Ich kann ein Anliegen ansprechen."
    assert od1.text_en == "I can raise a concern with my manager without worrying about it."
    again = client.get("/o/acme/values/open_door/edit/").content.decode()
    assert "Ich kann ein Anliegen ansprechen.</textarea>" in again


def test_the_staff_language_chooser_stores_the_preference(acme, alice):
    client = Client()
    client.force_login(alice)

    response = client.post("/accounts/language/", {"language": "de", "next": "/o/acme/"})

    assert response.status_code == 302
    assert StaffPreference.objects.get(user=alice).language == "de"
    assert '<html lang="de">' in client.get("/o/acme/").content.decode()
    # A new session (another device) starts in the stored language too.
    elsewhere = Client()
    elsewhere.force_login(alice)
    assert '<html lang="de">' in elsewhere.get("/o/acme/").content.decode()
    assert '<html lang="en">' in Client().get("/accounts/login/").content.decode()
