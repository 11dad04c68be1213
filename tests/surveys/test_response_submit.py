import base64
import datetime as dt
import random
import re
import uuid

import pytest

from surveys.errors import INVALID_TOKEN_MESSAGE, AnswersInvalid, InvalidToken
from surveys.models import (
    Answer,
    Invitation,
    InvitationToken,
    PendingAnswer,
    SurveyResponse,
    TenureBand,
    Wave,
    tenure_band,
)
from surveys.selectors import submission_target_by_token, token_hash
from surveys.services.campaigns import wave_close
from surveys.services.invitations import invitation_issue_token
from surveys.services.responses import response_accept

pytestmark = pytest.mark.django_db


@pytest.fixture
def accept_and_seal(close_and_seal):
    """Accept one answer, close its wave and seal it: the response it became."""

    def run(*, token: str, answers: dict, **options) -> SurveyResponse:
        wave_id = submission_target_by_token(token=token).wave_id
        response_accept(token=token, answers=answers, **options)
        close_and_seal(Wave.objects.get(pk=wave_id))
        return SurveyResponse.objects.get(wave_id=wave_id)

    return run


def test_it_stores_an_anonymous_response_once_the_wave_is_sealed(
    open_wave, token_for, accept_and_seal
):
    invitation = open_wave.invitations.get(email="staff3@acme.example")
    token = token_for(invitation)

    response = accept_and_seal(
        token=token,
        answers={"od1": 4, "od2": "2", "enps": 9, "comment": "  Good place.  "},
        on_date=dt.date(2026, 8, 14),
    )

    assert response.wave == open_wave
    assert response.submitted_on == dt.date(2026, 8, 14)
    stored = {a.question.code: (a.number, a.text) for a in response.answers.all()}
    assert stored == {
        "od1": (4, ""),
        "od2": (2, ""),
        "enps": (9, ""),
        "comment": (None, "Good place."),
    }
    invitation.refresh_from_db()
    assert invitation.answered is True


def test_the_response_keeps_only_coarsened_segment_attributes(
    open_wave, token_for, accept_and_seal
):
    invitation = open_wave.invitations.get(email="staff3@acme.example")
    employee = invitation.employee  # started 2024-01-15

    response = accept_and_seal(
        token=token_for(invitation), answers={"od1": 4}, on_date=dt.date(2026, 8, 14)
    )

    assert response.department_id == employee.department_id
    assert response.tenure_band == TenureBand.FROM_2Y
    assert (response.location, response.level) == ("Berlin", "Professional")


def test_attributes_the_campaign_does_not_keep_are_not_stored(pulse, token_for, accept_and_seal):
    from surveys.services.campaigns import campaign_update_anonymity, wave_launch

    campaign_update_anonymity(campaign=pulse, min_group_size=5, kept_attributes=["tenure_band"])
    wave = wave_launch(campaign=pulse, round_label="r1")

    response = accept_and_seal(token=token_for(wave.invitations.first()), answers={"od1": 3})

    assert response.department_id is None
    assert (response.location, response.level) == ("", "")
    assert response.tenure_band != ""


def test_response_ids_are_random_uuid4(open_wave, token_for, close_and_seal):
    for invitation in open_wave.invitations.all()[:3]:
        response_accept(token=token_for(invitation), answers={"od1": 3})
    pending = list(PendingAnswer.objects.values_list("pk", flat=True))
    close_and_seal(open_wave)

    ids = list(SurveyResponse.objects.values_list("pk", flat=True))
    assert all(isinstance(pk, uuid.UUID) and pk.version == 4 for pk in ids)
    assert len(set(ids)) == 3
    assert not set(ids) & set(pending)  # new ids: the pending ones are not kept


def test_a_token_works_once(open_wave, token_for, close_and_seal):
    invitation = open_wave.invitations.first()
    token = token_for(invitation)
    response_accept(token=token, answers={"od1": 4})

    with pytest.raises(InvalidToken):
        response_accept(token=token, answers={"od1": 1})

    assert PendingAnswer.objects.count() == 1
    close_and_seal(open_wave)
    assert SurveyResponse.objects.count() == 1
    assert Answer.objects.get().number == 4


def test_every_link_of_an_invitation_stops_working_once_one_is_used(open_wave, token_for):
    invitation = open_wave.invitations.first()
    first, reminder = token_for(invitation), token_for(invitation)
    response_accept(token=reminder, answers={"od1": 4})

    with pytest.raises(InvalidToken):
        response_accept(token=first, answers={"od1": 2})
    assert PendingAnswer.objects.count() == 1


def test_unknown_used_and_closed_tokens_get_the_same_answer(open_wave, token_for, pulse):
    used = token_for(open_wave.invitations.all()[0])
    response_accept(token=used, answers={"od1": 4})
    closing = token_for(open_wave.invitations.all()[1])
    wave_close(wave=open_wave)  # closed, not yet sealed: its tokens still exist

    messages = set()
    for token in (used, closing, "A" * 22, "", "x" * 500):
        with pytest.raises(InvalidToken) as caught:
            response_accept(token=token, answers={"od1": 4})
        messages.add(caught.value.message)

    assert messages == {str(INVALID_TOKEN_MESSAGE)}
    assert PendingAnswer.objects.count() == 1


