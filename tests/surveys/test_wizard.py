"""The campaign wizard, step by step, as an HR admin uses it."""

import pytest
from django.test import Client
from django_celery_beat.models import PeriodicTask

from surveys.models import Campaign, Question

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def good_answers() -> dict[str, dict]:
    questions = Question.objects.filter(organization__slug="acme", perspective="employee")
    return {
        "": {"name": "Pulse", "kind": "pulse"},
        "questions/": {"questions": [str(q.pk) for q in questions]},
        "schedule/": {"wave_days": "14", "reminder_days": "3"},
        "anonymity/": {"min_group_size": "6"},
    }


def walk(hr: Client, *, kind: str = "pulse", schedule: dict | None = None) -> None:
    assert hr.get("/o/acme/campaigns/new/?restart=1").status_code == 200
    response = hr.post(
        "/o/acme/campaigns/new/",
        {"name": "Autumn pulse", "kind": kind, "intro": "Tell us how it is."},
    )
    assert response["Location"] == "/o/acme/campaigns/new/questions/"
    page = hr.get("/o/acme/campaigns/new/questions/").content.decode()
    fitting = Question.objects.filter(organization__slug="acme", perspective="employee")
    for question in fitting:
        assert f'value="{question.pk}" checked' in page
    assert "How strongly does the company live this value?" not in page  # a leader item
    response = hr.post(
        "/o/acme/campaigns/new/questions/", {"questions": [str(q.pk) for q in fitting]}
    )
    assert response["Location"] == "/o/acme/campaigns/new/schedule/"
    response = hr.post(
        "/o/acme/campaigns/new/schedule/",
        schedule or {"wave_days": "10", "recurrence_weeks": "4", "reminder_days": "3, 7"},
    )
    assert response["Location"] == "/o/acme/campaigns/new/anonymity/"
    response = hr.post(
        "/o/acme/campaigns/new/anonymity/",
        {"min_group_size": "6", "kept_attributes": ["department", "tenure_band"]},
    )
    assert response["Location"] == "/o/acme/campaigns/new/preview/"


def test_building_and_launching_a_recurring_pulse(hr, staff, outbox):
    walk(hr)

    preview = hr.get("/o/acme/campaigns/new/preview/").content.decode()
    assert "What employees will see" in preview
    assert "I can raise a concern with my manager without worrying about it." in preview
    assert "disabled>" in preview  # the preview cannot be submitted
    assert "every 4 weeks" in preview
    assert "fewer than 6 people" in preview

    response = hr.post("/o/acme/campaigns/new/create/", {"launch": "1"})

    campaign = Campaign.objects.get(name="Autumn pulse")
    assert response["Location"] == f"/o/acme/campaigns/{campaign.pk}/"
    assert (campaign.kind, campaign.min_group_size, campaign.kept_attributes) == (
        "pulse",
        6,
        ["department", "tenure_band"],
    )
    assert (campaign.wave_days, campaign.recurrence_weeks, campaign.reminder_days) == (
        10,
        4,
        [3, 7],
    )
    wave = campaign.waves.get()
    assert wave.invitations.count() == len(staff)
    assert (wave.closes_on - wave.opens_on).days == 10
    task = PeriodicTask.objects.get(name__contains=f"campaign {campaign.pk}")
    assert task.interval.every == 28
    # The wizard forgets its answers once the campaign exists.
    assert hr.get("/o/acme/campaigns/new/preview/")["Location"] == "/o/acme/campaigns/new/"


def test_creating_without_launching(hr, staff):
    walk(hr, schedule={"wave_days": "14", "reminder_days": ""})
    hr.post("/o/acme/campaigns/new/create/", {"launch": "0"})
    campaign = Campaign.objects.get(name="Autumn pulse")
    assert not campaign.waves.exists()
    assert not PeriodicTask.objects.filter(name__contains=f"campaign {campaign.pk}").exists()


