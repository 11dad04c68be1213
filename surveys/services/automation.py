"""Creating a campaign with its schedule, and the survey automation: recurring waves,
reminders, onboarding invitations, closing waves.

The automation is run by a periodic task (surveys/automation_tasks.py) and is safe to run twice:
each function first looks at what is already done (a wave opened this period, the reminder count
on an invitation, someone already invited, a wave already closed) and does only the rest.
"""

import datetime as dt
import json
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from core.outbox import outbox_enqueue

from ..errors import ServiceError
from ..models import (
    Campaign,
    CampaignKind,
    CampaignQuestion,
    Department,
    Employee,
    Invitation,
    Organization,
    Question,
    SegmentAttribute,
    Wave,
    WaveStatus,
)
from ..selectors import department_subtree_ids
from .campaigns import (
    campaign_anonymity_check,
    campaign_questions_check,
    organization_today,
    rotation_question_ids,
    survey_order,
    values_measured,
    wave_close,
    wave_launch,
    wave_open_empty,
)
from .invitations import invitation_send, invitations_create

RECURRING_TASK = "surveys.launch_recurring_wave"
RECURRING_KINDS = (CampaignKind.PULSE, CampaignKind.ENGAGEMENT)
# Recurring waves open in the organization's morning, so the invitations arrive in work hours.
WAVE_OPENS_AT = dt.time(8, 0)
MAX_WAVE_DAYS = 90
MAX_RECURRENCE_WEEKS = 52
MAX_REMINDERS = 5
MAX_ONBOARDING_AFTER_DAYS = 365
# How long after becoming due a new hire is still invited. It bounds the back-fill when the
# automation is switched on, and lets the job catch up after a few days of outage.
ONBOARDING_GRACE_DAYS = 90
SATURDAY = 5


def recurring_task_name(campaign_id: int) -> str:
    return f"culturesurvey: campaign {campaign_id} recurring waves"


# --- Schedule ---------------------------------------------------------------------------------


def _clean_reminder_days(reminder_days: Sequence[int], *, wave_days: int) -> list[int]:
    if any(isinstance(d, bool) or not isinstance(d, int) for d in reminder_days):
        raise ServiceError("Reminder days must be whole numbers of days after the wave opens.")
    if len(reminder_days) > MAX_REMINDERS:
        raise ServiceError(f"At most {MAX_REMINDERS} reminders per wave.")
    if len(set(reminder_days)) != len(reminder_days):
        raise ServiceError("Each reminder day may be given once.")
    wrong = [d for d in reminder_days if not 0 < d < wave_days]
    if wrong:
        raise ServiceError(
            f"Reminders go out between day 1 and day {wave_days - 1} of a {wave_days}-day wave "
            f"(not {', '.join(map(str, wrong))})."
        )
    return sorted(reminder_days)


