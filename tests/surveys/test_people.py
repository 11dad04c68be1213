"""People with access: HR admins invite HR admins and leaders by email; links work once."""

import re
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.test import Client

from surveys.errors import ServiceError
from surveys.models import AccessInvite, CampaignKind, Membership, Question, Role
from surveys.services.automation import campaign_create
from surveys.services.campaigns import wave_launch
from surveys.services.people import (
    INVITE_DAYS,
    InviteInvalid,
    access_invite,
    access_invite_accept,
    invite_token,
    membership_remove,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
INVITE_LINK = re.compile(r"http://[^\s]+(/invite/[^\s/]+/)")
PASSWORD = "a long and private phrase"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def invite_by_page(client: Client, outbox, data: dict, capture) -> str:
    with capture(execute=True):
        response = client.post("/o/acme/people/", data)
    assert response.status_code == 302, response.content.decode()
    return INVITE_LINK.search(outbox[-1].body).group(1)


def test_an_invited_leader_sets_a_password_and_is_in(
    alice, acme, outbox, django_capture_on_commit_callbacks
):
    engineering = acme.departments.get(name="Engineering")
    link = invite_by_page(
        client_for(alice),
        outbox,
        {"email": "Lena@Acme.example", "role": Role.LEADER, "department": engineering.pk},
        django_capture_on_commit_callbacks,
    )
    assert outbox[-1].to == ["lena@acme.example"]
    assert "Acme" in outbox[-1].subject

    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"  # the token never leaves for other sites
    assert "lena@acme.example" in page.content.decode()
    response = visitor.post(
        link, {"name": "Lena Berg", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code == 302
    user = get_user_model().objects.get(email="lena@acme.example")
    assert user.username == "lena@acme.example"
    assert user.check_password(PASSWORD)
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.department) == (Role.LEADER, engineering)
    # Signed in: home sends a leader to the report.
    assert visitor.get("/")["Location"] == "/o/acme/report/"
    signed_in = Client().post(
        "/accounts/login/", {"username": "lena@acme.example", "password": PASSWORD}
    )
    assert signed_in["Location"] == "/"


def test_an_invitation_link_works_once(acme, alice):
    invite, _ = access_invite(organization=acme, email="lena@acme.example", role=Role.LEADER)
    token = invite_token(invite=invite)
    access_invite_accept(token=token, name="Lena", password=PASSWORD)

    with pytest.raises(InviteInvalid):
        access_invite_accept(token=token, name="Mallory", password="another long phrase")
    response = Client().get(f"/invite/{token}/")
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    assert get_user_model().objects.filter(email="lena@acme.example").count() == 1


def test_an_expired_or_forged_link_is_refused(acme):
    invite, _ = access_invite(organization=acme, email="lena@acme.example", role=Role.LEADER)
    token = invite_token(invite=invite)
    later = signing.time.time() + INVITE_DAYS * 86400 + 60

    with mock.patch("django.core.signing.time.time", return_value=later):
        assert Client().get(f"/invite/{token}/").status_code == 404
        response = Client().post(
            f"/invite/{token}/", {"name": "Lena", "password1": PASSWORD, "password2": PASSWORD}
        )
    assert response.status_code == 404
    assert Client().get(f"/invite/{token[:-2]}xx/").status_code == 404
    assert Client().get(f"/invite/{signing.dumps(invite.pk)}/").status_code == 404  # no salt
    assert not get_user_model().objects.filter(email="lena@acme.example").exists()


def test_a_withdrawn_invitation_asks_first_then_its_link_stops_working(alice, acme):
    invite, _ = access_invite(organization=acme, email="lena@acme.example", role=Role.LEADER)
    token = invite_token(invite=invite)
    client = client_for(alice)

    confirm = client.get(f"/o/acme/people/invites/{invite.pk}/withdraw/")
    assert confirm.status_code == 200
    assert AccessInvite.objects.get().revoked_at is None
    assert client.post(f"/o/acme/people/invites/{invite.pk}/withdraw/").status_code == 302

    assert AccessInvite.objects.get().revoked_at is not None
    assert Client().get(f"/invite/{token}/").status_code == 404


def test_a_weak_password_is_refused_and_the_link_still_works(acme):
    invite, _ = access_invite(organization=acme, email="lena@acme.example", role=Role.LEADER)
    token = invite_token(invite=invite)

    response = Client().post(
        f"/invite/{token}/", {"name": "Lena", "password1": "12345678", "password2": "12345678"}
    )

    assert response.status_code == 400
    assert "password1" in response.context["form"].errors
    assert Client().get(f"/invite/{token}/").status_code == 200


def test_inviting_someone_with_an_account_adds_the_membership(
    alice, acme, globex, outbox, django_capture_on_commit_callbacks
):
    other = UserFactory(username="gita", email="gita@globex.example")
    MembershipFactory(user=other, organization=globex, role=Role.HR_ADMIN)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(
            "/o/acme/people/", {"email": "GITA@globex.example", "role": Role.HR_ADMIN}
        )

    assert response.status_code == 302
    assert Membership.objects.get(user=other, organization=acme).role == Role.HR_ADMIN
    assert not AccessInvite.objects.exists()
    assert outbox[-1].to == ["gita@globex.example"]
    assert "/accounts/login/" in outbox[-1].body


def test_inviting_a_member_again_is_refused(alice, acme, leo):
    with pytest.raises(ServiceError, match="has access already"):
        access_invite(organization=acme, email=leo.email, role=Role.HR_ADMIN)
    assert Membership.objects.get(user=leo).role == Role.LEADER


def test_a_department_is_for_leaders_only(alice, acme):
    sales = acme.departments.get(name="Sales")

    response = client_for(alice).post(
        "/o/acme/people/",
        {"email": "h@acme.example", "role": Role.HR_ADMIN, "department": sales.pk},
    )

    assert response.status_code == 400
    assert not AccessInvite.objects.exists()


def test_the_people_page_lists_members_and_pending_invitations(alice, leo, acme):
    access_invite(organization=acme, email="lena@acme.example", role=Role.LEADER)

    response = client_for(alice).get("/o/acme/people/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "lena@acme.example" in body
    assert leo.email in body
    assert [m.user for m in response.context["members"]] == [alice, leo]


def test_removing_access_asks_first(alice, leo):
    membership = leo.memberships.get()
    client = client_for(alice)

    assert client.get(f"/o/acme/people/{membership.pk}/remove/").status_code == 200
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert client.post(f"/o/acme/people/{membership.pk}/remove/").status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert get_user_model().objects.filter(pk=leo.pk).exists()  # the account stays


def test_the_last_hr_admin_cannot_be_removed(alice, leo):
    mine = alice.memberships.get()
    confirm = client_for(alice).get(f"/o/acme/people/{mine.pk}/remove/")
    assert "last HR admin" in confirm.content.decode()
    assert "Remove access</button>" not in confirm.content.decode()

    response = client_for(alice).post(f"/o/acme/people/{mine.pk}/remove/")

    assert response.status_code == 400
    assert "last HR admin" in response.content.decode()
    with pytest.raises(ServiceError, match="last HR admin"):
        membership_remove(membership=mine)
    assert Membership.objects.filter(pk=mine.pk).exists()


def test_an_hr_admin_may_leave_when_another_remains(alice, acme):
    MembershipFactory(user=UserFactory(username="hal"), organization=acme, role=Role.HR_ADMIN)

    response = client_for(alice).post(f"/o/acme/people/{alice.memberships.get().pk}/remove/")

    assert response["Location"] == "/"
    assert not alice.memberships.exists()


def test_leaders_and_other_organizations_get_no_people_page(leo, charlie, alice, acme):
    invite, _ = access_invite(organization=acme, email="lena@acme.example", role=Role.LEADER)
    membership = alice.memberships.get()
    for url in (
        "/o/acme/people/",
        f"/o/acme/people/invites/{invite.pk}/withdraw/",
        f"/o/acme/people/{membership.pk}/remove/",
    ):
        assert client_for(leo).get(url).status_code == 403
        assert (
            client_for(leo).post(url, {"email": "x@y.example", "role": "hr_admin"}).status_code
            == 403
        )
        assert client_for(charlie).post(url).status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert AccessInvite.objects.get().revoked_at is None
    assert not Membership.objects.filter(user__email="x@y.example").exists()


def test_every_post_needs_the_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    assert (
        client.post("/o/acme/people/", {"email": "x@y.example", "role": "leader"}).status_code
        == 403
    )
    assert client.post("/o/acme/departments/", {"name": "X"}).status_code == 403
    assert not AccessInvite.objects.exists()


def test_an_invited_leader_is_asked_by_the_leadership_survey(acme, staff):
    invite, _ = access_invite(organization=acme, email="Lena@Acme.example", role=Role.LEADER)
    access_invite_accept(token=invite_token(invite=invite), name="Lena Berg", password=PASSWORD)
    questions = list(Question.objects.filter(organization=acme, perspective="leader"))
    leadership = campaign_create(
        organization=acme, name="Leaders", kind=CampaignKind.LEADERSHIP, questions=questions
    )

    wave = wave_launch(campaign=leadership, round_label="2026-08")

    assert list(wave.invitations.values_list("email", flat=True)) == ["lena@acme.example"]
