"""Scheduled tasks: thin wrappers over surveys.services.automation, which keeps them idempotent.

Beat runs `daily_automation` and `send_due_reminders` from the schedules made by migration 0003,
and `launch_recurring_wave` from the one schedule `campaign_schedule_set` keeps per campaign. The
names are fixed because those schedules store them.
"""

import logging

from celery import shared_task
from django.db import OperationalError

from .errors import ServiceError
from .services.automation import (
    onboarding_invitations_due,
    recurring_wave_launch,
    reminders_due_send,
    waves_close_due,
)
from .services.retention import leavers_purge_all

__all__ = ["daily_automation", "launch_recurring_wave", "send_due_reminders"]

logger = logging.getLogger(__name__)

# A database or broker gone for a moment; the services are safe to run again from the start.
RETRY_OPTIONS = {
    "autoretry_for": (OperationalError, ConnectionError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
}


@shared_task(name="surveys.launch_recurring_wave", **RETRY_OPTIONS)
def launch_recurring_wave(campaign_id: int) -> int | None:
    """Open a recurring campaign's next wave; returns its id, or None when this period's wave
    is already open (a retry, a second beat) or the campaign stopped recurring."""
    try:
        wave = recurring_wave_launch(campaign_id=campaign_id)
    except ServiceError as error:
        # Bad data (nobody left in the audience) is not fixed by retrying; the next period tries
        # again, and the previous wave closes on its date meanwhile.
        logger.warning("Recurring wave of campaign %s not launched: %s", campaign_id, error)
        return None
    return wave.pk if wave else None


@shared_task(name="surveys.daily_automation", **RETRY_OPTIONS)
def daily_automation() -> dict[str, int]:
    """Close the waves past their closing date, then invite the new hires now due.

    Closing first, so an onboarding wave past its date is closed before its successor opens.
    Then leavers past their organization's retention period are forgotten."""
    return {
        "closed": waves_close_due(),
        "onboarding_invited": onboarding_invitations_due(),
        "leavers_forgotten": leavers_purge_all(),
    }


@shared_task(name="surveys.send_due_reminders", **RETRY_OPTIONS)
def send_due_reminders() -> int:
    """Queue today's reminders; running twice on a day queues each reminder once."""
    return reminders_due_send()
