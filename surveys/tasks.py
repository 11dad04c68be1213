"""Background work. Tasks take ids, call a service, and are safe to run twice."""

import smtplib
import time

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .services.automation import wave_reminders_send
from .services.invitations import invitation_send, wave_send_pending
from .services.people import access_granted_send, access_invite_send
from .services.sealing import wave_seal

RETRYABLE = (OSError, smtplib.SMTPException)
# One run sends for at most this long, then hands the rest to a fresh task, so a wave of
# 50,000 invitations never holds one worker past its time limit.
SEND_BUDGET_SECONDS = 60


@shared_task(autoretry_for=RETRYABLE, retry_backoff=True, retry_backoff_max=600, max_retries=10)
def send_wave_invitations(wave_id: int) -> int:
    """Email a wave's unsent invitations in bounded batches; re-enqueues itself while any are
    left. Idempotent: only invitations without `sent_at` are picked."""
    started, total, more = time.monotonic(), 0, True
    while more and time.monotonic() - started < SEND_BUDGET_SECONDS:
        sent, more = wave_send_pending(wave_id=wave_id)
        total += sent
    if more:
        send_wave_invitations.delay(wave_id)
    return total


@shared_task(autoretry_for=RETRYABLE, retry_backoff=True, retry_backoff_max=600, max_retries=10)
def send_wave_reminders(wave_id: int, day: str | None = None, after: int = 0) -> int:
    """Email a wave's reminders (those due on `day`, or everyone who has not answered) in
    bounded batches, in id order; re-enqueues itself from where it stopped while any are left."""
    started, total, cursor = time.monotonic(), 0, after
    while time.monotonic() - started < SEND_BUDGET_SECONDS:
        sent, cursor = wave_reminders_send(wave_id=wave_id, day=day, after=cursor)
        total += sent
        if cursor is None:
            return total
    send_wave_reminders.delay(wave_id, day, cursor)
    return total


@shared_task(autoretry_for=RETRYABLE, retry_backoff=True, retry_backoff_max=600, max_retries=10)
def send_invitation(invitation_id: int, reminder: bool = False) -> bool:
    return invitation_send(invitation_id=invitation_id, reminder=reminder)


@shared_task(autoretry_for=RETRYABLE, retry_backoff=True, retry_backoff_max=600, max_retries=10)
def send_access_invite(invite_id: int) -> bool:
    """Email an HR admin's or leader's invitation link; a pending invitation only."""
    return access_invite_send(invite_id=invite_id)


@shared_task(autoretry_for=RETRYABLE, retry_backoff=True, retry_backoff_max=600, max_retries=10)
def send_access_granted(membership_id: int) -> bool:
    """Tell someone with an account that they were given access to an organization."""
    return access_granted_send(membership_id=membership_id)


@shared_task(
    autoretry_for=(OperationalError, InterfaceError, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
    acks_late=True,
    reject_on_worker_lost=True,
)
def seal_wave(wave_id: int, analyze: bool = True) -> int:
    """Write a closed wave's pending answers as responses, in random order. Safe to run twice
    or at once in two workers: wave_seal locks the wave and leaves a sealed wave alone."""
    return wave_seal(wave_id=wave_id, analyze=analyze)


# Registered here so the worker's autodiscovery (which imports `tasks` modules) finds them.
from .automation_tasks import (  # noqa: E402
    daily_automation,
    launch_recurring_wave,
    send_due_reminders,
)

__all__ = [
    "daily_automation",
    "launch_recurring_wave",
    "seal_wave",
    "send_access_granted",
    "send_access_invite",
    "send_due_reminders",
    "send_invitation",
    "send_wave_invitations",
    "send_wave_reminders",
]
