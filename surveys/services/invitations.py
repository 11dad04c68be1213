"""Invitations: who is asked, and the emails that carry their one-time links.

A token is made as its email is sent (`invitation_issue_token`) and only its SHA-256 is kept,
so the plain token exists nowhere but in that email.
"""

import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ..models import (
    Campaign,
    CampaignKind,
    Employee,
    Invitation,
    InvitationToken,
    Organization,
    Wave,
    WaveStatus,
)
from ..selectors import chunks, token_hash

TOKEN_BYTES = 16  # 128 bits


def invitations_create(*, wave: Wave, people: Iterable[tuple[str, int | None]]) -> int:
    """Invite (email, employee id) pairs to a wave; people already invited are skipped.

    The invitation emails are queued once the surrounding transaction commits.
    """
    rows = [
        Invitation(wave=wave, email=email.lower(), employee_id=employee_id)
        for email, employee_id in dict(people).items()
    ]
    existing = {
        email
        for emails in chunks([r.email for r in rows])
        for email in Invitation.objects.filter(wave=wave, email__in=emails).values_list(
            "email", flat=True
        )
    }
    new = [r for r in rows if r.email not in existing]
    Invitation.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    if new:
        from ..outbox import outbox_enqueue

        outbox_enqueue("surveys.tasks.send_wave_invitations", wave.pk)
    return len(new)


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


def exit_invitations_create(*, organization: Organization, employee_ids: list[int]) -> int:
    """Invite leavers to the organization's open exit survey. When the organization has an
    exit campaign but no wave of it is open, one is opened for them."""
    from .campaigns import organization_today, wave_open_empty

    wave = (
        Wave.objects.filter(
            campaign__organization=organization,
            campaign__kind=CampaignKind.EXIT,
            campaign__imported=False,
            status=WaveStatus.OPEN,
        )
        .order_by("-opens_on", "-pk")
        .first()
    )
    if wave is None:
        campaign = (
            Campaign.objects.filter(
                organization=organization, kind=CampaignKind.EXIT, imported=False
            )
            .order_by("-created_at")
            .first()
        )
        if campaign is None:
            return 0
        wave = wave_open_empty(campaign=campaign, opens_on=organization_today(organization))
    people = Employee.objects.filter(organization=organization, pk__in=employee_ids).values_list(
        "email", "pk"
    )
    return invitations_create(wave=wave, people=people)


def wave_send_reminders(*, wave: Wave) -> int:
    """Queue a reminder (with a fresh link) for everyone invited to an open wave who has not
    answered yet. Returns how many were queued."""
    if wave.status != WaveStatus.OPEN:
        return 0
    from ..outbox import outbox_enqueue

    ids = list(
        Invitation.objects.filter(wave=wave, answered=False, sent_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        outbox_enqueue("surveys.tasks.send_invitation", pk, True)
    return len(ids)
