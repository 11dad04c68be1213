"""The embedded default and the production switch, read from the environment."""

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

PROBE = (
    "import json, django; from django.conf import settings; django.setup();"
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'],"
    " 'name': str(settings.DATABASES['default']['NAME']),"
    " 'eager': settings.CELERY_TASK_ALWAYS_EAGER, 'broker': settings.CELERY_BROKER_URL,"
    " 'email': settings.EMAIL_BACKEND, 'hsts': settings.SECURE_HSTS_SECONDS}))"
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
