"""A transactional outbox: background work is recorded in the database, in the same
transaction as the change that calls for it, and handed to the broker after commit.

If the broker (Redis) is down at that moment, nothing is lost and the request still succeeds:
the message stays pending and `outbox_flush` (run by beat every minute, or
`manage.py outbox_flush`) hands it over once the broker is back. Delivery is at least once;
every task is idempotent, so a message handed over twice does no harm.

Only a broker outage stops a flush. A message that fails for any other reason (its task is
gone, its arguments no longer fit) is marked and retried on later flushes, at most
`MAX_ATTEMPTS` times, then set aside as a dead letter for the operator (the admin's outbox
list, `manage.py outbox_flush`), so one bad message never holds up the ones behind it.
"""

import contextlib
import importlib
import logging
from collections.abc import Iterable

from celery import current_app
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from .models import OutboxMessage

logger = logging.getLogger(__name__)
FLUSH_BATCH = 500
MAX_ATTEMPTS = 5
# What a broker that cannot be reached raises: kombu wraps the transport's connection errors in
# its OperationalError; a socket error that slips past it is an OSError (ConnectionError too).
BROKER_DOWN = (BrokerError, OSError)


class UnknownTask(LookupError):
    pass


def _task(name: str):
    """The registered task; its module is imported first if this process has not yet."""
    if name not in current_app.tasks:
        with contextlib.suppress(ImportError):
            importlib.import_module(name.rsplit(".", 1)[0])
    if name not in current_app.tasks:
        raise UnknownTask(f"unknown task {name}")
    return current_app.tasks[name]


def outbox_enqueue(task: str, *args: object) -> OutboxMessage:
    """Record a task to run once the surrounding transaction commits."""
    message = OutboxMessage.objects.create(task=task, args=list(args))
    transaction.on_commit(lambda: outbox_publish(ids=[message.pk]))
    return message


def outbox_pending() -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(sent_at__isnull=True, failed_at__isnull=True)


def outbox_dead_letters() -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(sent_at__isnull=True, failed_at__isnull=False)


def _failed(message: OutboxMessage, error: Exception) -> None:
    """One more failed attempt, for a reason a working broker does not cure."""
    attempts = message.attempts + 1
    dead = attempts >= MAX_ATTEMPTS
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=attempts,
        last_error=f"{type(error).__name__}: {error}"[:500],
        failed_at=timezone.now() if dead else None,
    )
    log = logger.error if dead else logger.warning
    log(
        "Outbox message %s (%s) failed, attempt %d of %d%s: %s",
        message.pk,
        message.task,
        attempts,
        MAX_ATTEMPTS,
        "; set aside as a dead letter" if dead else "",
        error,
    )


def _publish_eager(ids: list[int]) -> int:
    """Tasks run in-process (the embedded default): each message is claimed, then run. A task
    that raises is a bug to see, not an outage: the message is marked and the error raised."""
    sent = 0
    for message in outbox_pending().filter(pk__in=ids).order_by("pk"):
        claimed = outbox_pending().filter(pk=message.pk).update(sent_at=timezone.now())
        if claimed != 1:  # another thread ran it
            continue
        try:
            _task(message.task).apply_async(args=message.args, retry=False)
        except Exception as exc:
            OutboxMessage.objects.filter(pk=message.pk).update(sent_at=None)
            _failed(message, exc)
            if not isinstance(exc, UnknownTask):
                raise
            continue
        sent += 1
    return sent


def outbox_publish(*, ids: Iterable[int]) -> int:
    """Hand pending messages to the broker (or run them, when tasks run in-process).

    Returns how many went out. A broker outage leaves the rest pending, logged, for the next
    flush; never raises for one: the change that queued the work is committed. Messages another
    process is handing over right now are skipped, not waited for (`skip_locked`).
    """
    ids = list(ids)
    if current_app.conf.task_always_eager:
        return _publish_eager(ids)
    sent = 0
    with transaction.atomic():
        batch = list(
            outbox_pending().select_for_update(skip_locked=True).filter(pk__in=ids).order_by("pk")
        )
        for message in batch:
            try:
                _task(message.task).apply_async(args=message.args, retry=False)
            except BROKER_DOWN as exc:
                OutboxMessage.objects.filter(pk=message.pk).update(
                    last_error=f"broker unavailable: {exc}"[:500]
                )
                logger.warning("Broker unavailable; %s kept in the outbox (%s)", message.task, exc)
                break  # the rest would fail the same way
            except Exception as exc:
                _failed(message, exc)
                continue
            OutboxMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now())
            sent += 1
    return sent


def outbox_flush(*, limit: int = FLUSH_BATCH) -> int:
    """Hand over messages still pending (their broker was down, or they failed and have
    attempts left). Returns how many went out."""
    pending = list(outbox_pending().order_by("pk").values_list("pk", flat=True)[:limit])
    return outbox_publish(ids=pending) if pending else 0


def outbox_retry(*, ids: Iterable[int]) -> int:
    """Give dead letters another round of attempts (once their cause is fixed)."""
    return outbox_dead_letters().filter(pk__in=list(ids)).update(failed_at=None, attempts=0)


def outbox_prune(*, days: int = 7) -> int:
    """Forget messages handed over more than `days` ago. Dead letters stay for the operator."""
    cutoff = timezone.now() - timezone.timedelta(days=days)
    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=cutoff).delete()
    return deleted
