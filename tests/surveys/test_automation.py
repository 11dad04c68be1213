import datetime as dt
import importlib
import json
from types import SimpleNamespace
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from analytics.models import AnalysisJob
from core.models import OutboxMessage
from culturesurvey.celery import app
from surveys.automation_tasks import daily_automation, launch_recurring_wave, send_due_reminders
from surveys.errors import ServiceError
from surveys.models import Campaign, CampaignKind, Invitation, Question, Wave, WaveStatus
from surveys.services.automation import (
    campaign_create,
    campaign_schedule_clear,
    campaign_schedule_set,
    onboarding_invitations_due,
    recurring_task_name,
    recurring_wave_launch,
    reminders_due_send,
    wave_reminders_send,
    waves_close_due,
)
from surveys.services.campaigns import organization_today, wave_close, wave_launch
from surveys.services.invitations import invitations_create
from surveys.services.responses import response_accept
from surveys.tasks import send_wave_reminders
from tests.factories import CompanyValueFactory, EmployeeFactory, QuestionFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 8, 3)
SCHEDULE_NAMES = ["culturesurvey: daily automation", "culturesurvey: reminders"]


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def schedule(campaign, **changes):
    """campaign_schedule_set with everything off unless given."""
    arguments = {
        "recurrence_weeks": None,
        "first_wave_on": None,
        "wave_days": 14,
        "rotation_values": None,
        "reminder_days": [],
        "onboarding_after_days": None,
        "audience_department_id": None,
    } | changes
    return campaign_schedule_set(campaign=campaign, **arguments)


def question_ids(org, *codes):
    by_code = dict(Question.objects.filter(organization=org).values_list("code", "pk"))
    return [by_code[code] for code in codes]


@pytest.fixture
def onboarding(acme):
    campaign = campaign_create(
        organization=acme,
        name="Onboarding",
        kind=CampaignKind.ONBOARDING,
        questions=list(
            Question.objects.filter(
                organization=acme, perspective__in=["onboarding_expected", "onboarding_found"]
            )
        ),
    )
    return schedule(campaign, wave_days=30, onboarding_after_days=30)


@pytest.fixture
def rotating(acme, staff):
    """A fortnightly pulse over three values (open door, customers, learning), two per wave."""
    customers = CompanyValueFactory(organization=acme, code="customers", position=2)
    learning = CompanyValueFactory(organization=acme, code="learning", position=3)
    QuestionFactory(organization=acme, code="cu1", value=customers)
    QuestionFactory(organization=acme, code="cu2", value=customers, reverse=True)
    QuestionFactory(organization=acme, code="le1", value=learning)
    codes = ["od1", "od2", "cu1", "cu2", "le1", "enps", "comment"]
    campaign = campaign_create(
        organization=acme,
        name="Rotating pulse",
        kind=CampaignKind.PULSE,
        questions=[Question.objects.get(organization=acme, code=code) for code in codes],
    )
    return schedule(campaign, recurrence_weeks=2, wave_days=10, rotation_values=2)


@pytest.fixture
def remind(django_capture_on_commit_callbacks):
    """Run the reminders for a day with the queued emails really sent, as after commit."""

    def run(day: dt.date) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return reminders_due_send(today=day)

    return run


def reminding_wave(campaign, reminder_days):
    """A 10-day wave opening on MONDAY whose invitations went out that morning."""
    schedule(campaign, wave_days=10, reminder_days=reminder_days)
    wave = wave_launch(
        campaign=campaign, round_label="2026-08", opens_on=MONDAY, closes_on=MONDAY + days(10)
    )
    wave.invitations.update(sent_at=dt.datetime.combine(MONDAY, dt.time(9), tzinfo=dt.UTC))
    return wave


