"""Background work survives a broker outage: it waits in the outbox, then goes out. A message
that fails for any other reason never holds up the others: it is retried a bounded number of
times, then set aside as a dead letter for the operator."""

import threading
from contextlib import contextmanager
from io import StringIO
from unittest import mock

import pytest
from celery import shared_task
from django.contrib.admin.sites import site
from django.core.management import call_command
from django.db import connections, transaction
from kombu.exceptions import OperationalError

from core.admin import OutboxMessageAdmin
from core.models import OutboxMessage
from core.outbox import (
    MAX_ATTEMPTS,
    outbox_dead_letters,
    outbox_enqueue,
    outbox_flush,
    outbox_pending,
    outbox_publish,
)
from surveys.services.campaigns import wave_launch

pytestmark = pytest.mark.django_db


def broker_down(*args, **kwargs):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_work_is_recorded_with_the_change_and_sent_after_commit(
    pulse, staff, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        wave = wave_launch(campaign=pulse, round_label="r1")

    message = OutboxMessage.objects.get()
    assert (message.task, message.args) == ("surveys.tasks.send_wave_invitations", [wave.pk])
    assert message.sent_at is not None
    assert len(outbox) == 12


def test_a_broker_outage_keeps_the_work_and_the_change(
    pulse, staff, outbox, django_capture_on_commit_callbacks
):
    from culturesurvey.celery import app

    app.conf.task_always_eager = False  # a real broker, which is down
    try:
        with (
            mock.patch("celery.app.task.Task.apply_async", side_effect=broker_down),
            django_capture_on_commit_callbacks(execute=True),
        ):
            wave = wave_launch(campaign=pulse, round_label="r1")
    finally:
        app.conf.task_always_eager = True

    assert wave.invitations.count() == 12  # the launch itself stands
    message = OutboxMessage.objects.get()
    assert message.sent_at is None
    assert message.attempts == 0  # an outage is not the message's fault: no attempt counted
    assert "Connection refused" in message.last_error
    assert outbox == []

    # The broker is back: the flush hands the work over, once.
    assert outbox_flush() == 1
    assert outbox_flush() == 0
    assert len(outbox) == 12
    assert OutboxMessage.objects.get().sent_at is not None


def test_an_unknown_task_is_kept_with_its_error():
    with mock.patch("core.outbox.transaction.on_commit", side_effect=lambda f: f()):
        outbox_enqueue("surveys.tasks.no_such_task", 1)
    message = OutboxMessage.objects.get()
    assert message.sent_at is None
    assert message.attempts == 1
    assert message.last_error == "UnknownTask: unknown task surveys.tasks.no_such_task"


@shared_task(name="tests.core.add_one")
def add_one(number: int) -> int:
    return number + 1


@contextmanager
def real_broker(handed_over: list):
    """A broker that accepts every message (recorded), with Celery's own argument check."""
    from culturesurvey.celery import app

    def accept(self, args=None, kwargs=None, **options):
        if self.typing:
            self.__header__(*(args or ()), **(kwargs or {}))  # Celery's own check
        handed_over.append((self.name, list(args or ())))

    app.conf.task_always_eager = False
    try:
        with mock.patch("celery.app.task.Task.apply_async", accept):
            yield
    finally:
        app.conf.task_always_eager = True


def queue(task: str, *args) -> OutboxMessage:
    with mock.patch("core.outbox.transaction.on_commit"):  # handed over by the flush below
        return outbox_enqueue(task, *args)


def test_a_message_whose_arguments_no_longer_fit_does_not_hold_up_the_others():
    bad = queue("tests.core.add_one", 1, 2, 3)  # the task takes one argument now
    good = [queue("tests.core.add_one", n) for n in range(3)]
    handed_over = []

    with real_broker(handed_over):
        assert outbox_flush() == 3

    assert handed_over == [("tests.core.add_one", [n]) for n in range(3)]
    assert all(m.sent_at for m in OutboxMessage.objects.filter(pk__in=[g.pk for g in good]))
    bad.refresh_from_db()
    assert (bad.sent_at, bad.failed_at, bad.attempts) == (None, None, 1)
    assert bad.last_error.startswith("TypeError")


def test_a_failing_message_is_retried_a_bounded_number_of_times_then_dead_lettered(caplog):
    bad = queue("tests.core.add_one", 1, 2, 3)
    handed_over = []

    with real_broker(handed_over):
        for _ in range(MAX_ATTEMPTS + 3):
            outbox_flush()

    bad.refresh_from_db()
    assert bad.attempts == MAX_ATTEMPTS  # not one more once set aside
    assert bad.failed_at is not None
    assert bad.sent_at is None
    assert list(outbox_dead_letters()) == [bad]
    assert not outbox_pending().exists()
    assert handed_over == []
    assert "set aside as a dead letter" in caplog.text


def test_a_broker_outage_stops_the_flush_and_counts_against_no_message():
    messages = [queue("tests.core.add_one", n) for n in range(3)]
    from culturesurvey.celery import app

    app.conf.task_always_eager = False
    try:
        with mock.patch("celery.app.task.Task.apply_async", side_effect=broker_down) as send:
            for _ in range(MAX_ATTEMPTS + 1):
                assert outbox_flush() == 0
    finally:
        app.conf.task_always_eager = True

    assert send.call_count == MAX_ATTEMPTS + 1  # one try per flush, then it stops
    assert [m.attempts for m in OutboxMessage.objects.order_by("pk")] == [0, 0, 0]
    assert set(outbox_pending()) == set(messages)  # none dead-lettered by an outage


def test_the_operator_sees_dead_letters_and_can_give_them_another_go():
    bad = queue("tests.core.add_one", 1, 2, 3)
    OutboxMessage.objects.filter(pk=bad.pk).update(attempts=MAX_ATTEMPTS - 1)
    with real_broker([]):
        outbox_flush()

    out = StringIO()
    call_command("outbox_flush", stdout=out)
    assert "1 dead letter(s)" in out.getvalue()
    assert f"#{bad.pk} tests.core.add_one[1, 2, 3] after {MAX_ATTEMPTS} attempts" in out.getvalue()
    assert "TypeError" in out.getvalue()

    model_admin = OutboxMessageAdmin(OutboxMessage, site)
    request = mock.Mock()
    model_admin.retry(request, OutboxMessage.objects.filter(pk=bad.pk))
    bad.refresh_from_db()
    assert (bad.failed_at, bad.attempts) == (None, 0)
    assert list(outbox_pending()) == [bad]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_message_another_process_is_handing_over_is_skipped_not_waited_for():
    locked, other = queue("tests.core.add_one", 1), queue("tests.core.add_one", 2)
    holding, release = threading.Event(), threading.Event()

    def hold_the_first():
        with transaction.atomic():
            OutboxMessage.objects.select_for_update().get(pk=locked.pk)
            holding.set()
            release.wait(10)
        connections.close_all()

    holder = threading.Thread(target=hold_the_first)
    holder.start()
    holding.wait(10)
    handed_over = []
    try:
        with real_broker(handed_over):
            sent = outbox_publish(ids=[locked.pk, other.pk])  # would block without skip_locked
    finally:
        release.set()
        holder.join()

    assert sent == 1
    assert handed_over == [("tests.core.add_one", [2])]
    assert OutboxMessage.objects.get(pk=locked.pk).sent_at is None


def test_beat_flushes_the_outbox_every_minute():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="culturesurvey: outbox")
    assert task.task == "core.outbox_flush"
    assert task.crontab.minute == "*"