@transaction.atomic
def campaign_schedule_set(
    *,
    campaign: Campaign,
    recurrence_weeks: int | None,
    first_wave_on: dt.date | None,
    wave_days: int,
    rotation_values: int | None,
    reminder_days: Sequence[int],
    onboarding_after_days: int | None,
    audience_department_id: int | None,
) -> Campaign:
    """Set how a campaign runs by itself; bad input raises ServiceError and changes nothing.

    A recurring campaign gets one beat `PeriodicTask` that launches a wave every N weeks from
    `first_wave_on` (by default its planned next wave, or today) at 08:00 in the
    organization's time zone; without a recurrence that task is removed.
    """
    campaign = (
        Campaign.objects.select_for_update().select_related("organization").get(pk=campaign.pk)
    )
    organization = campaign.organization
    today = organization_today(organization)
    if campaign.imported:
        raise ServiceError("Imported history is not run again, so it has no schedule.")
    if not 1 <= wave_days <= MAX_WAVE_DAYS:
        raise ServiceError(f"A wave stays open between 1 and {MAX_WAVE_DAYS} days.")
    reminders = _clean_reminder_days(reminder_days, wave_days=wave_days)

    next_wave_on = None
    if recurrence_weeks is not None:
        if campaign.kind not in RECURRING_KINDS:
            raise ServiceError("Only pulse and engagement surveys recur.")
        if not 1 <= recurrence_weeks <= MAX_RECURRENCE_WEEKS:
            raise ServiceError(f"A survey recurs every 1 to {MAX_RECURRENCE_WEEKS} weeks.")
        if wave_days > 7 * recurrence_weeks:
            raise ServiceError(
                f"A wave must close before the next one opens: {wave_days} days open is longer "
                f"than {recurrence_weeks} week(s)."
            )
        if first_wave_on is not None and first_wave_on < today:
            raise ServiceError("The first wave cannot open in the past.")
        planned = campaign.next_wave_on
        next_wave_on = first_wave_on or (planned if planned and planned >= today else today)
    elif first_wave_on is not None:
        raise ServiceError("A first wave date needs a recurrence.")

    if rotation_values is not None:
        # Waves launched by hand rotate too: each takes the next values in turn.
        if campaign.kind not in RECURRING_KINDS:
            raise ServiceError("Only pulse and engagement surveys rotate their values.")
        measured = len(values_measured(campaign=campaign))
        if not 1 <= rotation_values <= measured:
            raise ServiceError(
                f"A wave can ask between 1 and {measured} of the values this survey measures."
            )

    if onboarding_after_days is not None:
        if campaign.kind != CampaignKind.ONBOARDING:
            raise ServiceError("Only onboarding surveys invite new hires after a number of days.")
        if not 1 <= onboarding_after_days <= MAX_ONBOARDING_AFTER_DAYS:
            raise ServiceError(
                f"New hires are invited between 1 and {MAX_ONBOARDING_AFTER_DAYS} days after "
                f"they start."
            )

    if (
        audience_department_id is not None
        and not Department.current.filter(
            organization=organization, pk=audience_department_id
        ).exists()
    ):
        raise ServiceError("The audience department must belong to this organization.")

    campaign.recurrence_weeks = recurrence_weeks
    campaign.wave_days = wave_days
    campaign.rotation_values = rotation_values
    campaign.reminder_days = reminders
    campaign.onboarding_after_days = onboarding_after_days
    campaign.audience_department_id = audience_department_id
    campaign.next_wave_on = next_wave_on
    campaign.save(
        update_fields=[
            "recurrence_weeks",
            "wave_days",
            "rotation_values",
            "reminder_days",
            "onboarding_after_days",
            "audience_department",
            "next_wave_on",
        ]
    )
    _recurring_task_sync(campaign=campaign)
    return campaign


