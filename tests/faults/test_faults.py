"""Faults with the real services: Redis going away, PostgreSQL restarting under load, a token
submitted many times at once, and what the server logs."""

import contextlib
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from analytics.models import AnalysisJob, ReportSnapshot
from core.models import OutboxMessage
from culturesurvey.celery import app
from surveys.models import (
    Answer,
    CampaignKind,
    Invitation,
    PendingAnswer,
    Question,
    SurveyResponse,
)
from surveys.services.automation import campaign_create
from surveys.services.campaigns import wave_close, wave_launch
from surveys.services.invitations import invitation_issue_token
from surveys.services.roster import roster_upsert
from surveys.services.sealing import wave_seal
from surveys.services.tokens import api_token_create
from tests.conftest import ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.worker]
ANSWERS = {"od1": 4, "od2": 2, "enps": 8, "comment": "Fine."}


def call(
    url: str, payload: dict | None = None, *, method: str = "POST", headers: dict | None = None
) -> tuple[int, dict | str]:
    request = urllib.request.Request(  # noqa: S310 (loopback test server)
        url,
        data=json.dumps(payload).encode() if payload is not None else None,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            body = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as error:
        body, status = error.read().decode(), error.code
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return 0, str(error)
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body


def wait_for(condition, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError("timed out")


def open_pulse(acme, people: int) -> list[str]:
    """An open pulse wave for `people` employees, and one survey token each."""
    eager, app.conf.task_always_eager = app.conf.task_always_eager, True
    try:
        roster_upsert(
            organization=acme,
            people=[{"email": f"p{i}@acme.example", "department": "Sales"} for i in range(people)],
        )
        questions = list(Question.objects.filter(organization=acme, perspective="employee"))
        pulse = campaign_create(
            organization=acme, name="Pulse", kind=CampaignKind.PULSE, questions=questions
        )
        wave = wave_launch(campaign=pulse, round_label="2026-11")
    finally:
        app.conf.task_always_eager = eager
    return [invitation_issue_token(invitation=i) for i in wave.invitations.order_by("pk")]


def seal_now(wave) -> None:
    """Close the wave and seal it here (no worker runs in these tests)."""
    wave_close(wave=wave, analyze=False)
    wave_seal(wave_id=wave.pk, analyze=False)


def submit(server, token: str) -> int:
    status, _body = call(
        f"{server.url}/api/v1/survey/responses/", {"token": token, "answers": ANSWERS}
    )
    return status


def test_with_redis_down_answers_are_stored_and_the_work_goes_out_once_it_is_back(
    acme, private_redis, app_server_factory, worker_factory, test_database_env
):
    tokens = open_pulse(acme, 14)
    campaign_create(
        organization=acme,
        name="Exit",
        kind=CampaignKind.EXIT,
        questions=list(Question.objects.filter(organization=acme, perspective="employee")),
    )
    hr_token = api_token_create(organization=acme, name="hris", scope="write", user=None)[1]
    # As docker-compose.yml has it: the broker and the rate-limit counters on the same Redis.
    broker = {"CELERY_BROKER_URL": private_redis.url, "CACHE_URL": private_redis.url[:-1] + "1"}
    server = app_server_factory(**broker)
    worker = worker_factory(**broker)
    headers = {"Authorization": f"Bearer {hr_token}"}
    api = f"{server.url}/api/v1/organizations/acme"

    private_redis.stop()

    # Employees answer; HR marks a leaver (an exit email) and closes the wave (an analysis).
    assert [submit(server, token) for token in tokens[:12]] == [201] * 12
    leaver = Invitation.objects.get(email="p13@acme.example").employee
    status, body = call(
        f"{api}/employees/{leaver.pk}/leaver/", {"leaving_date": "2026-12-31"}, headers=headers
    )
    assert (status, body["exit_invitation_sent"]) == (200, True)
    wave_id = Invitation.objects.get(email="p0@acme.example").wave_id
    status, body = call(f"{api}/waves/{wave_id}/close/", {}, headers=headers)
    assert status == 200
    # The answers are sealed first, by a worker; the report waits for that and the exit wave.
    status, progress = call(body["report_progress"], method="GET", headers=headers)
    assert (status, progress["state"], progress["analysis_job"]) == (200, "waiting", None)
    assert wave_id in [wave["id"] for wave in progress["waiting_for"]]
    assert PendingAnswer.objects.count() == 12  # accepted, waiting sealed in the database
    assert not SurveyResponse.objects.exists()
    pending = set(OutboxMessage.objects.filter(sent_at__isnull=True).values_list("task", flat=True))
    assert pending == {"surveys.tasks.send_wave_invitations", "surveys.tasks.seal_wave"}

    private_redis.start()  # back, empty: it kept nothing
    relay = subprocess.run(
        [sys.executable, "manage.py", "outbox_flush"],
        cwd=ROOT,
        env=test_database_env | broker,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "Handed over 2 message(s); 0 still pending." in relay.stdout

    # The worker seals the wave. The round's report waits for its other wave, the leaver's
    # exit survey: once published, the round takes nothing more.
    wait_for(lambda: SurveyResponse.objects.count() == 12)
    assert not PendingAnswer.objects.exists()
    wait_for(lambda: "p13@acme.example" in "".join(worker.emails()))
    assert not AnalysisJob.objects.exists()
    exit_wave = Invitation.objects.get(email="p13@acme.example", wave__campaign__kind="exit").wave
    assert exit_wave.round_id == Invitation.objects.get(email="p0@acme.example").wave.round_id
    status, _body = call(f"{api}/waves/{exit_wave.pk}/close/", {}, headers=headers)
    assert status == 200
    # Sealing the last wave of the round (nobody answered it) asks for the report.
    wait_for(lambda: AnalysisJob.objects.filter(status="done").exists())
    assert ReportSnapshot.objects.get().data["stated_vs_lived"][0]["n_employees"] == 12
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


def restart_postgres() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
        timeout=120,
    )


def answered(request: urllib.request.Request) -> tuple[int, str, str | None]:
    """Status, body and Retry-After; status 0 for a connection dropped without an answer."""
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read().decode(), response.headers["Retry-After"]
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers["Retry-After"]
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return 0, str(error), None


def test_a_postgres_restart_under_load_fails_requests_cleanly_and_the_app_recovers(
    acme, app_server_factory
):
    tokens = open_pulse(acme, 1200)
    load_tokens, later_tokens, page_token = tokens[:1150], tokens[1150:1170], tokens[-1]
    server = app_server_factory(DB_CONN_MAX_AGE="60")
    results: list[tuple[int, str, str | None]] = []
    pages: list[tuple[int, str, str | None]] = []
    lock = threading.Lock()
    queue = iter(load_tokens)
    done = threading.Event()
    stop = threading.Event()  # set a little after the restart: the load spans all of it

    def load() -> None:
        while not stop.is_set():
            with lock:
                token = next(queue, None)
            if token is None:
                return
            outcome = answered(
                urllib.request.Request(  # noqa: S310
                    f"{server.url}/api/v1/survey/responses/",
                    data=json.dumps({"token": token, "answers": ANSWERS}).encode(),
                    headers={"Content-Type": "application/json"},
                )
            )
            with lock:
                results.append(outcome)

    def read_pages() -> None:  # an employee opening a survey link meanwhile
        page = urllib.request.Request(f"{server.url}/s/{page_token}/")  # noqa: S310
        while not done.is_set():
            pages.append(answered(page))
            time.sleep(0.05)

    threads = [threading.Thread(target=load) for _ in range(6)]
    reader = threading.Thread(target=read_pages)
    for thread in [*threads, reader]:
        thread.start()
    # The restart begins while answers are arriving (however fast they are accepted), and
    # the load goes on through it and for a moment after.
    deadline = time.monotonic() + 30
    while len(results) < 100 and time.monotonic() < deadline:
        time.sleep(0.01)
    restart_postgres()
    time.sleep(2.0)
    stop.set()
    for thread in threads:
        thread.join(timeout=300)
    done.set()
    reader.join(timeout=60)
    connection.close()  # this test's own connection died with the restart

    # Every request got an answer: a 201 that kept its whole answer, or a clean 503 that
    # kept nothing (no 500, no dropped connection), in JSON and with Retry-After.
    statuses = [status for status, _body, _retry in results]
    assert set(statuses) == {201, 503}, sorted(set(statuses))  # the restart did fail some
    for status, body, retry_after in results:
        if status == 503:
            assert json.loads(body) == {
                "detail": "The service is briefly unavailable; nothing was stored. Try again."
            }
            assert retry_after == "5"
    accepted = PendingAnswer.objects.count()
    assert accepted == Invitation.objects.filter(answered=True).count() == statuses.count(201)
    assert statuses.count(201) >= 100  # most of the load went through
    # The survey page meanwhile: the page, or a 503 page with Retry-After.
    assert {status for status, _body, _retry in pages} <= {200, 503}
    for status, body, retry_after in pages:
        if status == 503:
            assert "Nothing you sent has been stored" in body
            assert retry_after == "5"
    # Without restarting the app, new answers are accepted again.
    after = [submit(server, token) for token in later_tokens]
    assert after == [201] * 20
    seal_now(Invitation.objects.first().wave)  # and sealed, all of them
    assert SurveyResponse.objects.count() == accepted + 20
    assert Answer.objects.count() == (accepted + 20) * len(ANSWERS)


def test_a_token_sent_many_times_at_once_stores_one_response(acme, app_server_factory):
    token = open_pulse(acme, 3)[0]
    server = app_server_factory()
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(lambda _i: submit(server, token), range(16)))
    assert sorted(statuses) == [201] + [404] * 15
    assert PendingAnswer.objects.count() == 1
    seal_now(Invitation.objects.first().wave)
    assert SurveyResponse.objects.count() == 1
    assert Answer.objects.count() == len(ANSWERS)


def test_survey_tokens_never_reach_the_server_logs(acme, app_server_factory, tmp_path):
    token = open_pulse(acme, 2)[0]
    server = app_server_factory()
    with urllib.request.urlopen(f"{server.url}/s/{token}/", timeout=10) as page:  # noqa: S310
        assert page.status == 200
    form = urllib.request.Request(  # noqa: S310
        f"{server.url}/s/{token}/",
        data=b"od1=4",
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    # The redirect target is fine either way; only the log matters here.
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(form, timeout=10)  # noqa: S310
    submit(server, token)  # and the API, which takes the token in the body
    unknown = "Q3ZkN2x1bWVfdG9rZW4xMg"  # 22 characters, as a link's; a 404, logged as a warning
    for path in (f"/s/{unknown}/", f"/s/{unknown}/?lang=de", f"/api/v1/survey/?token={unknown}"):
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(f"{server.url}{path}", timeout=10)  # noqa: S310
    server.stop()
    log = Path(server.log_path).read_text()
    assert token not in log
    assert unknown not in log
    assert re.search(r'"GET /s/\[token\]/ HTTP/1\.1" 200', log)
    assert re.search(r'"GET /s/\[token\]/\?lang=de HTTP/1\.1" 404', log)
    assert PendingAnswer.objects.count() == 1
