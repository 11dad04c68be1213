import datetime as dt

import pytest

from surveys.errors import ServiceError
from surveys.models import Campaign, CampaignKind, Invitation, Question, Round, Wave
from surveys.services.automation import CampaignSchedule, campaign_create
from surveys.services.campaigns import (
    CampaignLocked,
    campaign_is_locked,
    campaign_update_anonymity,
    organization_today,
    wave_close,
    wave_launch,
)
from surveys.services.responses import response_accept
from tests.factories import EmployeeFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def questions(org, *perspectives):
    return list(Question.objects.filter(organization=org, perspective__in=perspectives))


def test_a_campaign_without_questions_is_refused(acme):
    with pytest.raises(ServiceError, match="at least one question"):
        campaign_create(organization=acme, name="Empty", kind=CampaignKind.PULSE, questions=[])
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    ("kind", "perspective"),
    [
        (CampaignKind.PULSE, "leader"),
        (CampaignKind.LEADERSHIP, "employee"),
        (CampaignKind.EXIT, "onboarding_found"),
        (CampaignKind.ENGAGEMENT, "leader_prediction"),
    ],
)
def test_questions_must_suit_the_kind_of_survey(acme, kind, perspective):
    with pytest.raises(ServiceError, match="do not belong"):
        campaign_create(
            organization=acme, name="X", kind=kind, questions=questions(acme, perspective)
        )


def test_k_cannot_go_below_the_organization(acme):
    with pytest.raises(ServiceError, match="cannot be below"):
        campaign_create(
            organization=acme,
            name="X",
            kind=CampaignKind.PULSE,
            questions=questions(acme, "employee"),
            min_group_size=4,
        )


def test_leadership_answers_keep_no_segment_attributes(acme):
    with pytest.raises(ServiceError, match="kept as a group"):
        campaign_create(
            organization=acme,
            name="L",
            kind=CampaignKind.LEADERSHIP,
            questions=questions(acme, "leader"),
            kept_attributes=["department"],
        )
    campaign = campaign_create(
        organization=acme,
        name="L",
        kind=CampaignKind.LEADERSHIP,
        questions=questions(acme, "leader", "leader_prediction"),
    )
    assert campaign.kept_attributes == []


def test_anonymity_settings_lock_when_the_first_wave_opens(pulse):
    """Not at the first response: HR would see the lock turn on as someone answered."""
    campaign_update_anonymity(campaign=pulse, min_group_size=7, kept_attributes=["department"])
    assert campaign_is_locked(campaign=pulse) is False
    wave_launch(campaign=pulse, round_label="r1")

    with pytest.raises(CampaignLocked):
        campaign_update_anonymity(campaign=pulse, min_group_size=5, kept_attributes=[])

    pulse.refresh_from_db()
    assert (pulse.min_group_size, pulse.kept_attributes) == (7, ["department"])
    assert campaign_is_locked(campaign=pulse) is True


def test_launching_a_wave_invites_the_active_roster(pulse, staff, acme):
    EmployeeFactory(organization=acme, email="gone@acme.example", leaving_date=dt.date(2020, 1, 1))
    EmployeeFactory(organization=acme, email="future@acme.example", start_date=dt.date(2099, 1, 1))

    wave = wave_launch(campaign=pulse, round_label="2026-08", opens_on=dt.date(2026, 8, 3))

    assert wave.number == 1
    assert wave.round.label == "2026-08"
    invited = set(wave.invitations.values_list("email", flat=True))
    assert invited == {e.email for e in staff}
    assert not wave.invitations.filter(answered=True).exists()


def test_waves_number_up_and_rounds_keep_their_first_order(pulse, acme):
    first = wave_launch(campaign=pulse, round_label="2026-09")
    second = wave_launch(campaign=pulse, round_label="2026-08")
    third = wave_launch(campaign=pulse, round_label="2026-10")

    assert [first.number, second.number, third.number] == [1, 2, 3]
    assert list(Round.objects.filter(organization=acme).values_list("label", "sequence")) == [
        ("2026-09", 1),
        ("2026-08", 2),
        ("2026-10", 3),
    ]


def test_a_second_wave_into_a_round_asks_only_people_not_yet_asked(pulse, acme, staff):
    first = wave_launch(campaign=pulse, round_label="2026-09")

    # Everyone was asked: a second pulse wave of the round has nobody to ask, and is refused.
    with pytest.raises(ServiceError, match="already been asked in the round 2026-09"):
        wave_launch(campaign=pulse, round_label="2026-09")
    # An engagement survey describes the same lived experience: one answer per round.
    engagement = campaign_create(
        organization=acme,
        name="Engagement",
        kind=CampaignKind.ENGAGEMENT,
        questions=questions(acme, "employee"),
    )
    with pytest.raises(ServiceError, match="already been asked"):
        wave_launch(campaign=engagement, round_label="2026-09")
    # Someone who joined since is asked in a second wave; nobody is asked twice.
    EmployeeFactory(organization=acme, email="late@acme.example", start_date=None)
    second = wave_launch(campaign=pulse, round_label="2026-09")

    assert list(second.invitations.values_list("email", flat=True)) == ["late@acme.example"]
    assert first.invitations.count() == len(staff)
    assert Wave.objects.filter(round__label="2026-09").count() == 2