# --- Schedule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"wave_days": 0}, "between 1 and 90 days"),
        ({"wave_days": 91}, "between 1 and 90 days"),
        ({"recurrence_weeks": 53}, "every 1 to 52 weeks"),
        ({"recurrence_weeks": 1, "wave_days": 8}, "must close before the next one opens"),
        ({"recurrence_weeks": 2, "first_wave_on": dt.date(2020, 1, 6)}, "cannot open in the past"),
        ({"first_wave_on": dt.date(2099, 1, 5)}, "needs a recurrence"),
        ({"recurrence_weeks": 2, "rotation_values": 2}, "between 1 and 1 of the values"),
        ({"rotation_values": 0}, "between 1 and 1 of the values"),
        ({"reminder_days": [0]}, "between day 1 and day 13"),
        ({"reminder_days": [3, 14]}, r"between day 1 and day 13 of a 14-day wave \(not 14\)"),
        ({"reminder_days": [3, 3]}, "given once"),
        ({"reminder_days": [1, 2, 3, 4, 5, 6]}, "At most 5"),
        ({"reminder_days": [2.5]}, "whole numbers"),
        ({"onboarding_after_days": 30}, "Only onboarding surveys"),
    ],
)
def test_a_bad_schedule_is_refused_and_changes_nothing(pulse, changes, message):
    with pytest.raises(ServiceError, match=message):
        schedule(pulse, **changes)

    pulse.refresh_from_db()
    assert (pulse.recurrence_weeks, pulse.wave_days, pulse.reminder_days) == (None, 14, [])
    assert not PeriodicTask.objects.filter(name=recurring_task_name(pulse.pk)).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"recurrence_weeks": 4}, "Only pulse and engagement surveys recur"),
        ({"rotation_values": 1}, "Only pulse and engagement surveys rotate"),
        ({"onboarding_after_days": 0}, "between 1 and 365 days"),
        ({"onboarding_after_days": 366}, "between 1 and 365 days"),
    ],
)
def test_onboarding_schedules_are_checked(onboarding, changes, message):
    with pytest.raises(ServiceError, match=message):
        schedule(onboarding, **changes)

    onboarding.refresh_from_db()
    assert (onboarding.recurrence_weeks, onboarding.onboarding_after_days) == (None, 30)


def test_it_rejects_a_department_of_another_organization(pulse, globex):
    other = globex.departments.create(name="Globex HQ")

    with pytest.raises(ServiceError, match="must belong to this organization"):
        schedule(pulse, audience_department_id=other.pk)

    pulse.refresh_from_db()
    assert pulse.audience_department_id is None


def test_reminder_days_are_kept_in_order(pulse, acme):
    engineering = acme.departments.get(name="Engineering")

    campaign = schedule(pulse, reminder_days=[7, 3], audience_department_id=engineering.pk)

    campaign.refresh_from_db()
    assert campaign.reminder_days == [3, 7]
    assert campaign.audience_department == engineering


def test_a_recurring_schedule_keeps_one_beat_task_per_campaign(pulse, acme):
    acme.timezone = "Europe/Berlin"
    acme.save()
    first = organization_today(acme) + days(3)

    schedule(pulse, recurrence_weeks=2, first_wave_on=first, reminder_days=[3])

    task = PeriodicTask.objects.get(name=f"culturesurvey: campaign {pulse.pk} recurring waves")
    assert task.task == "surveys.launch_recurring_wave"
    assert json.loads(task.args) == [pulse.pk]
    assert (task.interval.every, task.interval.period) == (14, IntervalSchedule.DAYS)
    assert task.crontab is None
    assert task.start_time == dt.datetime.combine(first, dt.time(8), ZoneInfo("Europe/Berlin"))
    assert task.enabled
    assert task.last_run_at is None
    pulse.refresh_from_db()
    assert pulse.next_wave_on == first

    # Changing the interval updates the same task and keeps the planned first wave.
    schedule(pulse, recurrence_weeks=4)

    task = PeriodicTask.objects.get(task="surveys.launch_recurring_wave")
    assert task.interval.every == 28
    assert task.start_time == dt.datetime.combine(first, dt.time(8), ZoneInfo("Europe/Berlin"))

    schedule(pulse, recurrence_weeks=None)

    assert not PeriodicTask.objects.filter(task="surveys.launch_recurring_wave").exists()
    pulse.refresh_from_db()
    assert (pulse.recurrence_weeks, pulse.next_wave_on) == (None, None)


