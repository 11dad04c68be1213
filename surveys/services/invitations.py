"""Invitations: who is asked, and the emails that carry their one-time links.

A token is made as its email is sent (`invitation_issue_token`) and only its SHA-256 is kept,
so the plain token exists nowhere but in that email.
"""

import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from core.outbox import outbox_enqueue

from ..models import (
    CampaignKind,
    Employee,
    Invitation,
    InvitationToken,
    Organization,
    Wave,
    WaveStatus,
    kinds_of_group,
)
from ..selectors import token_hash
from ..translations import language_or

TOKEN_BYTES = 16  # 128 bits


@transaction.atomic
def invitations_create(*, wave: Wave, people: Iterable[tuple[str, int | None]]) -> int:
    """Invite (email, employee id) pairs to a wave; returns how many were invited.

    A person is asked once per round and respondent group: anyone already invited to a wave
    of this round whose campaign feeds the same group (a pulse and an engagement survey both
    describe lived experience) is skipped, so no one is counted twice in a round's figures.
    The invitation emails are queued once the surrounding transaction commits.
    """
    rows = [
        Invitation(wave=wave, email=email.lower(), employee_id=employee_id)
        for email, employee_id in dict(people).items()
    ]
    # Locks the round's waves of the group: two launches into one round at once queue here.
    kinds = kinds_of_group(wave.campaign.kind)
    list(
        Wave.objects.select_for_update()
        .filter(round_id=wave.round_id, campaign__kind__in=kinds)
        .values_list("pk", flat=True)
    )
    existing = set(
        Invitation.objects.filter(
            wave__round_id=wave.round_id, wave__campaign__kind__in=kinds
        ).values_list("email", flat=True)
    )
    new = [r for r in rows if r.email not in existing]
    Invitation.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    if new:
        outbox_enqueue("surveys.tasks.send_wave_invitations", wave.pk)
    return len(new)


def employee_language(*, employee: Employee | None, organization: Organization) -> str:
    """The language a person is asked in: the roster's, else the organization's default."""
    return language_or(employee.language if employee else "", organization.language)


def invitation_issue_token(*, invitation: Invitation) -> str:
    """A fresh 128-bit token for the invitation; only its hash is stored."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    InvitationToken.objects.create(invitation=invitation, token_hash=token_hash(token))
    return token


def survey_url(token: str) -> str:
    return settings.SITE_URL + reverse("survey", kwargs={"token": token})


def invitation_send(*, invitation_id: int, reminder: bool = False) -> bool:
    """Send the invitation (or a reminder) email with a new link. Returns whether it was sent.

    At least once: the token is stored, the email sent, and only then is the invitation marked
    sent, so a worker lost mid-way sends again rather than never. A second email is harmless:
    each of an invitation's links works until the invitation is answered once.
    """
    invitation = (
        Invitation.objects.select_related("wave__campaign__organization", "employee")
        .filter(pk=invitation_id, answered=False, wave__status=WaveStatus.OPEN)
        .first()
    )
    if invitation is None or (invitation.sent_at is not None) != reminder:
        return False
    token = invitation_issue_token(invitation=invitation)
    campaign = invitation.wave.campaign
    context = {
        "invitation": invitation,
        "campaign": campaign,
        "organization": campaign.organization,
        "wave": invitation.wave,
        "url": survey_url(token),
        "privacy_url": settings.SITE_URL + reverse("privacy"),
        "reminder": reminder,
        "name": invitation.employee.name if invitation.employee else "",
        "is_leadership": campaign.kind == CampaignKind.LEADERSHIP,
        "k": campaign.min_group_size,
    }
    # In the employee's language (the roster's), else the organization's; subject too.
    language = employee_language(employee=invitation.employee, organization=campaign.organization)
    with translation.override(language):
        subject = render_to_string("emails/invitation_subject.txt", context).strip()
        body = render_to_string("emails/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])
    if reminder:
        Invitation.objects.filter(pk=invitation_id).update(reminders_sent=F("reminders_sent") + 1)
    else:
        Invitation.objects.filter(pk=invitation_id, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )
    return True


def wave_send_pending(*, wave_id: int, limit: int = 200) -> tuple[int, bool]:
    """Send up to `limit` unsent invitations of an open wave. Returns (sent, more left)."""
    ids = list(
        Invitation.objects.filter(
            wave_id=wave_id, sent_at__isnull=True, answered=False, wave__status=WaveStatus.OPEN
        )
        .order_by("pk")
        .values_list("pk", flat=True)[: limit + 1]
    )
    sent = sum(invitation_send(invitation_id=pk) for pk in ids[:limit])
    return sent, len(ids) > limit
