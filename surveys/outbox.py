"""A transactional outbox: background work is recorded in the database, in the same
transaction as the change that calls for it, and handed to the broker after commit.

If the broker (Redis) is down at that moment, nothing is lost and the request still succeeds:
the message stays pending and `outbox_flush` (run by beat every minute, or
`manage.py outbox_flush`) hands it over once the broker is back. Delivery is at least once;
every task is idempotent, so a message handed over twice does no harm.
"""

import importlib
import logging
from collections.abc import Iterable

from celery import current_app
from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)
FLUSH_BATCH = 500


def _task(name: str):
    """The registered task; its module is imported first if this process has not yet."""
    if name not in current_app.tasks:
        module = name.rsplit(".", 1)[0]
        try:
            importlib.import_module(module)
        except ImportError:
            return None
    return current_app.tasks.get(name)


def outbox_enqueue(task: str, *args: object) -> OutboxMessage:
    """Record a task to run once the surrounding transaction commits."""
    message = OutboxMessage.objects.create(task=task, args=list(args))
    transaction.on_commit(lambda: outbox_publish(ids=[message.pk]))
    return message


def outbox_publish(*, ids: Iterable[int]) -> int:
    """Hand pending messages to the broker (or run them, when tasks run in-process).

    Returns how many went out; a broker error leaves the rest pending, logged, for the next
    flush. Never raises for a broker error: the change that queued the work is committed.
    """
    sent = 0
    for message in OutboxMessage.objects.filter(pk__in=list(ids), sent_at__isnull=True):
        task = _task(message.task)
        if task is None:
            OutboxMessage.objects.filter(pk=message.pk).update(
                last_error=f"unknown task {message.task}", attempts=message.attempts + 1
            )
            continue
        try:
            task.apply_async(args=message.args, retry=False)
        except Exception as exc:
            if task.app.conf.task_always_eager:
                raise  # in-process, a failing task is a bug to see, not a broker outage
            OutboxMessage.objects.filter(pk=message.pk).update(
                attempts=message.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:500]
            )
            logger.warning("Broker unavailable; %s kept in the outbox (%s)", message.task, exc)
            break  # the broker is down: the rest would fail the same way
        OutboxMessage.objects.filter(pk=message.pk, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )
        sent += 1
    return sent


def outbox_flush(*, limit: int = FLUSH_BATCH) -> int:
    """Hand over messages still pending (their broker was down). Returns how many went out."""
    pending = list(
        OutboxMessage.objects.filter(sent_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return outbox_publish(ids=pending) if pending else 0


def outbox_prune(*, days: int = 7) -> int:
    """Forget messages handed over more than `days` ago."""
    cutoff = timezone.now() - timezone.timedelta(days=days)
    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=cutoff).delete()
    return deleted