@transaction.atomic
def campaign_schedule_clear(*, campaign: Campaign) -> Campaign:
    """Stop everything the campaign does by itself: recurrence, rotation, reminders and
    onboarding invitations. Its audience and wave length stay, for waves launched by hand."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    campaign.recurrence_weeks = None
    campaign.rotation_values = None
    campaign.reminder_days = []
    campaign.onboarding_after_days = None
    campaign.next_wave_on = None
    campaign.save(
        update_fields=[
            "recurrence_weeks",
            "rotation_values",
            "reminder_days",
            "onboarding_after_days",
            "next_wave_on",
        ]
    )
    _recurring_task_sync(campaign=campaign)
    return campaign


def _recurring_task_sync(*, campaign: Campaign) -> None:
    name = recurring_task_name(campaign.pk)
    if campaign.recurrence_weeks is None or campaign.next_wave_on is None:
        # Instance deletes (not a bulk SQL delete) so beat's change tracker hears of it.
        for task in PeriodicTask.objects.filter(name=name):
            task.delete()
        return
    days = 7 * campaign.recurrence_weeks
    interval = (
        IntervalSchedule.objects.filter(every=days, period=IntervalSchedule.DAYS)
        .order_by("pk")
        .first()
    ) or IntervalSchedule.objects.create(every=days, period=IntervalSchedule.DAYS)
    zone = zoneinfo.ZoneInfo(campaign.organization.timezone)
    PeriodicTask.objects.update_or_create(
        name=name,
        defaults={
            "task": RECURRING_TASK,
            "interval": interval,
            "crontab": None,
            "solar": None,
            "clocked": None,
            "args": json.dumps([campaign.pk]),
            "kwargs": "{}",
            "start_time": dt.datetime.combine(campaign.next_wave_on, WAVE_OPENS_AT, tzinfo=zone),
            # Without a last run, beat fires first at start_time, then every interval after.
            "last_run_at": None,
            "enabled": True,
            "one_off": False,
            "description": f"Launches the next wave of {campaign.name}.",
        },
    )


# --- Recurring waves --------------------------------------------------------------------------


def _recurring_task_remove(campaign_id: int) -> None:
    for task in PeriodicTask.objects.filter(name=recurring_task_name(campaign_id)):
        task.delete()


@transaction.atomic
def recurring_wave_launch(*, campaign_id: int, today: dt.date | None = None) -> Wave | None:
    """Close the campaign's open wave and launch its next one; returns it.

    Idempotent: when a wave of the campaign opened within the last period (less a day of slack
    for beat firing early), nothing is done and None is returned. A campaign deleted or no
    longer recurring also returns None, and its leftover beat task is removed.
    """
    # The row lock makes two runs at once (a retry racing beat) wait and then see the new wave.
    campaign = (
        Campaign.objects.select_for_update()
        .select_related("organization")
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None or campaign.recurrence_weeks is None or campaign.imported:
        _recurring_task_remove(campaign_id)
        return None
    today = today or organization_today(campaign.organization)
    period = 7 * campaign.recurrence_weeks
    if campaign.waves.filter(opens_on__gt=today - dt.timedelta(days=period - 1)).exists():
        return None
    for wave in campaign.waves.filter(status=WaveStatus.OPEN):
        wave_close(wave=wave)
    number = (campaign.waves.aggregate(top=Max("number"))["top"] or 0) + 1
    wave = wave_launch(
        campaign=campaign,
        opens_on=today,
        closes_on=today + dt.timedelta(days=campaign.wave_days),
        asked=rotation_question_ids(campaign=campaign, wave_number=number),
    )
    campaign.next_wave_on = today + dt.timedelta(days=period)
    campaign.save(update_fields=["next_wave_on"])
    return wave


# --- Creating a campaign -------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignSchedule:
    """How a new campaign runs by itself; the defaults are a campaign launched by hand."""

    wave_days: int = 14
    recurrence_weeks: int | None = None
    first_wave_on: dt.date | None = None
    rotation_values: int | None = None
    reminder_days: Sequence[int] = ()
    onboarding_after_days: int | None = None
    audience_department_id: int | None = None


@transaction.atomic
def campaign_create(
    *,
    organization: Organization,
    name: str,
    kind: str,
    questions: Sequence[Question],
    min_group_size: int | None = None,
    kept_attributes: Sequence[str] | None = None,
    intro: str = "",
    schedule: CampaignSchedule | None = None,
    launch: bool = False,
) -> Campaign:
    """Create a campaign with its questions and schedule and, with `launch`, open its first
    wave today. All or nothing: bad input raises ServiceError and nothing is created.

    Launched now, a recurring campaign's first wave is today's, and the next one follows a
    period later; otherwise it starts on `schedule.first_wave_on`.
    """
    if kind not in CampaignKind.values:
        raise ServiceError(f'Unknown campaign kind "{kind}".')
    if not name.strip():
        raise ServiceError("A campaign needs a name.")
    if kept_attributes is None:
        kept_attributes = [] if kind == CampaignKind.LEADERSHIP else list(SegmentAttribute.values)
    k = min_group_size if min_group_size is not None else organization.min_group_size
    campaign_anonymity_check(
        organization=organization, kind=kind, min_group_size=k, kept_attributes=kept_attributes
    )
    campaign_questions_check(organization=organization, kind=kind, questions=questions)
    campaign = Campaign.objects.create(
        organization=organization,
        name=name.strip(),
        kind=kind,
        intro=intro,
        min_group_size=k,
        kept_attributes=list(dict.fromkeys(kept_attributes)),
    )
    CampaignQuestion.objects.bulk_create(
        CampaignQuestion(campaign=campaign, question=q, position=i)
        for i, q in enumerate(survey_order(questions), 1)
    )
    today = organization_today(organization)
    if schedule is not None:
        if launch and schedule.first_wave_on not in (None, today):
            raise ServiceError("A campaign launched now opens its first wave today.")
        campaign = campaign_schedule_set(
            campaign=campaign,
            recurrence_weeks=schedule.recurrence_weeks,
            first_wave_on=schedule.first_wave_on,
            wave_days=schedule.wave_days,
            rotation_values=schedule.rotation_values,
            reminder_days=list(schedule.reminder_days),
            onboarding_after_days=schedule.onboarding_after_days,
            audience_department_id=schedule.audience_department_id,
        )
    if launch:
        if campaign.recurrence_weeks:
            recurring_wave_launch(campaign_id=campaign.pk, today=today)
        else:
            wave_launch(campaign=campaign, closes_on=today + dt.timedelta(days=campaign.wave_days))
    campaign.refresh_from_db()
    return campaign


# --- Reminders --------------------------------------------------------------------------------


def reminder_dates(*, opens_on: dt.date, reminder_days: Sequence[int]) -> list[dt.date]:
    """The days a wave's reminders go out, in order.

    A reminder falling on a Saturday or Sunday goes out the Monday after; two that land on the
    same Monday go out once, as one reminder.
    """
    dates: list[dt.date] = []
    for days in sorted(reminder_days):
        day = opens_on + dt.timedelta(days=days)
        if day.weekday() >= SATURDAY:
            day += dt.timedelta(days=7 - day.weekday())
        if day not in dates:
            dates.append(day)
    return dates


def _start_of(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def _reminders_due(*, wave: Wave, today: dt.date) -> QuerySet[Invitation] | None:
    """The invitations owed a reminder on `today`, or None when it is not a reminder day."""
    if wave.closes_on is not None and today > wave.closes_on:
        return None
    dates = reminder_dates(opens_on=wave.opens_on, reminder_days=wave.campaign.reminder_days)
    if today not in dates:
        return None
    number = dates.index(today) + 1
    zone = zoneinfo.ZoneInfo(wave.campaign.organization.timezone)
    # Reminder `number` is due to an invitation sent before the first reminder day; one sent
    # later counts only the reminder days since, so someone invited late is not owed a string
    # of reminders, and after today's email their count is up and a second run skips them.
    due = Q()
    for before in range(number):
        window = Q(sent_at__lt=_start_of(dates[before], zone), reminders_sent__lt=number - before)
        if before:
            window &= Q(sent_at__gte=_start_of(dates[before - 1], zone))
        due |= window
    return _unanswered(wave).filter(due)


def _unanswered(wave: Wave) -> QuerySet[Invitation]:
    return Invitation.objects.filter(wave=wave, answered=False, sent_at__isnull=False)


def _reminders_queue(*, wave: Wave, due: QuerySet[Invitation], day: dt.date | None) -> int:
    """One batched task for the wave's reminders (`surveys.tasks.send_wave_reminders`), however
    many people they go to; returns how many are owed one."""
    count = due.count()
    if count:
        outbox_enqueue("surveys.tasks.send_wave_reminders", wave.pk, day and day.isoformat())
    return count


def wave_send_reminders(*, wave: Wave) -> int:
    """Remind everyone invited to an open wave who has not answered yet (with a fresh link),
    now, whatever the reminder days. Returns how many are reminded."""
    if wave.status != WaveStatus.OPEN:
        return 0
    return _reminders_queue(wave=wave, due=_unanswered(wave), day=None)


def wave_reminders_send(
    *, wave_id: int, day: str | None, after: int = 0, limit: int = 200
) -> tuple[int, int | None]:
    """Send the next `limit` reminders of a wave, in id order after the invitation `after`:
    those due on `day` (an ISO date) or, without a day, everyone who has not answered. Returns
    (sent, where the next batch starts, or None when none is left). The wave's reminder task
    calls this until it is done; each reminder raises the invitation's count, so a reminder
    day run again skips whoever already had theirs."""
    wave = (
        Wave.objects.select_related("campaign__organization")
        .filter(pk=wave_id, status=WaveStatus.OPEN)
        .first()
    )
    if wave is None:
        return 0, None
    due = (
        _unanswered(wave)
        if day is None
        else _reminders_due(wave=wave, today=dt.date.fromisoformat(day))
    )
    if due is None:
        return 0, None
    ids = list(due.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[: limit + 1])
    batch = ids[:limit]
    sent = sum(invitation_send(invitation_id=pk, reminder=True) for pk in batch)
    return sent, batch[-1] if len(ids) > limit else None


def reminders_due_send(*, today: dt.date | None = None) -> int:
    """Queue today's reminders of every open wave; returns how many were queued.

    "Today" is each organization's own date unless given. Idempotent per reminder day: an
    invitation is queued only while its reminder count is below the reminders due to it, and
    sending raises the count. Emails go out after commit, one batched task per wave, each with a
    fresh link; a second run queues a second task, which skips whoever has had today's email
    (at worst someone whose email is going out at that moment gets two).
    """
    queued = 0
    waves = (
        Wave.objects.filter(status=WaveStatus.OPEN, campaign__imported=False)
        .select_related("campaign__organization")
        .order_by("pk")
    )
    for wave in waves:
        if wave.campaign.reminder_days:
            day = today or organization_today(wave.campaign.organization)
            due = _reminders_due(wave=wave, today=day)
            if due is not None:
                queued += _reminders_queue(wave=wave, due=due, day=day)
    return queued


# --- Onboarding -------------------------------------------------------------------------------


@transaction.atomic
def _onboarding_campaign_invite(*, campaign_id: int, today: dt.date | None) -> int:
    campaign = (
        Campaign.objects.select_for_update()
        .select_related("organization")
        .filter(pk=campaign_id, onboarding_after_days__isnull=False)
        .first()
    )
    if campaign is None:
        return 0
    organization = campaign.organization
    today = today or organization_today(organization)
    due_since = today - dt.timedelta(days=campaign.onboarding_after_days)
    people = (
        Employee.objects.filter(
            organization=organization,
            start_date__lte=due_since,
            start_date__gte=due_since - dt.timedelta(days=ONBOARDING_GRACE_DAYS),
        )
        # Someone leaving gets the exit survey instead; a leaving date before the start date
        # belongs to an earlier stint of a rehire.
        .filter(Q(leaving_date__isnull=True) | Q(leaving_date__lt=F("start_date")))
        .exclude(invitations__wave__campaign=campaign)
    )
    if campaign.audience_department_id:
        people = people.filter(
            department_id__in=department_subtree_ids(
                organization=organization, department_id=campaign.audience_department_id
            )
        )
    due = list(people.order_by("pk").values_list("email", "pk"))
    if not due:
        return 0
    wave = (
        campaign.waves.filter(status=WaveStatus.OPEN)
        .filter(Q(closes_on__isnull=True) | Q(closes_on__gte=today))
        .order_by("-opens_on", "-pk")
        .first()
    ) or wave_open_empty(campaign=campaign, opens_on=today)
    return invitations_create(wave=wave, people=due)


def onboarding_invitations_due(*, today: dt.date | None = None) -> int:
    """Invite new hires to their onboarding survey N days after they start; returns how many.

    Each onboarding campaign with `onboarding_after_days` invites, into its open wave (opened
    for `wave_days` when there is none), everyone who started N to N + 90 days ago, is not
    leaving, is in the campaign's audience and was never invited to it. Idempotent: the last
    condition makes a second run find nobody.
    """
    ids = Campaign.objects.filter(
        kind=CampaignKind.ONBOARDING, onboarding_after_days__isnull=False, imported=False
    ).values_list("pk", flat=True)
    # One transaction per campaign, so one organization's trouble holds up no other.
    return sum(_onboarding_campaign_invite(campaign_id=pk, today=today) for pk in list(ids))


# --- Closing ----------------------------------------------------------------------------------


def waves_close_due(*, today: dt.date | None = None) -> int:
    """Close open waves whose closing date has passed (each queues its analysis); returns how
    many. Idempotent: wave_close closes a wave once."""
    # No organization's date is later than tomorrow in UTC, so this bounds the scan.
    latest = today or timezone.now().date() + dt.timedelta(days=1)
    waves = (
        Wave.objects.filter(status=WaveStatus.OPEN, closes_on__lt=latest)
        .select_related("campaign__organization", "round")
        .order_by("pk")
    )
    closed = 0
    for wave in waves:
        day = today or organization_today(wave.campaign.organization)
        if wave.closes_on < day:
            closed += wave_close(wave=wave)
    return closed