def test_clearing_a_schedule_stops_everything_it_did(pulse, acme):
    schedule(pulse, recurrence_weeks=2, wave_days=10, reminder_days=[3, 7])

    campaign_schedule_clear(campaign=pulse)

    pulse.refresh_from_db()
    assert (pulse.recurrence_weeks, pulse.reminder_days, pulse.next_wave_on) == (None, [], None)
    assert pulse.wave_days == 10
    assert not PeriodicTask.objects.filter(name=recurring_task_name(pulse.pk)).exists()


# --- Recurring waves --------------------------------------------------------------------------


def test_recurring_waves_rotate_the_values_and_close_the_previous_wave(rotating, acme, staff):
    first = recurring_wave_launch(campaign_id=rotating.pk, today=MONDAY)
    second = recurring_wave_launch(campaign_id=rotating.pk, today=MONDAY + days(14))
    third = recurring_wave_launch(campaign_id=rotating.pk, today=MONDAY + days(28))

    # Values in campaign order: open door (od), customers (cu), learning (le); two per wave,
    # every item of a chosen value, and eNPS and the comment every time.
    assert first.asked == question_ids(acme, "od1", "od2", "cu1", "cu2", "enps", "comment")
    assert second.asked == question_ids(acme, "od1", "od2", "le1", "enps", "comment")
    assert third.asked == question_ids(acme, "cu1", "cu2", "le1", "enps", "comment")
    statuses = dict(Wave.objects.filter(campaign=rotating).values_list("number", "status"))
    assert statuses == {1: WaveStatus.CLOSED, 2: WaveStatus.CLOSED, 3: WaveStatus.OPEN}
    assert (third.opens_on, third.closes_on) == (dt.date(2026, 8, 31), dt.date(2026, 9, 10))
    # Everyone is asked each time, so each wave is a round of its own: the month's, then the
    # day's (a person answers once per round).
    assert [w.round.label for w in (first, second, third)] == [
        "2026-08",
        "2026-08-17",
        "2026-08-31",
    ]
    assert third.invitations.count() == len(staff)
    rotating.refresh_from_db()
    assert rotating.next_wave_on == dt.date(2026, 9, 14)


def test_without_rotation_every_question_is_asked(pulse):
    schedule(pulse, recurrence_weeks=1, wave_days=5)

    wave = recurring_wave_launch(campaign_id=pulse.pk, today=MONDAY)

    assert wave.asked == []
    assert (wave.opens_on, wave.closes_on) == (MONDAY, MONDAY + days(5))


def test_a_recurring_launch_happens_once_per_period(rotating):
    first = recurring_wave_launch(campaign_id=rotating.pk, today=MONDAY)

    assert recurring_wave_launch(campaign_id=rotating.pk, today=MONDAY) is None
    assert recurring_wave_launch(campaign_id=rotating.pk, today=MONDAY + days(12)) is None
    assert Wave.objects.filter(campaign=rotating).count() == 1
    first.refresh_from_db()
    assert first.is_open

    # A day of slack, for a beat that fires a little early.
    later = recurring_wave_launch(campaign_id=rotating.pk, today=MONDAY + days(13))
    assert later.number == 2


def test_the_recurring_task_run_twice_launches_one_wave(rotating):
    first = launch_recurring_wave(rotating.pk)
    second = launch_recurring_wave(rotating.pk)

    assert second is None
    assert list(Wave.objects.filter(campaign=rotating).values_list("pk", flat=True)) == [first]


def test_the_recurring_task_of_a_deleted_campaign_removes_its_schedule(rotating):
    name = recurring_task_name(rotating.pk)
    assert PeriodicTask.objects.filter(name=name).exists()
    Campaign.objects.filter(pk=rotating.pk).delete()

    assert launch_recurring_wave(rotating.pk) is None
    assert not PeriodicTask.objects.filter(name=name).exists()


