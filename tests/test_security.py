"""Security settings: deploy checks, headers, sign-in protection."""

import os
import secrets
import subprocess
import sys

import pytest
from django.test import Client

from tests.conftest import ROOT

PRODUCTION = {
    "DATABASE_URL": "postgres://culture:secret@db:5432/culture",
    "CELERY_BROKER_URL": "redis://redis:6379/0",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "SECURE_HTTPS": "1",
    "ALLOWED_HOSTS": "surveys.example.com",
    "STATIC_MANIFEST": "1",
}


def test_the_deploy_check_is_clean_with_production_settings():
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")} | PRODUCTION
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_pages_send_the_security_headers(alice):
    client = Client()
    client.force_login(alice)
    response = client.get("/o/acme/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_survey_pages_never_send_a_referrer(open_wave, token_for, monkeypatch):
    from core.apis.base import SurveyRateThrottle

    token = token_for(open_wave.invitations.first())
    client = Client()
    responses = {
        "survey": client.get(f"/s/{token}/"),
        "answers refused": client.post(f"/s/{token}/", {"od1": "9"}),
        "answers taken": client.post(f"/s/{token}/", {"od1": "4", "confirm_partial": "1"}),
        "done": client.get("/s/done/"),
        "used link": client.get(f"/s/{token}/"),
        "unknown link": client.get("/s/Q3ZkN2x1bWVfdG9rZW4xMg/"),
        "privacy": client.get("/privacy/"),
    }
    monkeypatch.setattr(SurveyRateThrottle, "THROTTLE_RATES", {"survey": "1/minute"})
    client.get(f"/s/{token}/")
    responses["too many"] = client.get(f"/s/{token}/")

    statuses = {name: response.status_code for name, response in responses.items()}
    assert statuses == {
        "survey": 200,
        "answers refused": 400,
        "answers taken": 302,
        "done": 200,
        "used link": 404,
        "unknown link": 404,
        "privacy": 200,
        "too many": 429,
    }
    for name, response in responses.items():
        assert response["Referrer-Policy"] == "no-referrer", name
        assert "script-src 'self'" in response["Content-Security-Policy"], name
        assert not response.cookies, name  # and no cookie either


@pytest.mark.django_db
def test_sign_in_is_locked_after_five_wrong_passwords(alice):
    client = Client()
    statuses = [
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"}).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks
    locked = client.post(
        "/accounts/login/", {"username": "alice", "password": "correct horse battery staple"}
    )
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()
    other = Client().post(
        "/accounts/login/",
        {"username": "alice", "password": "correct horse battery staple"},
        REMOTE_ADDR="10.1.2.3",
    )
    assert other.status_code == 302  # the lock is for that username from that address


@pytest.mark.django_db
def test_a_correct_password_signs_in(alice):
    client = Client()
    assert client.get("/o/acme/").status_code == 302  # to the sign-in page

    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "correct horse battery staple"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(alice.pk)
    assert client.get("/o/acme/").status_code == 200