@pytest.mark.parametrize(
    ("answers", "errors"),
    [
        ({"od1": 6}, {"od1": "must be from 1 to 5, not 6"}),
        ({"od1": 0}, {"od1": "must be from 1 to 5, not 0"}),
        ({"enps": 11}, {"enps": "must be from 0 to 10, not 11"}),
        ({"od1": 3.5}, {"od1": "must be a whole number from 1 to 5"}),
        ({"od1": True}, {"od1": "must be a whole number from 1 to 5"}),
        ({"od1": "four"}, {"od1": "must be a whole number from 1 to 5"}),
        ({"comment": 5}, {"comment": "must be text"}),
        ({"comment": "x" * 5001}, {"comment": "is longer than 5000 characters"}),
        ({"odl": 4}, {"odl": "is not a question of this survey"}),
        ({}, {"answers": "answer at least one question"}),
        ({"od1": "", "comment": "   "}, {"answers": "answer at least one question"}),
    ],
)
def test_bad_answers_are_refused_and_the_token_stays_unused(open_wave, token_for, answers, errors):
    invitation = open_wave.invitations.first()
    token = token_for(invitation)

    with pytest.raises(AnswersInvalid) as caught:
        response_accept(token=token, answers=answers)

    assert caught.value.errors == errors
    assert not PendingAnswer.objects.exists()
    invitation.refresh_from_db()
    assert invitation.answered is False
    response_accept(token=token, answers={"od1": 2})  # the token still works
    assert PendingAnswer.objects.count() == 1


def test_only_the_token_hash_is_stored(open_wave, token_for):
    invitation = open_wave.invitations.first()
    token = token_for(invitation)

    stored = InvitationToken.objects.get(invitation=invitation).token_hash
    assert stored == token_hash(token)
    assert token not in stored
    assert len(token) >= 22  # 16 random bytes, url-safe base64


def test_tokens_carry_128_random_bits(open_wave):
    # given: many tokens, issued as each invitation email gets its own
    invitations = list(open_wave.invitations.all())
    issued = 256

    # when
    tokens = [invitation_issue_token(invitation=invitations[i % 12]) for i in range(issued)]

    # then: each is exactly 16 bytes, url-safe base64 without padding, and nothing else
    values = []
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", token), token
        raw = base64.urlsafe_b64decode(token + "==")
        assert len(raw) == 16
        assert base64.urlsafe_b64encode(raw).rstrip(b"=").decode() == token
        values.append(int.from_bytes(raw, "big"))
    assert len(set(values)) == issued
    # Every one of the 128 bits is a fair coin (no counter, clock or fixed prefix): each is set
    # in 128 ± 48 of 256 tokens, six standard deviations (truly random tokens fail this check
    # about once in nine million runs).
    for bit in range(128):
        assert 80 <= sum(value >> bit & 1 for value in values) <= 176, bit
    # From the operating system's generator: seeding Python's own does not repeat a token.
    state = random.getstate()
    try:
        random.seed(11)
        first = invitation_issue_token(invitation=invitations[0])
        random.seed(11)
        assert invitation_issue_token(invitation=invitations[0]) != first
    finally:
        random.setstate(state)


@pytest.mark.parametrize(
    ("start", "on", "band"),
    [
        (dt.date(2026, 3, 1), dt.date(2026, 8, 31), TenureBand.UNDER_6M),
        (dt.date(2026, 3, 1), dt.date(2026, 9, 1), TenureBand.FROM_6M),
        (dt.date(2025, 9, 2), dt.date(2026, 9, 1), TenureBand.FROM_6M),
        (dt.date(2025, 9, 1), dt.date(2026, 9, 1), TenureBand.FROM_1Y),
        (dt.date(2021, 9, 2), dt.date(2026, 9, 1), TenureBand.FROM_2Y),
        (dt.date(2021, 9, 1), dt.date(2026, 9, 1), TenureBand.OVER_5Y),
        (None, dt.date(2026, 9, 1), ""),
    ],
)
def test_tenure_is_coarsened_into_bands(start, on, band):
    assert tenure_band(start_date=start, on_date=on) == band


def test_leadership_answers_keep_no_segment(acme, token_for, accept_and_seal):
    from surveys.models import CampaignKind, Membership, Question, Role
    from surveys.services.automation import campaign_create
    from surveys.services.campaigns import wave_launch
    from tests.factories import EmployeeFactory, UserFactory

    leader = UserFactory(username="lead", email="lead@acme.example")
    Membership.objects.create(user=leader, organization=acme, role=Role.LEADER)
    EmployeeFactory(
        organization=acme, email="lead@acme.example", department=acme.departments.first()
    )
    campaign = campaign_create(
        organization=acme,
        name="Leadership",
        kind=CampaignKind.LEADERSHIP,
        questions=list(
            Question.objects.filter(
                organization=acme,
                value__isnull=False,
                perspective__in=["leader", "leader_prediction"],
            )
        ),
    )
    wave = wave_launch(campaign=campaign, round_label="r1")

    response = accept_and_seal(
        token=token_for(wave.invitations.get()), answers={"odl": 5, "odp": 80}
    )

    assert response.department_id is None
    assert (response.tenure_band, response.location, response.level) == ("", "", "")
    assert Invitation.objects.get(wave=wave).answered
