"""Personas and shared fixtures.

alice is an HR admin of Acme, leo a leader of Acme, petra a leader scoped to Acme's
Engineering subtree, and charlie an HR admin of another organization (Globex).
"""

import os
import subprocess
from pathlib import Path

import pytest
from django.core import mail

from surveys.models import CampaignKind, Employee, Invitation, Organization, Question, Role
from surveys.services.automation import campaign_create
from surveys.services.campaigns import wave_close, wave_launch
from surveys.services.definitions import organization_load_definition
from surveys.services.invitations import invitation_issue_token
from tests.factories import EmployeeFactory, MembershipFactory, OrganizationFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
ACME_FILE = ROOT / "docs" / "examples" / "acme.yaml"


@pytest.fixture(autouse=True)
def _require_marked_services(request):
    """A test marked for PostgreSQL fails, never skips, when it runs without it: the test
    command runs those tests in its second pass (or deselect them with -m 'not postgres')."""
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    if request.node.get_closest_marker("postgres") and not on_postgres:
        pytest.fail("This test needs PostgreSQL: set DATABASE_URL=postgres://…")


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Test users need no costly password hashing (sign-in still checks the password)."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and rendered reports live in the cache, questions in a short-lived
    in-process cache; each test starts with none (ids repeat between tests whose data was
    rolled back)."""
    from django.core.cache import cache

    from surveys.selectors import _question_cache

    cache.clear()
    _question_cache.clear()


@pytest.fixture(autouse=True)
def _eager_tasks_unless_worker(request):
    """Tasks run in-process, except in tests that exercise a real worker."""
    from culturesurvey.celery import app

    eager = request.node.get_closest_marker("worker") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def acme(db) -> Organization:
    return organization_load_definition(content=ACME_FILE.read_bytes())


@pytest.fixture
def globex(db) -> Organization:
    return OrganizationFactory(slug="globex", name="Globex")


@pytest.fixture
def alice(acme):
    user = UserFactory(username="alice")
    MembershipFactory(user=user, organization=acme, role=Role.HR_ADMIN)
    return user


@pytest.fixture
def leo(acme):
    user = UserFactory(username="leo")
    MembershipFactory(user=user, organization=acme, role=Role.LEADER)
    return user


@pytest.fixture
def petra(acme):
    user = UserFactory(username="petra")
    engineering = acme.departments.get(name="Engineering")
    MembershipFactory(user=user, organization=acme, role=Role.LEADER, department=engineering)
    return user


@pytest.fixture
def charlie(globex):
    user = UserFactory(username="charlie")
    MembershipFactory(user=user, organization=globex, role=Role.HR_ADMIN)
    return user


@pytest.fixture
def staff(acme) -> list[Employee]:
    """Twelve employees of Acme across its departments."""
    departments = list(acme.departments.order_by("name"))
    return [
        EmployeeFactory(
            organization=acme,
            email=f"staff{i}@acme.example",
            department=departments[i % len(departments)],
        )
        for i in range(12)
    ]


@pytest.fixture
def pulse(acme, staff):
    """An Acme pulse over every employee question of the example file."""
    questions = list(Question.objects.filter(organization=acme, perspective="employee"))
    return campaign_create(
        organization=acme, name="Pulse", kind=CampaignKind.PULSE, questions=questions
    )


@pytest.fixture
def open_wave(pulse):
    return wave_launch(campaign=pulse, round_label="2026-08")


@pytest.fixture
def token_for():
    """A fresh survey token for an invitation (as the invitation email would carry)."""

    def make(invitation: Invitation) -> str:
        return invitation_issue_token(invitation=invitation)

    return make


@pytest.fixture
def close_and_seal(django_capture_on_commit_callbacks):
    """Close a wave as HR does and run what its commit queues, in-process: the seal, which
    writes the wave's accepted answers as responses (and, with analyze, the analysis)."""

    def close(wave, *, analyze: bool = False) -> bool:
        with django_capture_on_commit_callbacks(execute=True):
            return wave_close(wave=wave, analyze=analyze)

    return close


@pytest.fixture
def outbox():
    mail.outbox = []
    return mail.outbox


# --- A real Celery worker -----------------------------------------------------------------


class WorkerProcess:
    """A `celery worker` process on the test database and the Redis broker."""

    def __init__(self, env: dict[str, str], log_path: Path, mail_dir: Path) -> None:
        self.env, self.log_path, self.mail_dir = env, log_path, mail_dir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        import sys

        self.ready_before = (
            self.log_path.read_text(errors="replace").count(" ready.")
            if self.log_path.exists()
            else 0
        )
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "culturesurvey",
                "worker",
                "--loglevel=INFO",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"test-{os.getpid()}@%h",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            self.wait_ready()
        except Exception:
            self.stop()  # never leave a worker behind
            raise

    def wait_ready(self, timeout: float = 60) -> None:
        """Until the worker logs that it is ready (once more than before this start)."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.log_path.read_text(errors="replace")
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited:\n{log[-3000:]}")
            if log.count(" ready.") > self.ready_before:
                return
            time.sleep(0.1)
        raise RuntimeError(f"celery worker not ready:\n{self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL, as when a machine dies: no chance to finish or acknowledge anything."""
        import signal

        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except Exception:
                self.process.kill()
        self.log.close()

    def emails(self) -> list[str]:
        return [p.read_text() for p in sorted(self.mail_dir.glob("*.log"))]


@pytest.fixture(scope="session")
def worker_environment(django_db_setup, tmp_path_factory):
    from urllib.parse import urlsplit, urlunsplit

    import redis
    from django.db import connection

    broker = os.environ.get("CELERY_BROKER_URL", "")
    database = os.environ.get("DATABASE_URL", "")
    if not broker.startswith("redis://") or not database.startswith("postgres"):
        pytest.fail("Worker tests need CELERY_BROKER_URL=redis://… and DATABASE_URL=postgres://…")
    redis.Redis.from_url(broker).flushdb()
    parts = urlsplit(database)
    test_database = urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))
    mail_dir = tmp_path_factory.mktemp("worker-mail")
    env = dict(os.environ) | {
        "DATABASE_URL": test_database,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "DB_CONN_MAX_AGE": "0",
        "CELERY_VISIBILITY_TIMEOUT": "15",
        "CELERY_UNACKED_RESTORE_INTERVAL": "2",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }
    return env, tmp_path_factory.mktemp("worker-log") / "worker.log", mail_dir


@pytest.fixture
def celery_worker(worker_environment, transactional_db):
    """A fresh worker for one test (killed and restarted by tests that need to)."""
    env, log_path, mail_dir = worker_environment
    for old in mail_dir.glob("*"):
        old.unlink()
    worker = WorkerProcess(env, log_path, mail_dir)
    worker.start()
    yield worker
    worker.stop()


# --- A real OpenID Connect provider ---------------------------------------------------------


@pytest.fixture(scope="session")
def identity_provider(tmp_path_factory):
    """django-oidc-provider in a process of its own (tests/identity_provider), for single
    sign-on. Tests register their redirect addresses and users with `setup`."""
    from tests.identity_provider.process import IdentityProvider

    provider = IdentityProvider(tmp_path_factory.mktemp("identity-provider"))
    provider.start()
    yield provider
    provider.stop()


# --- A real browser ---------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, driven by Playwright (which never downloads a browser)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (make test does)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by tests
    # alongside it are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()
