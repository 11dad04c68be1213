"""Survey tokens never reach a server's output: `manage.py runserver` run as a real process, the
way an operator trying the product runs it, and the logging every server process sets up."""

import logging
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from core.logging import MaskSurveyTokens, mask_tokens
from tests.conftest import ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server_env(tmp_path_factory) -> dict[str, str]:
    """A migrated SQLite database of its own: the server process never shares the test's."""
    database = tmp_path_factory.mktemp("runserver") / "db.sqlite3"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CELERY_BROKER_URL", "CACHE_URL", "DJANGO_SETTINGS_MODULE")
    } | {
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "INFO",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    return env


def _request(url: str, **kwargs) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, **kwargs), timeout=10) as reply:  # noqa: S310
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def _run_server(env: dict[str, str], log: Path, requests) -> dict[str, int]:
    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while _request_ok(f"{base}/healthz") is False:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"runserver did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
            statuses = {
                name: _request(base + path, **kwargs) for name, (path, kwargs) in requests.items()
            }
            # A line is written after its response is sent: wait for the last one.
            _request(f"{base}/healthz?last")
            while "/healthz?last" not in log.read_text() and time.monotonic() < deadline + 30:
                time.sleep(0.1)
            return statuses
        finally:
            process.terminate()
            process.wait(timeout=30)


def _request_ok(url: str) -> bool:
    try:
        _request(url)
        return True
    except OSError:
        return False


@pytest.mark.parametrize("debug", ["False", "True"])
def test_runserver_never_prints_a_survey_token(server_env, tmp_path, debug):
    token = secrets.token_urlsafe(16)  # 22 characters, as in an invitation link
    assert len(token) == 22
    log = tmp_path / "runserver.log"

    # given an operator's runserver, when links with a token are opened, posted and misused
    statuses = _run_server(
        server_env | {"DEBUG": debug},
        log,
        {
            "page": (f"/s/{token}/", {}),
            "post": (
                f"/s/{token}/",
                {
                    "data": b"od1=4",
                    "method": "POST",
                    "headers": {"Content-Type": "application/x-www-form-urlencoded"},
                },
            ),
            "query": (f"/s/{token}/?lang=de", {}),
            "api_query": (f"/api/v1/survey/?token={token}", {}),
            "api_header": ("/api/v1/survey/", {"headers": {"X-Survey-Token": token}}),
        },
    )

    # then every request got its answer, and the server's output names none of the tokens
    assert statuses["page"] == 404
    assert statuses["post"] in (403, 404)
    assert statuses["query"] == 404
    assert statuses["api_query"] == 404
    assert statuses["api_header"] == 404
    output = log.read_text()
    assert token not in output
    assert "/s/[token]/" in output


def test_every_configured_handler_masks_tokens(settings):
    """Whatever logger a line goes to (Django's, the server's, a library's), it leaves
    through a handler with the mask, or it has none at all."""
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    handlers = {handler for logger in loggers for handler in logger.handlers}
    handlers.add(logging.lastResort)

    unmasked = [
        handler
        for handler in handlers
        if not any(isinstance(f, MaskSurveyTokens) for f in handler.filters)
        and not isinstance(handler, logging.NullHandler)  # writes nothing
        and not type(handler).__module__.startswith("_pytest")  # this test run's capture
    ]

    assert not unmasked
    server = logging.getLogger("django.server")
    assert server.handlers
    assert not server.propagate


@pytest.mark.parametrize(
    "line",
    [
        '"GET /s/{token}/ HTTP/1.1" 404 179',
        '"GET /s/{token}/?lang=de HTTP/1.1" 404 179',
        '"GET /api/v1/survey/?token={token}&x=1 HTTP/1.1" 404 58',
        "Not Found: /s/{token}/",
        "headers: {{'X-Survey-Token': '{token}'}}",
        "META: {{'HTTP_X_SURVEY_TOKEN': '{token}'}}",
        "http://127.0.0.1:8000/s/{token}/",
    ],
)
def test_the_mask_covers_paths_query_strings_and_the_api_header(line):
    token = secrets.token_urlsafe(16)

    masked = mask_tokens(line.format(token=token))

    assert token not in masked
    assert "[token]" in masked


@pytest.mark.parametrize(
    "line",
    [
        '"GET /invite/{token}/ HTTP/1.1" 200 3012',
        "Not Found: /invite/{token}/",
        '"GET /accounts/password-reset/MQ/{token}/ HTTP/1.1" 302 0',
    ],
)
def test_the_mask_covers_invitation_and_password_reset_links(line):
    token = "MTI:1vOcdA:" + secrets.token_urlsafe(16) if "invite" in line else "cz5f3k-" + "a" * 32

    masked = mask_tokens(line.format(token=token))

    assert token not in masked
    assert "[token]" in masked


def test_gunicorns_error_and_access_logs_mask_tokens(capsys):
    import runpy

    from gunicorn.config import Config

    token = secrets.token_urlsafe(16)
    conf = runpy.run_path(str(ROOT / "culturesurvey" / "gunicorn.conf.py"))
    cfg = Config()
    cfg.set("errorlog", "-")
    cfg.set("accesslog", "-")
    logger = conf["MaskingLogger"](cfg)

    logger.error("Error handling request /s/%s/", token)
    logger.warning("Invalid request: GET /api/v1/survey/?token=%s", token)
    logger.access_log.info('"GET /s/%s/ HTTP/1.1" 404', token)

    output = "".join(capsys.readouterr())
    assert token not in output
    assert output.count("[token]") == 3


def test_a_celery_workers_logs_mask_tokens(server_env):
    token = secrets.token_urlsafe(16)
    script = (
        "import django, logging\n"
        "django.setup()\n"
        "from celery.utils.log import get_task_logger\n"
        "from culturesurvey.celery import app\n"
        "app.log.setup(loglevel='INFO')  # as `celery worker` does\n"
        f"logging.getLogger('celery.worker').warning('GET /s/{token}/')\n"
        f"get_task_logger('surveys.tasks').warning('GET /s/{token}/')\n"
        f"logging.getLogger('django.request').warning('Not Found: /s/{token}/')\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=server_env | {"DJANGO_SETTINGS_MODULE": "culturesurvey.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    output = result.stdout + result.stderr
    assert token not in output
    assert output.count("/s/[token]/") == 3