# --- Reminders --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reminder_days", "expected"),
    [
        # Thursday; Saturday moves to Monday.
        ([3, 5], {3: 12, 7: 12}),
        # Sunday moves to Monday.
        ([6], {7: 12}),
        # Saturday and Sunday both land on Monday: one reminder, not two.
        ([5, 6], {7: 12}),
        # Friday, then the Tuesday after.
        ([4, 8], {4: 12, 8: 12}),
    ],
)
def test_reminders_go_out_on_weekdays_only(pulse, outbox, remind, reminder_days, expected):
    wave = reminding_wave(pulse, reminder_days)

    queued = {offset: remind(MONDAY + days(offset)) for offset in range(11)}

    assert queued == {offset: expected.get(offset, 0) for offset in range(11)}
    assert queued[5] == queued[6] == 0  # never on a Saturday or Sunday
    assert len(outbox) == sum(expected.values())
    assert all(m.subject.startswith("Reminder:") for m in outbox)
    assert set(wave.invitations.values_list("reminders_sent", flat=True)) == {len(expected)}


def test_a_reminder_goes_out_once_a_day_and_only_to_those_who_have_not_answered(
    pulse, outbox, remind, token_for
):
    wave = reminding_wave(pulse, [3, 5])
    answered = wave.invitations.get(email="staff0@acme.example")
    response_accept(token=token_for(answered), answers={"od1": 4})
    # An invitation whose email has not gone out yet is not reminded either.
    wave.invitations.filter(email="staff1@acme.example").update(sent_at=None)
    thursday = MONDAY + days(3)

    assert remind(thursday) == 10
    assert remind(thursday) == 0

    recipients = [m.to[0] for m in outbox]
    assert len(recipients) == 10
    assert "staff0@acme.example" not in recipients
    assert "staff1@acme.example" not in recipients
    assert all(m.subject == "Reminder: Acme: Pulse" for m in outbox)
    assert wave.invitations.get(email="staff0@acme.example").reminders_sent == 0


def test_someone_invited_late_gets_the_reminders_since_and_once(pulse, outbox, remind):
    wave = reminding_wave(pulse, [3, 5])
    invitations_create(wave=wave, people=[("late@acme.example", None)])
    late = wave.invitations.get(email="late@acme.example")
    friday = dt.datetime.combine(MONDAY + days(4), dt.time(10), tzinfo=dt.UTC)
    Invitation.objects.filter(pk=late.pk).update(sent_at=friday)

    assert remind(MONDAY + days(3)) == 12  # not yet invited on Thursday
    assert remind(MONDAY + days(7)) == 13
    assert remind(MONDAY + days(7)) == 0

    late.refresh_from_db()
    assert late.reminders_sent == 1
    assert [m.to for m in outbox].count(["late@acme.example"]) == 1


def test_a_closed_wave_gets_no_reminders(pulse, outbox, remind):
    wave = reminding_wave(pulse, [3])
    wave_close(wave=wave)

    assert remind(MONDAY + days(3)) == 0
    assert outbox == []


def test_the_reminder_task_sends_todays_reminders_once(
    pulse, acme, outbox, django_capture_on_commit_callbacks
):
    today = organization_today(acme)
    schedule(pulse, wave_days=10, reminder_days=[3])
    wave = wave_launch(campaign=pulse, round_label="now", opens_on=today - days(3))
    wave.invitations.update(sent_at=dt.datetime.combine(today - days(3), dt.time(9), tzinfo=dt.UTC))
    # Runs on the real date: a reminder day falling on a weekend waits for Monday.
    expected = 12 if today.weekday() < 5 else 0

    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders() == expected
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders() == 0
    assert len(outbox) == expected


def test_a_reminder_day_queues_one_batched_task_per_wave(
    pulse, outbox, django_capture_on_commit_callbacks
):
    wave = reminding_wave(pulse, [3])
    thursday = MONDAY + days(3)

    with django_capture_on_commit_callbacks() as queued:
        assert reminders_due_send(today=thursday) == 12

    assert len(queued) == 1  # one message and one callback for the wave, not one per person
    message = OutboxMessage.objects.get(task="surveys.tasks.send_wave_reminders")
    assert message.args == [wave.pk, thursday.isoformat()]


