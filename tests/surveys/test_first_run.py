"""The first run: a fresh install sets itself up in the browser, once."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from surveys.models import Membership, Organization, Role
from surveys.services.people import SetupClosed, organization_first_run
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

FORM = {
    "organization_name": "Acme Robotics",
    "min_group_size": "5",
    "name": "Hana Ruiz",
    "email": "Hana@Acme.example",
    "password1": "a long and private phrase",
    "password2": "a long and private phrase",
}


def test_it_sends_a_fresh_install_from_home_to_the_first_run():
    response = Client().get("/")

    assert response.status_code == 302
    assert response["Location"] == "/setup/"


def test_it_creates_the_organization_and_its_hr_admin_and_signs_them_in():
    client = Client()

    response = client.post("/setup/", FORM)

    organization = Organization.objects.get()
    assert (organization.name, organization.slug, organization.min_group_size) == (
        "Acme Robotics",
        "acme-robotics",
        5,
    )
    assert response.status_code == 302
    assert response["Location"] == "/o/acme-robotics/"
    user = get_user_model().objects.get()
    assert (user.username, user.email, user.get_full_name()) == (
        "hana@acme.example",
        "hana@acme.example",
        "Hana Ruiz",
    )
    assert Membership.objects.get().role == Role.HR_ADMIN
    page = client.get("/o/acme-robotics/")
    assert page.status_code == 200
    assert "Getting started" in page.content.decode()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"password1": "password", "password2": "password"}, "password1"),
        ({"password1": "hana ruiz acme", "password2": "hana ruiz acme"}, "password1"),
        ({"password2": "something else entirely"}, "password2"),
        ({"min_group_size": "2"}, "min_group_size"),
        ({"email": "not an email"}, "email"),
        ({"organization_name": ""}, "organization_name"),
    ],
)
def test_it_refuses_bad_input_and_creates_nothing(change, field):
    response = Client().post("/setup/", FORM | change)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Organization.objects.exists()
    assert not get_user_model().objects.exists()


def test_the_page_is_gone_once_an_organization_exists():
    OrganizationFactory(slug="acme")

    assert Client().get("/setup/").status_code == 404
    assert Client().post("/setup/", FORM).status_code == 404
    assert Organization.objects.count() == 1
    assert Client().get("/")["Location"].startswith("/accounts/login/")


def test_the_page_is_gone_once_a_user_exists():
    UserFactory(username="admin")

    assert Client().post("/setup/", FORM).status_code == 404
    assert not Organization.objects.exists()


def test_a_second_submission_is_refused():
    Client().post("/setup/", FORM)

    response = Client().post("/setup/", FORM | {"organization_name": "Takeover"})

    assert response.status_code == 404
    assert list(Organization.objects.values_list("name", flat=True)) == ["Acme Robotics"]


def test_the_service_refuses_once_set_up():
    organization_first_run(
        organization_name="Acme", min_group_size=5, email="a@x.example", name="A", password="x"
    )
    with pytest.raises(SetupClosed):
        organization_first_run(
            organization_name="Other", min_group_size=5, email="b@x.example", name="B", password="x"
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_make_one_organization():
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit(name: str) -> None:
        barrier.wait()
        try:
            organization_first_run(
                organization_name=name,
                min_group_size=5,
                email=f"{name}@x.example",
                name=name,
                password="x",
            )
            outcomes.append("created")
        except SetupClosed:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created", "refused"]
    assert Organization.objects.count() == 1
    assert get_user_model().objects.count() == 1
