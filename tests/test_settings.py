"""The embedded default and the production switch, read from the environment."""

import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from culturesurvey.settings import envbool
from tests.conftest import ROOT

PROBE = (
    "import json, django; from django.conf import settings; django.setup();"
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'],"
    " 'name': str(settings.DATABASES['default']['NAME']),"
    " 'eager': settings.CELERY_TASK_ALWAYS_EAGER, 'broker': settings.CELERY_BROKER_URL,"
    " 'email': settings.EMAIL_BACKEND, 'hsts': settings.SECURE_HSTS_SECONDS,"
    " 'cache': settings.CACHES['default']}))"
)


def settings_with(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    clean["DJANGO_SETTINGS_MODULE"] = "culturesurvey.settings"
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        env=clean | env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_with_nothing_set_it_runs_embedded():
    result = settings_with({})
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["name"].endswith("db.sqlite3")
    assert found["eager"] is True
    assert found["email"].endswith("console.EmailBackend")


def test_environment_variables_switch_to_postgres_and_a_broker():
    result = settings_with(
        {
            "DATABASE_URL": "postgres://u:p@db:5432/culture",
            "CELERY_BROKER_URL": "redis://redis:6379/0",
            "SECRET_KEY": "k" * 50,
            "EMAIL_HOST": "smtp.example.com",
            "SECURE_HTTPS": "1",
        }
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["name"] == "culture"
    assert (found["eager"], found["broker"]) == (False, "redis://redis:6379/0")
    assert found["email"].endswith("smtp.EmailBackend")
    assert found["hsts"] == 31536000


def test_a_production_database_requires_a_secret_key():
    result = settings_with({"DATABASE_URL": "postgres://u:p@db:5432/culture"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *[(word, True) for word in ("1", "true", "True", "TRUE", "yes", "Yes", "on", " ON ")],
        *[(word, False) for word in ("0", "false", "False", "FALSE", "no", "No", "off", "Off ")],
    ],
)
def test_envbool_reads_every_spelling_of_yes_and_no(monkeypatch, raw, expected):
    monkeypatch.setenv("CS_TEST_FLAG", raw)

    assert envbool("CS_TEST_FLAG", "False") is expected
    assert envbool("CS_TEST_FLAG", "True") is expected  # the default plays no part


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_envbool_falls_back_to_its_default_when_unset_or_empty(monkeypatch, raw):
    if raw is None:
        monkeypatch.delenv("CS_TEST_FLAG", raising=False)
    else:
        monkeypatch.setenv("CS_TEST_FLAG", raw)

    assert envbool("CS_TEST_FLAG", "True") is True
    assert envbool("CS_TEST_FLAG", "False") is False


@pytest.mark.parametrize("raw", ["ture", "Flase", "2", "-1", "y", "n", "enabled", "none", "1.0"])
def test_envbool_refuses_anything_else_and_names_the_variable(monkeypatch, raw):
    monkeypatch.setenv("CS_TEST_FLAG", raw)

    with pytest.raises(ImproperlyConfigured) as caught:
        envbool("CS_TEST_FLAG", "False")

    assert str(caught.value).startswith(f"CS_TEST_FLAG={raw!r} is not a yes/no value")


def test_a_typo_in_a_yes_no_setting_stops_the_start():
    result = settings_with({"SECURE_HTTPS": "ture"})

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECURE_HTTPS='ture' is not a yes/no value" in result.stderr


def test_cache_url_shares_rate_limit_counters_through_redis():
    alone, shared = (settings_with(env) for env in ({}, {"CACHE_URL": "redis://redis:6379/1"}))

    assert json.loads(alone.stdout)["cache"]["BACKEND"].endswith("locmem.LocMemCache")
    cache = json.loads(shared.stdout)["cache"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://redis:6379/1"


def test_group_roles_without_their_organization_stop_the_start():
    result = settings_with({"OIDC_GROUP_ROLES": "culture-hr=hr_admin"})
    assert result.returncode != 0
    assert "OIDC_GROUP_ROLES needs OIDC_GROUP_ORGANIZATION" in result.stderr
    configured = settings_with(
        {"OIDC_GROUP_ROLES": "culture-hr=hr_admin", "OIDC_GROUP_ORGANIZATION": "acme"}
    )
    assert configured.returncode == 0, configured.stderr
    wrong = settings_with(
        {"OIDC_GROUP_ROLES": "culture-hr=superuser", "OIDC_GROUP_ORGANIZATION": "acme"}
    )
    assert wrong.returncode != 0
    assert "'culture-hr=superuser' is not group=role" in wrong.stderr
