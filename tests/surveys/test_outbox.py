"""Background work survives a broker outage: it waits in the outbox, then goes out."""

from unittest import mock

import pytest
from kombu.exceptions import OperationalError

from surveys.models import OutboxMessage
from surveys.outbox import outbox_enqueue, outbox_flush
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
    assert message.attempts == 1
    assert "Connection refused" in message.last_error
    assert outbox == []

    # The broker is back: the flush hands the work over, once.
    assert outbox_flush() == 1
    assert outbox_flush() == 0
    assert len(outbox) == 12
    assert OutboxMessage.objects.get().sent_at is not None


def test_an_unknown_task_is_kept_with_its_error():
    with mock.patch("surveys.outbox.transaction.on_commit", side_effect=lambda f: f()):
        outbox_enqueue("surveys.tasks.no_such_task", 1)
    message = OutboxMessage.objects.get()
    assert message.sent_at is None
    assert message.last_error == "unknown task surveys.tasks.no_such_task"


def test_beat_flushes_the_outbox_every_minute():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="culturesurvey: outbox")
    assert task.task == "surveys.outbox_flush"
    assert task.crontab.minute == "*"
