"""Single sign-on with OpenID Connect, against a real provider (django-oidc-provider in a process of
its own, tests/identity_provider): matching by email, refusals, group roles, password sign-in
turned off per organization, and signing out."""

import html
import re
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from surveys.models import AccessInvite, Membership, Organization, Role
from surveys.services.people import access_invite, invite_token
from surveys.services.sso import (
    GroupRoles,
    SsoRefused,
    group_role,
    group_roles_parse,
    sso_user_match,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
CALLBACK = "http://testserver/accounts/sso/callback/"
LOGIN_PAGE = "http://testserver/accounts/login/"
PASSWORD = "correct horse battery staple"
USERS = [
    {"username": "leo-idp", "email": "Leo@Acme.example", "password": "p1", "name": "Leo Lead"},
    {"username": "stranger", "email": "stranger@elsewhere.example", "password": "p2"},
    {"username": "hana", "email": "hana@acme.example", "password": "p3", "groups": ["culture-hr"]},
    {"username": "ed", "email": "ed@acme.example", "password": "p4", "groups": ["executives"]},
    {"username": "root", "email": "root@acme.example", "password": "p5", "groups": ["admins"]},
    {
        "username": "una",
        "email": "una@acme.example",
        "password": "p6",
        "groups": ["email-unverified"],
    },
    {"username": "lena", "email": "lena@acme.example", "password": "p7", "name": "Lena Berg"},
    {"username": "alice-idp", "email": "alice@example.com", "password": "p8"},
]
PASSWORDS = {user["username"]: user["password"] for user in USERS}


@pytest.fixture(scope="module")
def provider(identity_provider):
    identity_provider.setup(redirect_uris=[CALLBACK], logout_uris=[LOGIN_PAGE], users=USERS)
    return identity_provider


@pytest.fixture
def sso(settings, provider):
    """The product pointed at the provider, as its OIDC_* environment would."""
    for name, value in provider.settings(
        OIDC_GROUP_ROLES="culture-hr=hr_admin,executives=leader",
        OIDC_GROUP_ORGANIZATION="acme",
    ).items():
        setattr(settings, name, value)
    return provider


def sso_sign_in(client: Client, provider, username: str, next_url: str = ""):
    """The authorization code flow, with the product's test client on one side and a plain HTTP
    session at the provider (its sign-in form) on the other. Returns the callback's response."""
    start = client.get("/accounts/sso/start/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    assert start["Location"].startswith(f"{provider.issuer}/authorize")
    at_provider = requests.Session()
    to_login = at_provider.get(start["Location"], allow_redirects=False, timeout=10)
    login_url = urljoin(provider.base, to_login.headers["Location"])
    back = parse_qs(urlsplit(login_url).query)["next"][0]
    form = at_provider.get(login_url, timeout=10).text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    signed_in = at_provider.post(
        login_url,
        data={
            "username": username,
            "password": PASSWORDS[username],
            "next": back,
            "csrfmiddlewaretoken": csrf,
        },
        allow_redirects=False,
        timeout=10,
    )
    authorized = at_provider.get(
        urljoin(provider.base, signed_in.headers["Location"]), allow_redirects=False, timeout=10
    )
    callback = urlsplit(authorized.headers["Location"])
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == CALLBACK
    return client.get(f"{callback.path}?{callback.query}")


def signed_in_user(client: Client):
    return client.get("/").wsgi_request.user


# --- Matching ---------------------------------------------------------------------------------


def test_it_signs_in_a_known_email_whatever_its_case(sso, leo):
    leo.email = "leo@acme.example"
    leo.save()
    client = Client()

    response = sso_sign_in(client, sso, "leo-idp", next_url="/o/acme/values/")

    assert response.status_code == 302
    assert response["Location"] == "/o/acme/values/"
    assert signed_in_user(client) == leo
    # A leader lands on the gap report.
    assert client.get("/")["Location"] == "/o/acme/report/"


def test_it_refuses_an_unknown_email_and_creates_no_account(sso, acme):
    client = Client()
    users_before = get_user_model().objects.count()

    response = sso_sign_in(client, sso, "stranger")

    assert response["Location"] == "/accounts/sso/refused/"
    page = client.get(response["Location"])
    assert page.status_code == 403
    assert "There is no account for stranger@elsewhere.example" in page.content.decode()
    assert "No account was created." in page.content.decode()
    assert get_user_model().objects.count() == users_before
    assert not signed_in_user(client).is_authenticated
    # A refusal is no guessed password: it counts towards no lock-out.
    assert not AccessAttempt.objects.exists()


def test_it_accepts_a_pending_invitation_with_no_password(sso, acme, alice):
    invite, _ = access_invite(organization=acme, email="lena@acme.example", role=Role.LEADER)
    client = Client()

    sso_sign_in(client, sso, "lena")

    user = signed_in_user(client)
    assert user.email == "lena@acme.example"
    assert user.get_full_name() == "Lena Berg"
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user).role == Role.LEADER
    invite.refresh_from_db()
    assert invite.accepted_at is not None


def test_a_withdrawn_invitation_lets_no_one_in(sso, acme, alice):
    invite, _ = access_invite(organization=acme, email="lena@acme.example", role=Role.LEADER)
    AccessInvite.objects.filter(pk=invite.pk).update(revoked_at=invite.created_at)

    response = sso_sign_in(Client(), sso, "lena")

    assert response["Location"] == "/accounts/sso/refused/"
    assert not get_user_model().objects.filter(email="lena@acme.example").exists()


def test_an_unverified_email_is_refused_even_for_a_known_account(sso, acme):
    UserFactory(username="una", email="una@acme.example")
    client = Client()

    response = sso_sign_in(client, sso, "una")

    assert response["Location"] == "/accounts/sso/refused/"
    assert "has not confirmed the address" in client.get(response["Location"]).content.decode()
    assert not signed_in_user(client).is_authenticated


def test_a_switched_off_account_is_refused(acme):
    UserFactory(username="gone", email="gone@acme.example", is_active=False)
    with pytest.raises(SsoRefused) as refused:
        sso_user_match(email="Gone@acme.example", email_verified=True)
    assert refused.value.reason == "inactive"


# --- Group roles ------------------------------------------------------------------------------


def test_a_mapped_group_makes_the_account_with_its_role_in_the_configured_organization(
    sso, acme, globex
):
    client = Client()

    sso_sign_in(client, sso, "hana")

    user = signed_in_user(client)
    assert user.email == "hana@acme.example"
    assert not user.has_usable_password()
    assert list(Membership.objects.filter(user=user).values_list("organization__slug", "role")) == [
        ("acme", Role.HR_ADMIN)
    ]


def test_a_group_nobody_configured_grants_nothing(sso, acme):
    response = sso_sign_in(Client(), sso, "root")  # in "admins", which is not mapped

    assert response["Location"] == "/accounts/sso/refused/"
    assert not get_user_model().objects.filter(email="root@acme.example").exists()


def test_without_group_roles_configured_a_group_grants_nothing(sso, settings, acme):
    settings.OIDC_GROUP_ROLES = ""

    response = sso_sign_in(Client(), sso, "hana")

    assert response["Location"] == "/accounts/sso/refused/"
    assert not Membership.objects.filter(user__email="hana@acme.example").exists()


def test_groups_raise_a_role_and_never_lower_one(sso, acme):
    hana = UserFactory(username="hana", email="hana@acme.example")
    sales = acme.departments.get(name="Sales")
    MembershipFactory(user=hana, organization=acme, role=Role.LEADER, department=sales)
    ed = UserFactory(username="ed", email="ed@acme.example")
    MembershipFactory(user=ed, organization=acme, role=Role.HR_ADMIN)

    sso_sign_in(Client(), sso, "hana")  # culture-hr -> HR admin
    sso_sign_in(Client(), sso, "ed")  # executives -> leader, but ed is an HR admin already

    raised = Membership.objects.get(user=hana)
    assert (raised.role, raised.department) == (Role.HR_ADMIN, None)
    assert Membership.objects.get(user=ed).role == Role.HR_ADMIN


def test_a_group_gives_a_role_in_the_configured_organization_only(globex):
    user = sso_user_match(
        email="new@globex.example",
        email_verified=True,
        groups=["culture-hr"],
        mapping=GroupRoles(organization_slug="globex", roles={"culture-hr": Role.HR_ADMIN}),
    )
    assert list(user.memberships.values_list("organization__slug", flat=True)) == ["globex"]


def test_the_strongest_role_of_a_persons_mapped_groups_wins():
    mapping = GroupRoles(
        organization_slug="acme", roles={"hr": Role.HR_ADMIN, "execs": Role.LEADER}
    )
    assert group_role(groups=["execs", "hr", "other"], mapping=mapping) == Role.HR_ADMIN
    assert group_role(groups=["execs"], mapping=mapping) == Role.LEADER
    assert group_role(groups=["other", "HR"], mapping=mapping) is None  # names match exactly


def test_a_mapping_with_a_role_that_is_not_one_stops_the_start():
    assert group_roles_parse(raw="a=leader, b=hr_admin", organization_slug="acme").roles == {
        "a": Role.LEADER,
        "b": Role.HR_ADMIN,
    }
    for raw in ("a=superuser", "a", "=leader"):
        with pytest.raises(ImproperlyConfigured):
            group_roles_parse(raw=raw, organization_slug="acme")


# --- The sign-in page and the provider's addresses --------------------------------------------


def test_the_sign_in_page_offers_the_provider_only_when_configured(settings, sso):
    assert "Sign in with Test IdP" in Client().get("/accounts/login/").content.decode()
    settings.OIDC_RP_CLIENT_ID = ""
    page = Client().get("/accounts/login/").content.decode()
    assert "Sign in with" not in page
    for path in ("/accounts/sso/start/", "/accounts/sso/callback/", "/accounts/sso/refused/"):
        assert Client().get(path).status_code == 404


def test_the_provider_can_be_given_by_its_endpoints_instead_of_its_issuer(settings, sso, leo):
    settings.OIDC_OP_ISSUER = ""
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{sso.issuer}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{sso.issuer}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{sso.issuer}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{sso.issuer}/jwks"
    leo.email = "leo@acme.example"
    leo.save()
    client = Client()

    sso_sign_in(client, sso, "leo-idp")

    assert signed_in_user(client) == leo


def test_a_callback_the_product_did_not_start_signs_no_one_in(sso, leo):
    client = Client()
    response = client.get("/accounts/sso/callback/?code=made-up&state=made-up")
    assert response["Location"] == "/accounts/sso/refused/"
    assert not signed_in_user(client).is_authenticated


def test_an_issuer_that_does_not_answer_sends_back_to_the_sign_in_page(settings, sso):
    settings.OIDC_OP_ISSUER = "http://127.0.0.1:9/nobody"
    response = Client().get("/accounts/sso/start/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "The sign-in service is not answering" in response.content.decode()


# --- Signing out ------------------------------------------------------------------------------


def test_signing_out_ends_the_session_and_the_providers(sso, leo):
    leo.email = "leo@acme.example"
    leo.save()
    client = Client()
    sso_sign_in(client, sso, "leo-idp")

    response = client.post("/accounts/logout/")

    # A page that moves on to the provider by itself (a redirect of the sign-out form to another
    # site would break the form-action policy).
    assert response.status_code == 200
    page = response.content.decode()
    moving_on = re.search(r'<meta http-equiv="refresh" content="0;url=([^"]+)">', page)
    end_session = html.unescape(moving_on.group(1))
    assert f'href="{moving_on.group(1)}"' in page
    end = urlsplit(end_session)
    assert f"{end.scheme}://{end.netloc}{end.path}" == f"{sso.issuer}/end-session"
    query = parse_qs(end.query)
    assert query["post_logout_redirect_uri"] == [LOGIN_PAGE]
    assert query["id_token_hint"]
    assert not signed_in_user(client).is_authenticated
    # The provider ends its session and sends the browser back to the sign-in page.
    back = requests.get(end_session, allow_redirects=False, timeout=10)
    assert back.headers["Location"].startswith(LOGIN_PAGE)


def test_signing_out_of_a_password_session_stays_here(sso, alice):
    client = Client()
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert signed_in_user(client) == alice
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"
    assert not signed_in_user(client).is_authenticated


# --- Password sign-in turned off ---------------------------------------------------------------


def passwords_off(organization: Organization) -> None:
    Organization.objects.filter(pk=organization.pk).update(password_sign_in=False)


def test_members_of_an_sso_only_organization_cannot_use_a_password(sso, acme, alice, charlie):
    passwords_off(acme)

    refused = Client().post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    wrong = Client().post("/accounts/login/", {"username": "alice", "password": "wrong"})
    other = Client()
    other.post("/accounts/login/", {"username": "charlie", "password": PASSWORD})

    assert refused.status_code == 200
    assert "Your organization signs in with Test IdP only." in refused.content.decode()
    assert not refused.wsgi_request.user.is_authenticated
    # A wrong password gets the usual answer: the page tells nothing to someone guessing.
    assert "signs in with" not in wrong.content.decode()
    assert "do not match" in wrong.content.decode()
    # Another organization's members are not affected.
    assert signed_in_user(other) == charlie


def test_members_of_an_sso_only_organization_get_no_password_reset(sso, acme, alice, outbox):
    passwords_off(acme)
    response = Client().post("/accounts/password-reset/", {"email": alice.email})
    assert response["Location"] == "/accounts/password-reset/sent/"  # the same answer as ever
    assert outbox == []


def test_turning_passwords_off_ends_existing_password_sessions(sso, acme, alice):
    client = Client()
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert client.get("/o/acme/").status_code == 200
    passwords_off(acme)
    assert client.get("/o/acme/")["Location"].startswith("/accounts/login/")


def test_without_single_sign_on_configured_passwords_work_whatever_the_switch(acme, alice):
    passwords_off(acme)  # e.g. the provider's settings were removed: nobody is locked out
    client = Client()
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert signed_in_user(client) == alice


def test_an_hr_admin_cannot_turn_passwords_off_while_sso_is_not_configured(acme, alice):
    client = Client()
    client.force_login(alice)
    page = client.post("/o/acme/sign-in/", {}, follow=True).content.decode()
    assert "Single sign-on is not configured on this installation" in page
    acme.refresh_from_db()
    assert acme.password_sign_in is True


def test_an_hr_admin_turns_passwords_off_once_signed_in_through_the_provider(sso, acme, alice):
    password_session = Client()
    password_session.force_login(alice)
    page = password_session.post("/o/acme/sign-in/", {}, follow=True).content.decode()
    assert "Sign in with Test IdP first" in page
    acme.refresh_from_db()
    assert acme.password_sign_in is True

    client = Client()
    sso_sign_in(client, sso, "alice-idp")
    page = client.get("/o/acme/").content.decode()
    assert re.search(r'name="password_sign_in"[^>]*checked', page)
    page = client.post("/o/acme/sign-in/", {}, follow=True).content.decode()
    assert "Members sign in with Test IdP only." in page
    acme.refresh_from_db()
    assert acme.password_sign_in is False

    client.post("/o/acme/sign-in/", {"password_sign_in": "on"})
    acme.refresh_from_db()
    assert acme.password_sign_in is True


def test_a_leader_cannot_change_how_the_organization_signs_in(sso, acme, leo):
    client = Client()
    client.force_login(leo)
    assert client.post("/o/acme/sign-in/", {}).status_code == 403
    assert "password_sign_in" not in client.get("/o/acme/").content.decode()


# --- Employees ----------------------------------------------------------------------------------


def test_survey_pages_never_send_anyone_to_sign_in(sso, acme, open_wave, token_for):
    passwords_off(acme)
    token = token_for(open_wave.invitations.first())
    client = Client()

    responses = [
        client.get(f"/s/{token}/"),
        client.get("/s/done/"),
        client.get("/s/no-such-token/"),
        client.get("/api/v1/survey/", HTTP_X_SURVEY_TOKEN=token),
    ]

    assert [r.status_code for r in responses] == [200, 200, 404, 200]
    assert not any("/accounts/" in r.get("Location", "") for r in responses)
    assert "/accounts/sso/" not in responses[0].content.decode()


def test_an_invitation_to_an_sso_only_organization_asks_for_no_password(sso, acme, alice):
    passwords_off(acme)
    invite, _ = access_invite(organization=acme, email="lena@acme.example", role=Role.LEADER)
    link = f"/invite/{invite_token(invite=invite)}/"
    client = Client()

    page = client.get(link).content.decode()
    posted = client.post(link, {"name": "Lena", "password1": "x" * 20, "password2": "x" * 20})

    assert "Sign in with Test IdP" in page
    assert 'type="password"' not in page
    assert not posted.wsgi_request.user.is_authenticated
    assert not get_user_model().objects.filter(email="lena@acme.example").exists()
    sso_sign_in(client, sso, "lena")  # the provider, with the invited address, accepts it
    assert Membership.objects.get(user=signed_in_user(client)).role == Role.LEADER