def test_a_leadership_wave_invites_the_leaders(acme):
    for name in ("l1", "l2"):
        MembershipFactory(user=UserFactory(username=name), organization=acme, role="leader")
    MembershipFactory(user=UserFactory(username="hr1"), organization=acme, role="hr_admin")
    campaign = campaign_create(
        organization=acme,
        name="L",
        kind=CampaignKind.LEADERSHIP,
        questions=questions(acme, "leader", "leader_prediction"),
    )

    wave = wave_launch(campaign=campaign)

    assert set(wave.invitations.values_list("email", flat=True)) == {
        "l1@example.com",
        "l2@example.com",
    }


def test_onboarding_asks_recent_hires_once(acme):
    recent = EmployeeFactory(organization=acme, start_date=dt.date(2026, 7, 20))
    EmployeeFactory(organization=acme, start_date=dt.date(2025, 1, 1))
    campaign = campaign_create(
        organization=acme,
        name="Onboarding",
        kind=CampaignKind.ONBOARDING,
        questions=questions(acme, "onboarding_expected", "onboarding_found"),
    )

    first = wave_launch(campaign=campaign, opens_on=dt.date(2026, 8, 3))
    later = EmployeeFactory(organization=acme, start_date=dt.date(2026, 8, 20))
    second = wave_launch(campaign=campaign, opens_on=dt.date(2026, 9, 3))

    assert list(first.invitations.values_list("employee", flat=True)) == [recent.pk]
    assert list(second.invitations.values_list("employee", flat=True)) == [later.pk]


def test_a_wave_with_nobody_to_ask_is_not_launched(acme):
    campaign = campaign_create(
        organization=acme,
        name="Pulse",
        kind=CampaignKind.PULSE,
        questions=questions(acme, "employee"),
    )
    with pytest.raises(ServiceError, match="Nobody matches"):
        wave_launch(campaign=campaign)
    assert not Wave.objects.exists()


def test_closing_twice_is_harmless_and_closed_waves_refuse_answers(open_wave, token_for):
    token = token_for(open_wave.invitations.first())

    assert wave_close(wave=open_wave) is True
    assert wave_close(wave=open_wave) is False

    from surveys.errors import InvalidToken

    with pytest.raises(InvalidToken):
        response_accept(token=token, answers={"od1": 4})


def test_launch_queues_one_email_per_invitation(
    pulse, staff, django_capture_on_commit_callbacks, outbox
):
    with django_capture_on_commit_callbacks(execute=True):
        wave = wave_launch(campaign=pulse, round_label="r1")

    assert sorted(m.to[0] for m in outbox) == sorted(e.email for e in staff)
    assert Invitation.objects.filter(wave=wave, sent_at__isnull=True).count() == 0
    assert all(m.body.count("/s/") == 1 for m in outbox)


# --- campaign_create with a schedule: the one path of the wizard and the API ---------------


def employee_survey(acme, kind=CampaignKind.PULSE, **options):
    return campaign_create(
        organization=acme,
        name=kind.label,
        kind=kind,
        questions=questions(acme, "employee"),
        **options,
    )


def test_a_campaign_is_created_with_its_schedule_and_no_wave(acme, staff):
    today = organization_today(acme)

    campaign = employee_survey(
        acme,
        schedule=CampaignSchedule(
            wave_days=10, recurrence_weeks=4, reminder_days=[7, 3], first_wave_on=today
        ),
    )

    assert (campaign.wave_days, campaign.recurrence_weeks, campaign.reminder_days) == (
        10,
        4,
        [3, 7],
    )
    assert campaign.next_wave_on == today
    assert not campaign.waves.exists()


def test_launched_at_creation_a_campaign_opens_its_first_wave_today(acme, staff):
    today = organization_today(acme)

    once = employee_survey(acme, schedule=CampaignSchedule(wave_days=5), launch=True)
    recurring = employee_survey(
        acme,
        CampaignKind.ENGAGEMENT,
        schedule=CampaignSchedule(wave_days=5, recurrence_weeks=2),
        launch=True,
    )

    for campaign in (once, recurring):
        wave = campaign.waves.get()
        assert (wave.opens_on, wave.closes_on) == (today, today + dt.timedelta(days=5))
        assert wave.invitations.count() == len(staff)
    assert once.next_wave_on is None
    assert recurring.next_wave_on == today + dt.timedelta(weeks=2)


@pytest.mark.parametrize(
    ("schedule", "launch", "message"),
    [
        (CampaignSchedule(wave_days=7, reminder_days=[9]), False, "Reminders go out between"),
        (CampaignSchedule(recurrence_weeks=1, wave_days=14), False, "must close before"),
        (CampaignSchedule(onboarding_after_days=30), False, "Only onboarding surveys"),
        (CampaignSchedule(audience_department_id=2**31), False, "must belong"),
        (
            CampaignSchedule(recurrence_weeks=4, first_wave_on=dt.date(2099, 1, 1)),
            True,
            "opens its first wave today",
        ),
        (CampaignSchedule(), True, "Nobody matches"),  # no roster: nobody to invite
    ],
)
def test_a_refused_schedule_or_launch_creates_nothing(acme, schedule, launch, message):
    with pytest.raises(ServiceError, match=message):
        employee_survey(acme, schedule=schedule, launch=launch)
    assert not Campaign.objects.exists()
    assert not Wave.objects.exists()
