"""The outbox's own periodic task."""

from celery import shared_task

from .outbox import outbox_flush, outbox_prune


@shared_task(name="core.outbox_flush")
def outbox_flush_task() -> int:
    """Hand over background work recorded while the broker was down (beat, every minute)."""
    sent = outbox_flush()
    outbox_prune()
    return sent
