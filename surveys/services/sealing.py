"""Accepted answers wait sealed until their wave closes, then become responses in random order.

Why: whatever a database writes in the transaction that claims a token sits beside the claim
for good: an auto-increment id, a row's physical position, PostgreSQL's `xmin`. So an accepted
answer is stored as a `PendingAnswer` (random id, no time, the payload padded and encrypted
under a key derived from SECRET_KEY), and written as a `SurveyResponse` only once the wave is
closed, by `wave_seal`, in shuffled batches of its own transactions. Sealing then rewrites the
wave's invitation rows in random order, so their system columns and positions no longer follow
the order of the claims, and forgets the wave's survey tokens.
"""

import datetime as dt
import functools
import json
import os
import secrets
from collections.abc import Iterable
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.outbox import outbox_enqueue

from ..models import (
    Answer,
    Invitation,
    InvitationToken,
    PendingAnswer,
    SurveyResponse,
    Wave,
    WaveStatus,
)

# The plaintext is padded to a multiple of this, so a long comment does not stand out by the
# size of its ciphertext.
PAD_TO = 1024
FORMAT = b"\x01"  # version byte, then a 12-byte nonce, then the ciphertext and its 16-byte tag
NONCE_BYTES = 12
# Each batch is one transaction: its responses share that transaction's id and nothing else.
SEAL_BATCH = 5000
# The shuffles that order the responses and the rewrite of the invitations (tests replace it).
shuffler: Any = secrets.SystemRandom()


class SealBroken(Exception):
    """A pending answer that no configured key opens (SECRET_KEY changed without keeping the old
    one in SECRET_KEY_FALLBACKS), or that was tampered with."""


@functools.lru_cache(maxsize=8)
def _key(secret: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"culturesurvey pending answers",
        info=b"v1",
    ).derive(secret.encode())


def _context(wave_id: int) -> bytes:
    # Bound to its wave: a row moved to another wave no longer opens.
    return f"wave:{wave_id}".encode()


def payload_seal(*, payload: dict[str, Any], wave_id: int) -> bytes:
    plain = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    plain += b" " * (-len(plain) % PAD_TO)  # JSON ignores trailing spaces
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(settings.SECRET_KEY)).encrypt(nonce, plain, _context(wave_id))
    return FORMAT + nonce + sealed


def payload_open(*, sealed: bytes, wave_id: int) -> dict[str, Any]:
    """The payload of a pending answer; tries SECRET_KEY, then each of SECRET_KEY_FALLBACKS, so
    a key rotated during an open wave loses nothing."""
    sealed = bytes(sealed)
    if not sealed.startswith(FORMAT):
        raise SealBroken("unknown format")
    nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        try:
            plain = AESGCM(_key(secret)).decrypt(nonce, body, _context(wave_id))
        except InvalidTag:
            continue
        return json.loads(plain)
    raise SealBroken(
        "A pending answer opens with none of the configured keys: put the SECRET_KEY it was "
        "accepted under into SECRET_KEY_FALLBACKS and seal again."
    )


def pending_answer_seal(
    *,
    wave_id: int,
    on_date: dt.date,
    segment: dict[str, Any],
    answers: Iterable[tuple[int, int | None, str]],
) -> bytes:
    """An accepted answer as a pending answer stores it: the day (never the time), the
    coarsened segment and the answers, padded and encrypted; nothing of the invitation."""
    payload = {
        "day": on_date.isoformat(),
        "segment": segment,
        "answers": [[question_id, number, text] for question_id, number, text in answers],
    }
    return payload_seal(payload=payload, wave_id=wave_id)


def _wave_locked(wave_id: int) -> Wave | None:
    """The wave, locked: a second seal waits here, and so does any accept still in flight
    (it holds a share lock on the wave row until it commits, see responses.response_accept)."""
    return Wave.objects.select_for_update().filter(pk=wave_id).first()


def _batch_write(*, wave: Wave, pending: list[PendingAnswer]) -> int:
    opened = [payload_open(sealed=row.sealed, wave_id=wave.pk) for row in pending]
    shuffler.shuffle(opened)
    responses, answers = [], []
    for payload in opened:
        segment = payload["segment"]
        response = SurveyResponse(
            wave_id=wave.pk,
            submitted_on=dt.date.fromisoformat(payload["day"]),
            department_id=segment["department"],
            tenure_band=segment["tenure_band"],
            location=segment["location"],
            level=segment["level"],
            language=segment.get("language", ""),  # absent from answers sealed before
        )
        responses.append(response)
        answers.extend(
            Answer(response=response, question_id=question_id, number=number, text=text)
            for question_id, number, text in payload["answers"]
        )
    SurveyResponse.objects.bulk_create(responses, batch_size=1000)
    Answer.objects.bulk_create(answers, batch_size=5000)
    PendingAnswer.objects.filter(pk__in=[row.pk for row in pending]).delete()
    return len(responses)


def _invitations_rewrite(*, wave_id: int) -> None:
    """Write every invitation row of the wave anew, in random order, in this one transaction.

    On PostgreSQL a claim leaves the row's new version with the claim's transaction id (`xmin`,
    the same as the pending answer's) at the next free place in the table, in the order people
    answered. Rewritten, all of them carry this transaction's id and sit in a random order.
    SQLite updates rows in place and keeps no such column, so there is nothing to rewrite.
    """
    if connection.vendor != "postgresql":
        return
    ids = sorted(Invitation.objects.filter(wave_id=wave_id).values_list("pk", flat=True))
    shuffler.shuffle(ids)
    quote = connection.ops.quote_name
    table = quote(Invitation._meta.db_table)
    answered = quote(Invitation._meta.get_field("answered").column)
    key = quote(Invitation._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {answered} = {answered} WHERE {key} = %s",  # noqa: S608
            [(pk,) for pk in ids],
        )


def wave_seal(*, wave_id: int, analyze: bool = True, batch_size: int = SEAL_BATCH) -> int:
    """Write a closed wave's pending answers as responses; returns how many it wrote.

    Batches are drawn at random and written in shuffled order, each in its own transaction,
    and are as even as possible (never smaller than needed: 5,003 pending answers make two
    batches of about 2,500, not one of 5,000 and one of 3). Then, in one more transaction, the
    invitation rows are rewritten in random order, the wave's survey tokens are deleted, the
    wave is marked sealed and, with `analyze`, its sealing is announced to whoever reports on
    it (the task `analytics.tasks.wave_sealed`, by name: surveys does not import analytics).

    Idempotent and safe to run concurrently: every step locks the wave row first, a pending
    answer is deleted in the transaction that writes it, and a sealed wave is left alone.
    """
    stored = 0
    while True:
        with transaction.atomic():
            wave = _wave_locked(wave_id)
            if wave is None or wave.status != WaveStatus.CLOSED or wave.sealed_at is not None:
                return stored
            remaining = PendingAnswer.objects.filter(wave_id=wave_id).count()
            if not remaining:
                break
            batches = -(-remaining // batch_size)
            size = -(-remaining // batches)
            pending = list(PendingAnswer.objects.filter(wave_id=wave_id).order_by("?")[:size])
            stored += _batch_write(wave=wave, pending=pending)
    with transaction.atomic():
        wave = _wave_locked(wave_id)
        if wave is None or wave.sealed_at is not None:
            return stored
        _invitations_rewrite(wave_id=wave_id)
        InvitationToken.objects.filter(invitation__wave_id=wave_id).delete()
        Wave.objects.filter(pk=wave_id).update(sealed_at=timezone.now())
        if analyze:
            outbox_enqueue("analytics.tasks.wave_sealed", wave_id)
    return stored