def test_the_reminder_task_works_in_batches_and_resumes_after_the_last_one_sent(
    pulse, outbox, monkeypatch
):
    wave = reminding_wave(pulse, [3])
    thursday = (MONDAY + days(3)).isoformat()
    ids = list(wave.invitations.order_by("pk").values_list("pk", flat=True))

    sent, after = wave_reminders_send(wave_id=wave.pk, day=thursday, limit=5)
    assert (sent, after) == (5, ids[4])
    sent, after = wave_reminders_send(wave_id=wave.pk, day=thursday, after=after, limit=5)
    assert (sent, after) == (5, ids[9])
    sent, after = wave_reminders_send(wave_id=wave.pk, day=thursday, after=after, limit=5)
    assert (sent, after) == (2, None)
    # Run again (a retry, a second beat): everyone had today's reminder.
    assert wave_reminders_send(wave_id=wave.pk, day=thursday) == (0, None)
    assert sorted(m.to[0] for m in outbox) == sorted(
        wave.invitations.values_list("email", flat=True)
    )

    # A task out of time hands the rest to a fresh one, from where it stopped.
    outbox.clear()
    Invitation.objects.filter(wave=wave).update(reminders_sent=0)
    monkeypatch.setattr("surveys.tasks.SEND_BUDGET_SECONDS", 0)
    with mock.patch("surveys.tasks.send_wave_reminders.delay") as next_task:
        assert send_wave_reminders(wave.pk, thursday) == 0
    next_task.assert_called_once_with(wave.pk, thursday, 0)


# --- Onboarding -------------------------------------------------------------------------------


def test_new_hires_are_invited_once_n_days_after_they_start(onboarding, acme):
    today = dt.date(2026, 9, 15)
    EmployeeFactory(organization=acme, email="due@acme.example", start_date=today - days(30))
    EmployeeFactory(organization=acme, email="soon@acme.example", start_date=today - days(29))
    EmployeeFactory(organization=acme, email="long@acme.example", start_date=today - days(121))
    EmployeeFactory(
        organization=acme,
        email="leaving@acme.example",
        start_date=today - days(40),
        leaving_date=today + days(20),
    )

    assert onboarding_invitations_due(today=today) == 1
    assert onboarding_invitations_due(today=today) == 0
    assert onboarding_invitations_due(today=today + days(1)) == 1

    wave = Wave.objects.get(campaign=onboarding)
    assert (wave.opens_on, wave.closes_on, wave.round.label, wave.status) == (
        today,
        today + days(30),
        "2026-09",
        WaveStatus.OPEN,
    )
    assert list(wave.invitations.values_list("email", flat=True)) == [
        "due@acme.example",
        "soon@acme.example",
    ]


def test_onboarding_opens_a_new_wave_once_the_last_has_closed(onboarding, acme):
    start = dt.date(2026, 8, 1)
    EmployeeFactory(organization=acme, email="first@acme.example", start_date=start)
    EmployeeFactory(organization=acme, email="second@acme.example", start_date=start + days(45))
    onboarding_invitations_due(today=start + days(30))
    waves_close_due(today=start + days(61))

    assert onboarding_invitations_due(today=start + days(75)) == 1

    waves = list(Wave.objects.filter(campaign=onboarding).order_by("number"))
    assert [(w.number, w.status) for w in waves] == [(1, "closed"), (2, "open")]
    assert list(waves[1].invitations.values_list("email", flat=True)) == ["second@acme.example"]


def test_onboarding_invites_only_its_audience(onboarding, acme):
    today = dt.date(2026, 9, 15)
    engineering = acme.departments.get(name="Engineering")
    schedule(
        onboarding, wave_days=30, onboarding_after_days=30, audience_department_id=engineering.pk
    )
    for email, department in [("eng@", "Engineering"), ("plat@", "Platform"), ("sales@", "Sales")]:
        EmployeeFactory(
            organization=acme,
            email=email + "acme.example",
            department=acme.departments.get(name=department),
            start_date=today - days(30),
        )

    assert onboarding_invitations_due(today=today) == 2
    assert set(Invitation.objects.values_list("email", flat=True)) == {
        "eng@acme.example",
        "plat@acme.example",
    }