@pytest.mark.parametrize(
    ("step", "data", "message"),
    [
        ("", {"name": "", "kind": "pulse"}, "Give the campaign a name."),
        ("", {"name": "X", "kind": "quiz"}, "Choose a kind of survey."),
        ("questions/", {}, "Choose at least one question."),
        (
            "schedule/",
            {"wave_days": "7", "reminder_days": "3, 9"},
            "Reminders must go out while the wave is open.",
        ),
        ("schedule/", {"wave_days": "0"}, "Enter a number from 1 to 90."),
        ("anonymity/", {"min_group_size": "2"}, "Enter a number from 5 to 1000."),
    ],
)
def test_each_step_explains_bad_input_next_to_its_field_and_stays(hr, step, data, message):
    steps = ["", "questions/", "schedule/", "anonymity/"]
    good = good_answers()
    for earlier in steps[: steps.index(step)]:
        assert hr.post(f"/o/acme/campaigns/new/{earlier}", good[earlier]).status_code == 302
    before = dict(hr.session["campaign-wizard:acme"]) if step else None

    response = hr.post(f"/o/acme/campaigns/new/{step}", data)

    assert response.status_code == 400
    body = response.content.decode()
    field = next(iter(response.context["form"].errors))
    assert f'<p class="error" id="{field}-error">{message}</p>' in body
    assert hr.session.get("campaign-wizard:acme") == before  # the bad answer is not kept
    assert not Campaign.objects.exists()


def test_going_back_shows_the_answers_given(hr, staff):
    walk(hr, schedule={"wave_days": "10", "recurrence_weeks": "4", "reminder_days": ""})

    basics = hr.get("/o/acme/campaigns/new/").content.decode()
    schedule = hr.get("/o/acme/campaigns/new/schedule/").content.decode()
    anonymity = hr.get("/o/acme/campaigns/new/anonymity/").content.decode()

    assert 'value="Autumn pulse"' in basics
    assert "Tell us how it is.</textarea>" in basics
    assert 'id="wave_days" name="wave_days" min="1" max="90" value="10"' in schedule
    assert 'value="4"' in schedule
    assert 'id="reminder_days" name="reminder_days" value=""' in schedule  # none, not 3 and 7
    assert 'name="min_group_size" min="5" value="6"' in anonymity
    assert 'value="department" checked' in anonymity
    assert 'value="location" >' in anonymity


def test_the_same_kind_again_keeps_the_later_answers_and_a_new_kind_asks_them_again(hr, staff):
    walk(hr)

    hr.post("/o/acme/campaigns/new/", {"name": "Renamed", "kind": "pulse"})
    assert hr.get("/o/acme/campaigns/new/preview/").status_code == 200

    hr.post("/o/acme/campaigns/new/", {"name": "Renamed", "kind": "exit"})
    assert hr.get("/o/acme/campaigns/new/preview/")["Location"] == (
        "/o/acme/campaigns/new/questions/"
    )


def test_steps_are_taken_in_order(hr):
    hr.post("/o/acme/campaigns/new/", good_answers()[""])
    response = hr.post("/o/acme/campaigns/new/anonymity/", {"min_group_size": "6"})
    assert response["Location"] == "/o/acme/campaigns/new/questions/"
    assert hr.post("/o/acme/campaigns/new/create/", {"launch": "1"})["Location"] == (
        "/o/acme/campaigns/new/"
    )
    assert not Campaign.objects.exists()


def test_a_refused_launch_stays_on_the_preview_and_creates_nothing(hr):
    walk(hr)  # nobody is on the roster: nobody to invite

    response = hr.post("/o/acme/campaigns/new/create/", {"launch": "1"})

    assert response.status_code == 400
    assert "Nobody matches this survey" in response.content.decode()
    assert not Campaign.objects.exists()
    assert hr.get("/o/acme/campaigns/new/preview/").status_code == 200  # answers kept


def test_the_preview_asks_whether_to_launch(hr, staff):
    walk(hr)
    response = hr.post("/o/acme/campaigns/new/create/", {"launch": "maybe"})
    assert response.status_code == 400
    assert not Campaign.objects.exists()


def test_leaders_and_other_organizations_cannot_use_the_wizard(leo, charlie):
    for user, status in ((leo, 403), (charlie, 404)):
        client = Client()
        client.force_login(user)
        assert client.get("/o/acme/campaigns/new/").status_code == status
        assert client.post("/o/acme/campaigns/new/create/", {"launch": "1"}).status_code == status
