"""The department tree, edited by HR admins in the product."""

import pytest
from django.test import Client

from surveys.errors import FieldsInvalid, ServiceError
from surveys.models import Campaign, Department, Employee, Invitation, SurveyResponse
from surveys.services.organizations import department_delete, department_save
from surveys.services.responses import response_accept
from tests.factories import DepartmentFactory, EmployeeFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_shows_the_tree_with_what_uses_each_department(alice, staff):
    response = client_for(alice).get("/o/acme/departments/")

    assert response.status_code == 200
    rows = response.context["tree"]
    paths = [r["path"] for r in rows]
    assert "Engineering / Platform" in paths
    assert paths.index("Engineering") < paths.index("Engineering / Platform")
    platform = next(r for r in rows if r["path"] == "Engineering / Platform")
    assert platform["uses"]["people on the roster"] == 4
    assert "departments below it" in next(r for r in rows if r["path"] == "Engineering")["uses"]


def test_it_adds_a_department_below_another(alice, acme):
    engineering = acme.departments.get(name="Engineering")

    response = client_for(alice).post(
        "/o/acme/departments/", {"name": "Data", "parent": engineering.pk}
    )

    assert response.status_code == 302
    assert acme.departments.get(name="Data").parent == engineering


@pytest.mark.parametrize("name", ["Sales", "sales"])
def test_it_refuses_a_name_taken(alice, acme, name):
    response = client_for(alice).post("/o/acme/departments/", {"name": name})

    assert response.status_code == 400
    assert "already exists" in str(response.context["form"].errors["name"])
    assert acme.departments.filter(name__iexact="Sales").count() == 1


def test_a_rename_and_a_move_keep_the_ids_that_people_and_responses_hold(alice, acme, staff):
    platform = acme.departments.get(name="Platform")
    sales = acme.departments.get(name="Sales")
    people = set(Employee.objects.filter(department=platform).values_list("pk", flat=True))

    response = client_for(alice).post(
        f"/o/acme/departments/{platform.pk}/", {"name": "Platform team", "parent": sales.pk}
    )

    assert response.status_code == 302
    platform.refresh_from_db()
    assert (platform.name, platform.parent) == ("Platform team", sales)
    assert set(Employee.objects.filter(department=platform).values_list("pk", flat=True)) == people


def test_a_move_below_itself_is_refused(alice, acme):
    engineering = acme.departments.get(name="Engineering")
    platform = acme.departments.get(name="Platform")  # below Engineering

    # The page does not even offer it...
    page = client_for(alice).get(f"/o/acme/departments/{engineering.pk}/")
    offered = [value for value, _label in page.context["form"].fields["parent"].choices]
    assert str(platform.pk) not in offered
    assert str(engineering.pk) not in offered
    # ...and a forged post is refused.
    response = client_for(alice).post(
        f"/o/acme/departments/{engineering.pk}/", {"name": "Engineering", "parent": platform.pk}
    )
    assert response.status_code == 400
    engineering.refresh_from_db()
    assert engineering.parent is None


def test_the_service_refuses_a_cycle(acme):
    engineering = acme.departments.get(name="Engineering")
    platform = acme.departments.get(name="Platform")
    deeper = DepartmentFactory(organization=acme, name="SRE", parent=platform)

    with pytest.raises(FieldsInvalid, match="cycle"):
        department_save(organization=acme, department=engineering, parent_name=deeper.name)
    with pytest.raises(FieldsInvalid, match="cycle"):
        department_save(organization=acme, department=engineering, parent_name="Engineering")


def test_deleting_asks_first_then_deletes_an_unused_department(alice, acme):
    empty = DepartmentFactory(organization=acme, name="Legal")
    client = client_for(alice)

    confirm = client.get(f"/o/acme/departments/{empty.pk}/delete/")
    assert confirm.status_code == 200
    assert "Delete department" in confirm.content.decode()
    assert Department.current.filter(pk=empty.pk).exists()

    response = client.post(f"/o/acme/departments/{empty.pk}/delete/")
    assert response.status_code == 302
    assert not Department.current.filter(pk=empty.pk).exists()
    tree = client.get("/o/acme/departments/").context["tree"]
    assert "Legal" not in [r["department"].name for r in tree]
    # Its name is free again.
    assert client.post("/o/acme/departments/", {"name": "Legal"}).status_code == 302


def test_deleting_a_used_department_is_refused_and_says_why(alice, acme, staff):
    sales = acme.departments.get(name="Sales")
    client = client_for(alice)

    confirm = client.get(f"/o/acme/departments/{sales.pk}/delete/")
    assert "people on the roster" in confirm.content.decode()
    assert "Delete department" not in confirm.content.decode()  # no button to press

    response = client.post(f"/o/acme/departments/{sales.pk}/delete/")
    assert response.status_code == 400
    assert "is in use (4 people on the roster)" in response.content.decode()
    assert Department.current.filter(pk=sales.pk).exists()


@pytest.mark.parametrize("use", ["child", "leader", "campaign"])
def test_the_service_refuses_every_kind_of_use(acme, use, leo, pulse):
    department = DepartmentFactory(organization=acme, name="Legal")
    if use == "child":
        DepartmentFactory(organization=acme, name="Contracts", parent=department)
    elif use == "leader":
        leo.memberships.update(department=department)
    else:
        Campaign.objects.filter(pk=pulse.pk).update(audience_department=department)

    with pytest.raises(ServiceError, match="is in use"):
        department_delete(department=department)
    assert Department.current.filter(pk=department.pk).exists()


def test_responses_never_refuse_a_deletion_and_keep_their_department(
    alice, acme, open_wave, token_for, close_and_seal
):
    """Whether anyone of a department answered must not show: a deleted department leaves
    the tree whether or not responses name it, and they keep naming it."""
    legal = DepartmentFactory(organization=acme, name="Legal")
    lone = EmployeeFactory(organization=acme, email="lone@acme.example", department=legal)
    invitation = Invitation.objects.create(wave=open_wave, email=lone.email, employee=lone)
    response_accept(token=token_for(invitation), answers={"od1": 4})  # sealed later
    Employee.objects.filter(pk=lone.pk).update(department=None)  # moved out, then...

    response = client_for(alice).post(f"/o/acme/departments/{legal.pk}/delete/")

    assert response.status_code == 302
    assert not Department.current.filter(pk=legal.pk).exists()
    close_and_seal(open_wave)  # the answer sealed after the deletion still names it
    assert SurveyResponse.objects.filter(department=legal).count() == 1


def test_people_of_another_organization_or_role_get_no_department_page(leo, charlie, acme, globex):
    sales = acme.departments.get(name="Sales")
    EmployeeFactory(organization=acme, department=sales)
    for url in (
        "/o/acme/departments/",
        f"/o/acme/departments/{sales.pk}/",
        f"/o/acme/departments/{sales.pk}/delete/",
    ):
        assert client_for(leo).get(url).status_code == 403
        assert client_for(charlie).get(url).status_code == 404
        assert client_for(leo).post(url, {"name": "X"}).status_code == 403
    # charlie's own department id cannot be reached through acme's pages either
    theirs = DepartmentFactory(organization=globex, name="Ops")
    assert client_for(charlie).get(f"/o/acme/departments/{theirs.pk}/").status_code == 404
    assert Department.objects.filter(pk=sales.pk, name="Sales").exists()