# --- Closing ----------------------------------------------------------------------------------


def test_open_waves_close_the_day_after_their_closing_date(
    pulse, token_for, django_capture_on_commit_callbacks
):
    wave = wave_launch(
        campaign=pulse, round_label="2026-08", opens_on=MONDAY, closes_on=MONDAY + days(10)
    )
    endless = wave_launch(campaign=pulse, round_label="2026-09", opens_on=MONDAY)
    response_accept(token=token_for(wave.invitations.first()), answers={"od1": 4})

    assert waves_close_due(today=MONDAY + days(10)) == 0
    with django_capture_on_commit_callbacks(execute=True):  # the seal, then the analysis
        assert waves_close_due(today=MONDAY + days(11)) == 1
    assert waves_close_due(today=MONDAY + days(11)) == 0

    wave.refresh_from_db()
    endless.refresh_from_db()
    assert (wave.status, endless.status) == (WaveStatus.CLOSED, WaveStatus.OPEN)
    assert wave.sealed_at is not None
    assert AnalysisJob.objects.filter(round=wave.round).count() == 1


def test_the_daily_task_closes_due_waves_and_invites_due_hires(pulse, onboarding, acme):
    today = organization_today(acme)
    overdue = wave_launch(
        campaign=pulse, round_label="now", opens_on=today - days(15), closes_on=today - days(1)
    )
    EmployeeFactory(organization=acme, email="new@acme.example", start_date=today - days(30))

    assert daily_automation() == {"closed": 1, "onboarding_invited": 1, "leavers_forgotten": 0}
    assert daily_automation() == {"closed": 0, "onboarding_invited": 0, "leavers_forgotten": 0}

    overdue.refresh_from_db()
    assert overdue.status == WaveStatus.CLOSED
    assert Invitation.objects.filter(wave__campaign=onboarding).count() == 1


# --- The global schedules ---------------------------------------------------------------------


def test_the_migration_schedules_the_daily_automation_and_reminders():
    daily = PeriodicTask.objects.get(name="culturesurvey: daily automation")
    reminders = PeriodicTask.objects.get(name="culturesurvey: reminders")

    assert daily.task == "surveys.daily_automation"
    assert (daily.crontab.minute, daily.crontab.hour, daily.crontab.day_of_week) == ("0", "6", "*")
    assert reminders.task == "surveys.send_due_reminders"
    assert (
        reminders.crontab.minute,
        reminders.crontab.hour,
        reminders.crontab.day_of_week,
    ) == ("0", "9", "*")
    assert str(daily.crontab.timezone) == str(reminders.crontab.timezone) == settings.TIME_ZONE
    assert daily.enabled
    assert reminders.enabled
    # Beat sends these names; a worker must know them.
    assert {daily.task, reminders.task, "surveys.launch_recurring_wave"} <= set(app.tasks)


def test_the_schedule_migration_runs_again_harmlessly_and_reverses_cleanly():
    migration = importlib.import_module("surveys.migrations.0003_periodic_tasks")
    editor = SimpleNamespace(connection=connection)
    daily = PeriodicTask.objects.get(name="culturesurvey: daily automation")
    # An operator's own task on the same 06:00 crontab must survive the reverse.
    PeriodicTask.objects.create(name="operator's job", task="x.y", crontab=daily.crontab)

    migration.create_schedules(django_apps, editor)
    assert PeriodicTask.objects.filter(name__in=SCHEDULE_NAMES).count() == 2

    migration.delete_schedules(django_apps, editor)
    assert not PeriodicTask.objects.filter(name__in=SCHEDULE_NAMES).exists()
    assert PeriodicTask.objects.filter(name="operator's job", crontab__hour="6").exists()

    migration.create_schedules(django_apps, editor)
    assert PeriodicTask.objects.filter(name__in=SCHEDULE_NAMES).count() == 2
