"""Sealing: accepted answers wait encrypted, are never lost, and become responses exactly once."""

import signal
import subprocess
import sys
import threading
import time
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test import override_settings
from kombu.exceptions import OperationalError

from core.models import OutboxMessage
from core.outbox import outbox_flush
from culturesurvey.celery import app
from surveys.errors import InvalidToken
from surveys.models import (
    Answer,
    CampaignKind,
    Invitation,
    InvitationToken,
    PendingAnswer,
    Question,
    SurveyResponse,
    Wave,
)
from surveys.services import responses, sealing
from surveys.services.automation import campaign_create
from surveys.services.campaigns import wave_close, wave_launch
from surveys.services.invitations import invitation_issue_token
from surveys.services.responses import response_accept
from surveys.services.roster import roster_upsert
from surveys.services.sealing import SealBroken, payload_open, payload_seal, wave_seal
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db


def accept_some(wave, token_for, count: int) -> list[str]:
    invitations = list(wave.invitations.order_by("pk")[:count])
    for n, invitation in enumerate(invitations):
        response_accept(token=token_for(invitation), answers={"od1": 1 + n % 5, "comment": "hi"})
    return [i.email for i in invitations]


def test_sealing_twice_stores_nothing_twice(open_wave, token_for):
    accept_some(open_wave, token_for, 7)
    wave_close(wave=open_wave, analyze=False)

    assert wave_seal(wave_id=open_wave.pk, analyze=False) == 7
    assert wave_seal(wave_id=open_wave.pk, analyze=False) == 0

    assert SurveyResponse.objects.count() == 7
    assert Answer.objects.count() == 14
    assert not PendingAnswer.objects.exists()


def test_an_open_wave_is_not_sealed(open_wave, token_for):
    accept_some(open_wave, token_for, 3)

    assert wave_seal(wave_id=open_wave.pk) == 0

    assert PendingAnswer.objects.count() == 3
    assert not SurveyResponse.objects.exists()
    assert Wave.objects.get(pk=open_wave.pk).sealed_at is None


def test_sealing_forgets_the_waves_survey_tokens_and_marks_it_sealed(open_wave, token_for):
    accept_some(open_wave, token_for, 2)
    token_for(open_wave.invitations.order_by("pk").last())  # someone who never answered
    wave_close(wave=open_wave, analyze=False)

    wave_seal(wave_id=open_wave.pk, analyze=False)

    assert not InvitationToken.objects.filter(invitation__wave=open_wave).exists()
    assert Wave.objects.get(pk=open_wave.pk).sealed_at is not None
    assert Invitation.objects.filter(wave=open_wave, answered=True).count() == 2


def test_sealing_announces_the_wave_to_the_reports_by_task_name(open_wave, token_for):
    accept_some(open_wave, token_for, 1)
    wave_close(wave=open_wave, analyze=False)
    OutboxMessage.objects.all().delete()

    wave_seal(wave_id=open_wave.pk)

    message = OutboxMessage.objects.get()
    assert (message.task, message.args) == ("analytics.tasks.wave_sealed", [open_wave.pk])


def test_batches_are_drawn_at_random_and_as_even_as_possible(open_wave, token_for, monkeypatch):
    accept_some(open_wave, token_for, 12)
    wave_close(wave=open_wave, analyze=False)
    sizes = []
    write = sealing._batch_write
    monkeypatch.setattr(
        sealing,
        "_batch_write",
        lambda *, wave, pending: sizes.append(len(pending)) or write(wave=wave, pending=pending),
    )

    assert wave_seal(wave_id=open_wave.pk, analyze=False, batch_size=5) == 12

    assert sizes == [4, 4, 4]  # not 5, 5 and a batch of 2
    assert SurveyResponse.objects.count() == 12


def test_a_key_rotated_during_a_wave_loses_nothing(open_wave, token_for):
    with override_settings(SECRET_KEY="the-key-when-they-answered-" + "x" * 30):
        accept_some(open_wave, token_for, 3)
    wave_close(wave=open_wave, analyze=False)

    with override_settings(
        SECRET_KEY="the-new-key-" + "y" * 40,
        SECRET_KEY_FALLBACKS=["the-key-when-they-answered-" + "x" * 30],
    ):
        assert wave_seal(wave_id=open_wave.pk, analyze=False) == 3


def test_a_pending_answer_opens_only_with_its_key_and_in_its_wave():
    sealed = payload_seal(payload={"answers": [[1, 4, ""]]}, wave_id=7)

    assert payload_open(sealed=sealed, wave_id=7) == {"answers": [[1, 4, ""]]}
    with pytest.raises(SealBroken):
        payload_open(sealed=sealed, wave_id=8)  # moved to another wave
    with override_settings(SECRET_KEY="another-" + "z" * 50), pytest.raises(SealBroken):
        payload_open(sealed=sealed, wave_id=7)
    assert (len(sealed) - 1 - 12 - 16) % 1024 == 0  # padded to whole kibibytes


def test_with_the_broker_down_at_close_the_seal_waits_in_the_outbox(
    open_wave, token_for, django_capture_on_commit_callbacks
):
    accept_some(open_wave, token_for, 5)
    OutboxMessage.objects.all().delete()  # the launch's emails, not under test here

    app.conf.task_always_eager = False  # a real broker, which is down
    try:
        with (
            mock.patch(
                "celery.app.task.Task.apply_async",
                side_effect=OperationalError("Error 111 connecting. Connection refused."),
            ),
            django_capture_on_commit_callbacks(execute=True),
        ):
            assert wave_close(wave=open_wave, analyze=False) is True
    finally:
        app.conf.task_always_eager = True

    waiting = OutboxMessage.objects.get(task="surveys.tasks.seal_wave")
    assert waiting.sent_at is None
    assert PendingAnswer.objects.count() == 5  # kept, sealed, in the database
    assert not SurveyResponse.objects.exists()

    # The broker is back: the flush hands the seal over, once.
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_flush() == 1
        assert outbox_flush() == 0
    assert SurveyResponse.objects.count() == 5
    assert not PendingAnswer.objects.exists()


