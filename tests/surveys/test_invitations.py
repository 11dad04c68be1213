import re

import pytest

from surveys.models import Invitation, InvitationToken, SurveyResponse
from surveys.services.invitations import invitation_send, invitations_create
from surveys.services.responses import response_accept
from surveys.tasks import send_wave_invitations

pytestmark = pytest.mark.django_db
LINK = re.compile(r"http://[^\s]+/s/([A-Za-z0-9_\-]+)/")


def test_the_invitation_email_carries_a_working_one_time_link(open_wave, outbox):
    send_wave_invitations(open_wave.pk)

    message = next(m for m in outbox if m.to == ["staff1@acme.example"])
    token = LINK.search(message.body).group(1)
    assert message.subject == "Acme: Pulse"
    assert "anonymous" in message.body
    assert "/privacy/" in message.body
    response_accept(token=token, answers={"od1": 5})
    assert Invitation.objects.get(wave=open_wave, email="staff1@acme.example").answered


def test_sending_twice_sends_once(open_wave, outbox):
    first = send_wave_invitations(open_wave.pk)
    second = send_wave_invitations(open_wave.pk)

    assert (first, second) == (12, 0)
    assert len(outbox) == 12
    assert InvitationToken.objects.count() == 12


def test_a_reminder_brings_a_new_link_and_the_old_one_still_works(open_wave, outbox):
    invitation = open_wave.invitations.get(email="staff2@acme.example")
    invitation_send(invitation_id=invitation.pk)
    invitation_send(invitation_id=invitation.pk, reminder=True)

    first, reminder = (LINK.search(m.body).group(1) for m in outbox)
    assert first != reminder
    assert outbox[1].subject.startswith("Reminder:")
    response_accept(token=first, answers={"od1": 2})
    invitation.refresh_from_db()
    assert (invitation.answered, invitation.reminders_sent) == (True, 1)
    assert invitation_send(invitation_id=invitation.pk, reminder=True) is False
    assert len(outbox) == 2


def test_no_emails_for_a_closed_wave(open_wave, outbox):
    from surveys.services.campaigns import wave_close

    wave_close(wave=open_wave)
    assert send_wave_invitations(open_wave.pk) == 0
    assert outbox == []


def test_inviting_someone_twice_to_a_wave_is_ignored(open_wave):
    created = invitations_create(
        wave=open_wave, people=[("STAFF1@acme.example", None), ("new@acme.example", None)]
    )
    assert created == 1
    assert open_wave.invitations.count() == 13


def test_sending_stores_no_plain_token(open_wave, outbox):
    send_wave_invitations(open_wave.pk)
    tokens = {LINK.search(m.body).group(1) for m in outbox}
    stored = set(InvitationToken.objects.values_list("token_hash", flat=True))
    assert len(tokens) == 12
    assert not tokens & stored
    assert SurveyResponse.objects.count() == 0
