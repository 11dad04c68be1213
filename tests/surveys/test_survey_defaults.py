"""What a survey asks by default, and how the survey page treats a mostly empty submission."""

import pytest
from django.test import Client

from surveys.errors import ServiceError
from surveys.models import (
    Campaign,
    CampaignKind,
    Invitation,
    PendingAnswer,
    Question,
    QuestionType,
    Wave,
)
from surveys.selectors import questions_fitting_kind
from surveys.services.automation import campaign_create, campaign_schedule_set
from surveys.services.campaigns import (
    PULSE_MAX_ITEMS,
    campaign_questions,
    rotation_question_ids,
    wave_close,
    wave_launch,
)
from surveys.services.question_bank import question_bank_adopt

pytestmark = pytest.mark.django_db

SIX_VALUES = [
    "open_communication",
    "customer_focus",
    "learning_from_mistakes",
    "recognition",
    "empowerment",
    "work_life_balance",
]
LEAVING = "What is the main reason you are leaving?"


@pytest.fixture
def bank(acme):
    """Acme (one value, eNPS, a comment) with six values of the question bank and its general
    questions: 29 items a pulse may ask, like the 27 of the organization in the report."""
    question_bank_adopt(organization=acme, value_codes=SIX_VALUES)
    return acme


@pytest.fixture
def hr(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


# --- What a pulse asks --------------------------------------------------------------------------


def test_a_pulse_never_offers_exit_or_onboarding_items(bank):
    pulse = questions_fitting_kind(organization=bank, kind=CampaignKind.PULSE)
    exit_survey = questions_fitting_kind(organization=bank, kind=CampaignKind.EXIT)

    assert {q.perspective for q in pulse} == {"employee"}
    assert LEAVING not in {q.text for q in pulse}
    assert {"exit_reason", "exit_return"} <= {q.code for q in exit_survey}


def test_the_service_refuses_exit_items_in_a_pulse(bank):
    leaving = Question.objects.filter(organization=bank, code__in=["exit_reason", "odx"])

    for question in leaving:
        with pytest.raises(ServiceError, match="do not belong in a pulse survey"):
            campaign_create(
                organization=bank, name="Pulse", kind=CampaignKind.PULSE, questions=[question]
            )
    assert not Campaign.objects.exists()


def test_the_wizard_does_not_list_exit_items_for_a_pulse(hr, bank):
    hr.post("/o/acme/campaigns/new/", {"name": "Pulse", "kind": "pulse"})

    page = hr.get("/o/acme/campaigns/new/questions/").content.decode()

    assert LEAVING not in page
    assert "I would consider coming back to work here." not in page


def test_comments_come_last_in_every_survey(bank):
    comment = Question.objects.get(organization=bank, code="comment")
    rated = list(Question.objects.filter(organization=bank, perspective="employee")[:3])

    campaign = campaign_create(
        organization=bank, name="P", kind=CampaignKind.PULSE, questions=[comment, *rated]
    )

    assert campaign_questions(campaign=campaign)[-1] == comment
    for kind in (CampaignKind.PULSE, CampaignKind.EXIT, CampaignKind.ONBOARDING):
        fitting = questions_fitting_kind(organization=bank, kind=kind)
        texts = [q.type == QuestionType.TEXT for q in fitting]
        assert texts[-1], kind
        assert not any(texts[: texts.index(True)]), kind
        assert fitting[0].value_id is not None  # value items first


def walk_default_pulse(hr) -> None:
    """The wizard with every default taken: all questions that fit, the schedule as offered."""
    hr.get("/o/acme/campaigns/new/?restart=1")
    hr.post("/o/acme/campaigns/new/", {"name": "Pulse", "kind": "pulse"})
    questions = hr.get("/o/acme/campaigns/new/questions/").context["form"].fitting
    hr.post("/o/acme/campaigns/new/questions/", {"questions": [str(q.pk) for q in questions]})
    schedule = hr.get("/o/acme/campaigns/new/schedule/")
    form = schedule.context["form"]
    offered = {name: form[name].value() for name in ("wave_days", "rotation_values")}
    hr.post(
        "/o/acme/campaigns/new/schedule/",
        {k: v for k, v in offered.items() if v is not None} | {"reminder_days": "3"},
    )
    hr.post("/o/acme/campaigns/new/anonymity/", {"min_group_size": "5"})


def test_the_default_pulse_asks_at_most_12_items_and_rotates_through_every_value(hr, bank, staff):
    walk_default_pulse(hr)
    preview = hr.get("/o/acme/campaigns/new/preview/").content.decode()
    hr.post("/o/acme/campaigns/new/create/", {"launch": "1"})

    pulse = Campaign.objects.get(name="Pulse")
    asked = campaign_questions(campaign=pulse)
    # Acme's value of two items, six of four, eNPS, intent to stay, the comment.
    assert len(asked) == 29
    assert "each wave asks at most 11" in preview
    first = Wave.objects.get(campaign=pulse)
    assert len(campaign_questions(campaign=pulse, wave=first)) <= PULSE_MAX_ITEMS
    covered = set()
    for number in range(1, 5):  # seven values, two a wave: all of them in four waves
        ids = rotation_question_ids(campaign=pulse, wave_number=number)
        assert len(ids) <= PULSE_MAX_ITEMS
        chosen = [q for q in asked if q.pk in ids]
        # A value comes with all its items, so its score (two thirds answered) is valid.
        for value_id in {q.value_id for q in chosen if q.value_id}:
            assert {q.pk for q in asked if q.value_id == value_id} <= set(ids)
        assert chosen[-1].type == QuestionType.TEXT
        covered |= {q.value_id for q in chosen if q.value_id}
    assert covered == {q.value_id for q in asked if q.value_id}


def test_waves_launched_by_hand_rotate_too(bank, staff):
    questions = questions_fitting_kind(organization=bank, kind=CampaignKind.PULSE)
    pulse = campaign_create(
        organization=bank, name="P", kind=CampaignKind.PULSE, questions=questions
    )
    pulse = campaign_schedule_set(
        campaign=pulse,
        recurrence_weeks=None,
        first_wave_on=None,
        wave_days=14,
        rotation_values=2,
        reminder_days=[],
        onboarding_after_days=None,
        audience_department_id=None,
    )

    first = wave_launch(campaign=pulse, round_label="2026-08")
    wave_close(wave=first, analyze=False)
    second = wave_launch(campaign=pulse, round_label="2026-09")

    assert first.asked == rotation_question_ids(campaign=pulse, wave_number=1)
    assert second.asked == rotation_question_ids(campaign=pulse, wave_number=2)
    assert not set(first.asked) & set(second.asked) - {
        q.pk for q in questions if q.value_id is None
    }


def test_the_leadership_survey_keeps_every_leader_item(bank):
    items = questions_fitting_kind(organization=bank, kind=CampaignKind.LEADERSHIP)
    leadership = campaign_create(
        organization=bank, name="L", kind=CampaignKind.LEADERSHIP, questions=items
    )

    with pytest.raises(ServiceError, match="Only pulse and engagement surveys rotate"):
        campaign_schedule_set(
            campaign=leadership,
            recurrence_weeks=None,
            first_wave_on=None,
            wave_days=14,
            rotation_values=2,
            reminder_days=[],
            onboarding_after_days=None,
            audience_department_id=None,
        )
    assert campaign_questions(campaign=leadership) == items
    assert len(items) == 14  # a rating and a prediction for each of the seven values


# --- A mostly empty submission, without JavaScript ----------------------------------------------


def test_a_mostly_empty_survey_asks_before_it_uses_the_link(open_wave, token_for):
    invitation = open_wave.invitations.first()
    token = token_for(invitation)
    client = Client()

    asked = client.post(f"/s/{token}/", {"od1": "4"})

    page = asked.content.decode()
    assert asked.status_code == 200
    assert "You answered 1 of 4 questions; send anyway?" in page
    assert 'name="od1" value="4" checked' in page  # the answer is kept
    assert 'name="confirm_partial" value="1"' in page
    assert not Invitation.objects.get(pk=invitation.pk).answered
    assert not PendingAnswer.objects.exists()

    sent = client.post(f"/s/{token}/", {"od1": "4", "confirm_partial": "1"})

    assert sent.status_code == 302
    assert Invitation.objects.get(pk=invitation.pk).answered
    assert PendingAnswer.objects.count() == 1


def test_half_the_questions_answered_go_straight_through(open_wave, token_for):
    token = token_for(open_wave.invitations.first())

    response = Client().post(f"/s/{token}/", {"od1": "4", "enps": "9"})

    assert response.status_code == 302
    assert PendingAnswer.objects.count() == 1


def test_invalid_answers_are_shown_before_the_question_of_how_many(open_wave, token_for):
    token = token_for(open_wave.invitations.first())

    response = Client().post(f"/s/{token}/", {"od1": "9"})

    assert response.status_code == 400
    assert 'id="partial-summary"' not in response.content.decode()


def test_the_counter_and_the_time_estimate_are_honest(open_wave, token_for):
    token = token_for(open_wave.invitations.first())

    page = Client().get(f"/s/{token}/").content.decode()

    # No count before anything is answered: a CSS counter counts the checked answers.
    assert "Answered 4 questions" not in page
    assert '<span class="css-count"></span> / 4' in page
    assert 'value="0"' in page
    # Three scale items and a comment: about two minutes, said once.
    assert page.count("minute") == 1
    assert "about 2 minutes." in page


def test_the_demo_intro_names_no_duration():
    from culturesurvey import demo

    with open(demo.__file__) as file:
        source = file.read()
    assert "Ten minutes" not in source