def test_the_survey_page_and_the_api_accept_through_one_service():
    from surveys import views
    from surveys.apis import survey

    assert views.response_accept is survey.response_accept is responses.response_accept


# --- PostgreSQL, outside a test transaction: processes, threads and locks ---------------------


def wave_of(acme, people: int) -> tuple[Wave, list[str]]:
    """An open pulse for `people` employees, and one survey token each."""
    roster_upsert(
        organization=acme,
        people=[{"email": f"p{i}@acme.example", "department": "Sales"} for i in range(people)],
    )
    campaign = campaign_create(
        organization=acme,
        name="Pulse",
        kind=CampaignKind.PULSE,
        questions=list(Question.objects.filter(organization=acme, perspective="employee")),
    )
    wave = wave_launch(campaign=campaign, round_label="2026-11")
    return wave, [invitation_issue_token(invitation=i) for i in wave.invitations.order_by("pk")]


ACCEPT_AND_HANG = """
import sys, time
sys.path.insert(0, sys.argv[1])
import django
django.setup()
from surveys.services.responses import response_accept
from surveys.services.roster import roster_upsert
for token in sys.argv[2:]:
    response_accept(token=token, answers={"od1": 4, "comment": "still here"})
    print("accepted", flush=True)
time.sleep(600)
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_answers_accepted_by_a_process_that_is_then_killed_are_all_sealed_once(
    acme, worker_environment
):
    env, _log, _mail = worker_environment
    wave, tokens = wave_of(acme, 6)
    process = subprocess.Popen(
        [sys.executable, "-c", ACCEPT_AND_HANG, str(ROOT), *tokens[:5]],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(5):
            assert process.stdout.readline().strip() == "accepted"
    finally:
        process.send_signal(signal.SIGKILL)  # no chance to flush or finish anything
        process.wait(timeout=30)

    wave_close(wave=wave, analyze=False)  # outside a transaction: the seal runs now

    assert SurveyResponse.objects.filter(wave=wave).count() == 5
    assert Answer.objects.filter(response__wave=wave, text="still here").count() == 5
    assert not PendingAnswer.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_close_waits_for_an_accept_in_flight_and_a_claim_after_it_fails(acme):
    wave, tokens = wave_of(acme, 3)
    claimed, release = threading.Event(), threading.Event()

    def accept_then_hold() -> None:
        # The accept's statement has run and holds its locks; its transaction is still open.
        with transaction.atomic():
            response_accept(token=tokens[0], answers={"od1": 2})
            claimed.set()
            release.wait(10)

    outcomes: dict[str, object] = {}

    def run(name, work):
        try:
            outcomes[name] = work()
        except Exception as exc:
            outcomes[name] = exc
        finally:
            connection.close()

    accept = threading.Thread(target=run, args=("accept", accept_then_hold))
    accept.start()
    assert claimed.wait(10)  # claimed and stored, not yet committed
    close = threading.Thread(
        target=run, args=("close", lambda: wave_close(wave=wave, analyze=False))
    )
    close.start()
    time.sleep(0.5)
    assert close.is_alive()  # the close waits for the accept in flight

    release.set()
    accept.join(10)
    close.join(10)

    assert outcomes == {"accept": None, "close": True}
    with pytest.raises(InvalidToken):
        response_accept(token=tokens[1], answers={"od1": 2})
    assert SurveyResponse.objects.filter(wave=wave).count() == 1  # sealed by the close
    assert not PendingAnswer.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_accepts_racing_a_close_store_exactly_the_answers_that_were_accepted(acme):
    wave, tokens = wave_of(acme, 40)
    accepted, refused = [], []
    lock = threading.Lock()
    start = threading.Barrier(5)

    def answer(mine: list[str]) -> None:
        start.wait()
        try:
            for token in mine:
                try:
                    response_accept(token=token, answers={"od1": 3})
                except InvalidToken:
                    with lock:
                        refused.append(token)
                else:
                    with lock:
                        accepted.append(token)
        finally:
            connection.close()

    def close() -> None:
        start.wait()
        time.sleep(0.05)
        try:
            wave_close(wave=wave, analyze=False)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(tokens[n::4],)) for n in range(4)]
    threads.append(threading.Thread(target=close))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(accepted) + len(refused) == 40
    stored = SurveyResponse.objects.filter(wave=wave).count()
    assert stored == len(accepted) == Invitation.objects.filter(wave=wave, answered=True).count()
    assert not PendingAnswer.objects.exists()
    assert Wave.objects.get(pk=wave.pk).sealed_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_seals_at_once_store_each_answer_once(acme):
    wave, tokens = wave_of(acme, 20)
    for token in tokens:
        response_accept(token=token, answers={"od1": 5})
    Wave.objects.filter(pk=wave.pk).update(status="closed")  # closed, seal not yet run
    results = []
    start = threading.Barrier(2)

    def seal() -> None:
        start.wait()
        try:
            results.append(wave_seal(wave_id=wave.pk, analyze=False, batch_size=3))
        finally:
            connection.close()

    threads = [threading.Thread(target=seal) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sum(results) == 20
    assert SurveyResponse.objects.filter(wave=wave).count() == 20
    assert Answer.objects.filter(response__wave=wave).count() == 20
    assert not PendingAnswer.objects.exists()
