"""Password reset by email, with Django's own views."""

import re

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db
RESET_LINK = re.compile(r"(/accounts/password-reset/[^\s/]+/[^\s/]+/)")
NEW = "a brand new private phrase"


def test_the_sign_in_page_links_to_the_reset():
    body = Client().get("/accounts/login/").content.decode()
    assert 'href="/accounts/password-reset/"' in body
    assert "Forgot your password?" in body


def test_a_user_resets_their_password_from_the_email(alice, outbox):
    client = Client()
    response = client.post("/accounts/password-reset/", {"email": alice.email.upper()})
    assert response["Location"] == "/accounts/password-reset/sent/"

    (message,) = outbox
    assert message.to == [alice.email]
    # Built on SITE_URL, never on the Host header of whoever asked.
    assert f"{settings.SITE_URL}/accounts/password-reset/" in message.body
    link = RESET_LINK.search(message.body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done["Location"] == "/accounts/password-reset/done/"

    alice.refresh_from_db()
    assert alice.check_password(NEW)
    # The link worked once.
    assert "not valid" in client.get(link, follow=True).content.decode()


def test_an_unknown_email_gets_the_same_answer_and_no_email(outbox):
    response = Client().post("/accounts/password-reset/", {"email": "nobody@example.com"})

    assert response["Location"] == "/accounts/password-reset/sent/"
    assert outbox == []


def test_a_host_header_cannot_point_the_link_elsewhere(alice, outbox, settings):
    settings.ALLOWED_HOSTS = ["*"]
    Client().post("/accounts/password-reset/", {"email": alice.email}, HTTP_HOST="evil.example")
    assert "evil.example" not in outbox[0].body
