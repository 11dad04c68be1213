"""Invitation emails sent by a real Celery worker through Redis."""

import re
import time

import pytest

from surveys.models import Invitation, PendingAnswer
from surveys.services.campaigns import wave_launch
from surveys.services.responses import response_accept

LINK = re.compile(r"/s/([A-Za-z0-9_\-]+)/")


def wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting for the worker")


@pytest.mark.worker
@pytest.mark.postgres
def test_a_launched_wave_is_emailed_by_the_worker(celery_worker, pulse, staff):
    wave = wave_launch(campaign=pulse, round_label="2026-08")

    wait_for(lambda: not Invitation.objects.filter(wave=wave, sent_at__isnull=True).exists())

    emails = "".join(celery_worker.emails())
    recipients = sorted(re.findall(r"^To: (.+)$", emails, re.M))
    assert recipients == sorted(e.email for e in staff)
    tokens = LINK.findall(emails)
    assert len(set(tokens)) == 12
    token = tokens[0]
    response_accept(token=token, answers={"od1": 4})
    assert PendingAnswer.objects.count() == 1
    assert token not in celery_worker.log_path.read_text()
