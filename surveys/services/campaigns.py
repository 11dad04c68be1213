"""Campaigns and their waves: checking their settings, launching, closing. A campaign is created
with its schedule by `automation.campaign_create`."""

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from core.outbox import outbox_enqueue

from ..errors import ServiceError
from ..models import (
    KIND_PERSPECTIVES,
    Campaign,
    CampaignKind,
    CampaignQuestion,
    Employee,
    Invitation,
    Membership,
    Organization,
    Question,
    QuestionType,
    Role,
    Round,
    SegmentAttribute,
    Wave,
    WaveStatus,
    kinds_of_group,
)
from ..selectors import department_subtree_ids
from .invitations import invitations_create
from .rounds import RoundFrozen, round_for_wave, round_is_frozen, round_label_for_wave

DEFAULT_ONBOARDING_DAYS = 90
EXIT_LOOKBACK_DAYS = 90
EXIT_LOOKAHEAD_DAYS = 30


class CampaignLocked(ServiceError):
    def __init__(self) -> None:
        super().__init__(
            "A wave has been launched, so this campaign's anonymity settings are locked."
        )


def organization_today(organization: Organization) -> dt.date:
    return timezone.localdate(timezone=_zone(organization))


def _zone(organization: Organization):
    return zoneinfo.ZoneInfo(organization.timezone)


def campaign_is_locked(*, campaign: Campaign) -> bool:
    """Anonymity settings lock when the first wave opens (derived, so it can never disagree).

    The invited are told k and what is kept with their answers. Not at the first response:
    HR admins see the lock, and its turning on would tell them that someone answered (in an
    exit survey whose one leaver is invited, that this leaver did)."""
    return Wave.objects.filter(campaign=campaign).exists()


def campaign_anonymity_check(
    *, organization: Organization, kind: str, min_group_size: int, kept_attributes: Sequence[str]
) -> None:
    if min_group_size < organization.min_group_size:
        raise ServiceError(
            f"The minimum group size cannot be below the organization's "
            f"({organization.min_group_size})."
        )
    unknown = set(kept_attributes) - set(SegmentAttribute.values)
    if unknown:
        raise ServiceError(f"Unknown segment attributes: {', '.join(sorted(unknown))}.")
    if kind == CampaignKind.LEADERSHIP and kept_attributes:
        raise ServiceError(
            "Leadership answers are kept as a group; they carry no segment attributes."
        )


def campaign_questions_check(
    *, organization: Organization, kind: str, questions: Sequence[Question]
) -> None:
    if not questions:
        raise ServiceError("A campaign needs at least one question.")
    allowed = KIND_PERSPECTIVES[kind]
    wrong = [q.code for q in questions if q.perspective not in allowed]
    if wrong:
        raise ServiceError(
            f"These questions do not belong in a {kind} survey: {', '.join(wrong)} "
            f"(it asks {', '.join(sorted(allowed))} questions)."
        )
    foreign = [q.code for q in questions if q.organization_id != organization.pk]
    if foreign:
        raise ServiceError("Questions must belong to this organization.")


@transaction.atomic
def campaign_update_anonymity(
    *, campaign: Campaign, min_group_size: int, kept_attributes: Sequence[str]
) -> Campaign:
    # Lock the campaign row so a response cannot slip in between the check and the write.
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign_is_locked(campaign=campaign):
        raise CampaignLocked
    campaign_anonymity_check(
        organization=campaign.organization,
        kind=campaign.kind,
        min_group_size=min_group_size,
        kept_attributes=kept_attributes,
    )
    campaign.min_group_size = min_group_size
    campaign.kept_attributes = list(dict.fromkeys(kept_attributes))
    campaign.save(update_fields=["min_group_size", "kept_attributes"])
    return campaign


@transaction.atomic
def campaign_update(
    *,
    campaign: Campaign,
    name: str | None = None,
    intro: str | None = None,
    min_group_size: int | None = None,
    kept_attributes: Sequence[str] | None = None,
) -> Campaign:
    """Rename, reword the intro, and (until the first wave opens) change k and the kept
    attributes; None leaves a field as it is. Sending the anonymity settings back unchanged
    (a GET, edited, sent back) is no change, so it is no conflict either."""
    texts = {
        field: value for field, value in (("name", name), ("intro", intro)) if value is not None
    }
    for field, value in texts.items():
        setattr(campaign, field, value)
    if texts:
        campaign.save(update_fields=list(texts))
    k = campaign.min_group_size if min_group_size is None else min_group_size
    kept = campaign.kept_attributes if kept_attributes is None else kept_attributes
    kept = list(dict.fromkeys(kept))
    if (k, kept) != (campaign.min_group_size, campaign.kept_attributes):
        campaign = campaign_update_anonymity(
            campaign=campaign, min_group_size=k, kept_attributes=kept
        )
    return campaign


def survey_order(questions: Iterable[Question]) -> list[Question]:
    """Questions in the order a survey asks them: as given, except that free-text comments come
    last, after every rated item (a comment box early on reads as the end of the survey)."""
    return sorted(questions, key=lambda q: q.type == QuestionType.TEXT)


def campaign_questions(*, campaign: Campaign, wave: Wave | None = None) -> list[Question]:
    """The campaign's questions in order (comments last); for a wave, only those it asks."""
    questions = survey_order(
        cq.question
        for cq in CampaignQuestion.objects.filter(campaign=campaign)
        .select_related("question__value", "question__pairs_with")
        .order_by("position", "id")
    )
    if wave is not None and wave.asked:
        asked = set(wave.asked)
        questions = [q for q in questions if q.pk in asked]
    return questions


def values_measured(*, campaign: Campaign) -> list[int]:
    """Ids of the values the campaign's questions measure, in the order the campaign asks them."""
    return list(
        dict.fromkeys(q.value_id for q in campaign_questions(campaign=campaign) if q.value_id)
    )


def rotation_question_ids(*, campaign: Campaign, wave_number: int) -> list[int] | None:
    """The questions wave `wave_number` of a rotating campaign asks; None means all of them.

    Values take turns in the order the campaign asks them, `rotation_values` per wave: with
    values A, B, C and two per wave, wave 1 asks A and B, wave 2 C and A, wave 3 B and C. A
    chosen value keeps all its items so its scale score stays valid (a value's score needs two
    thirds of its items), and questions that measure no value (eNPS, comments) are asked every
    time.
    """
    values = values_measured(campaign=campaign)
    per_wave = campaign.rotation_values
    if not per_wave or per_wave >= len(values):
        return None
    start = (wave_number - 1) * per_wave
    chosen = {values[(start + i) % len(values)] for i in range(per_wave)}
    return [
        q.pk
        for q in campaign_questions(campaign=campaign)
        if q.value_id is None or q.value_id in chosen
    ]


# What a pulse asks at most per wave: short enough for a phone in a few minutes.
PULSE_MAX_ITEMS = 12


def rotation_largest_wave(*, questions: Sequence[Question], per_wave: int | None) -> int:
    """How many items the largest wave of a rotation over these questions asks (every value
    with all its items, `per_wave` values a wave in turn, plus the questions measuring no
    value); all of them without a rotation."""
    sizes: dict[int, int] = {}
    for q in questions:
        if q.value_id:
            sizes[q.value_id] = sizes.get(q.value_id, 0) + 1
    order = list(sizes.values())
    if not per_wave or per_wave >= len(order):
        return len(questions)
    general = len(questions) - sum(order)
    return general + max(
        sum(order[(start + i) % len(order)] for i in range(per_wave)) for start in range(len(order))
    )


def rotation_default(*, questions: Sequence[Question], limit: int = PULSE_MAX_ITEMS) -> int | None:
    """How many values a pulse over these questions asks per wave so that no wave asks more
    than `limit` items; None when all of them fit. Every value keeps all its items (its score
    needs two thirds of them), the questions measuring no value are asked every time, and the
    rotation covers every value over the waves. At least one value per wave, even when one
    value alone is over the limit."""
    values = len({q.value_id for q in questions if q.value_id})
    if len(questions) <= limit or values < 2:
        return None
    best = 1
    for per_wave in range(2, values):
        if rotation_largest_wave(questions=questions, per_wave=per_wave) > limit:
            break
        best = per_wave
    return best


def audience_for(
    *,
    campaign: Campaign,
    on_date: dt.date,
    department_ids: Iterable[int] | None = None,
    onboarding_days: int = DEFAULT_ONBOARDING_DAYS,
) -> list[tuple[str, int | None]]:
    """(email, employee id) of the people a new wave of this campaign asks."""
    organization = campaign.organization
    if campaign.kind == CampaignKind.LEADERSHIP:
        emails = (
            Membership.objects.filter(organization=organization, role=Role.LEADER)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
        roster = dict(Employee.objects.filter(organization=organization).values_list("email", "pk"))
        return [(email.lower(), roster.get(email.lower())) for email in emails]
    people = Employee.objects.filter(organization=organization)
    if campaign.kind == CampaignKind.EXIT:
        # Leavers are invited one by one as they are marked; a new exit wave also picks up
        # those leaving soon or who left recently, once per campaign.
        people = people.filter(
            leaving_date__gte=on_date - dt.timedelta(days=EXIT_LOOKBACK_DAYS),
            leaving_date__lte=on_date + dt.timedelta(days=EXIT_LOOKAHEAD_DAYS),
        )
    else:
        people = people.filter(Q(leaving_date__isnull=True) | Q(leaving_date__gt=on_date))
        people = people.filter(Q(start_date__isnull=True) | Q(start_date__lte=on_date))
    if campaign.kind == CampaignKind.ONBOARDING:
        people = people.filter(start_date__gte=on_date - dt.timedelta(days=onboarding_days))
    if campaign.kind in (CampaignKind.EXIT, CampaignKind.ONBOARDING):
        # Someone joins or leaves once: asked once per campaign, not in every wave.
        people = people.exclude(invitations__wave__campaign=campaign)
    if department_ids is not None:
        people = people.filter(department_id__in=list(department_ids))
    return list(people.values_list("email", "pk"))


@transaction.atomic
def wave_launch(
    *,
    campaign: Campaign,
    round_label: str | None = None,
    opens_on: dt.date | None = None,
    closes_on: dt.date | None = None,
    department_ids: Iterable[int] | None = None,
    asked: Sequence[int] | None = None,
) -> Wave:
    """Open a new wave and invite its audience; the emails go out after commit.

    `asked` limits the wave to some of the campaign's questions (a rotation); by default the
    audience is the campaign's department subtree, or everyone.
    """
    if campaign.imported:
        raise ServiceError("Imported history cannot be launched again.")
    questions = campaign_questions(campaign=campaign)
    if asked is None and campaign.rotation_values:
        # A rotating campaign's wave launched by hand takes the next values in turn.
        top = campaign.waves.aggregate(top=Max("number"))["top"] or 0
        asked = rotation_question_ids(campaign=campaign, wave_number=top + 1)
    if asked is not None:
        unknown = set(asked) - {q.pk for q in questions}
        if unknown or not asked:
            raise ServiceError("A wave can only ask questions of its campaign.")
        questions = [q for q in questions if q.pk in set(asked)]
    campaign_questions_check(
        organization=campaign.organization, kind=campaign.kind, questions=questions
    )
    today = organization_today(campaign.organization)
    opens_on = opens_on or today
    if closes_on and closes_on < opens_on:
        raise ServiceError("The closing date is before the opening date.")
    round_ = round_for_wave(campaign=campaign, opens_on=opens_on, label=round_label)
    Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
    top = campaign.waves.aggregate(top=Max("number"))["top"] or 0
    wave = Wave.objects.create(
        campaign=campaign,
        round=round_,
        number=top + 1,
        opens_on=opens_on,
        closes_on=closes_on,
        asked=[q.pk for q in questions] if asked is not None else [],
    )
    if department_ids is None and campaign.audience_department_id:
        department_ids = department_subtree_ids(
            organization=campaign.organization, department_id=campaign.audience_department_id
        )
    people = audience_for(campaign=campaign, on_date=opens_on, department_ids=department_ids)
    if not people and campaign.kind != CampaignKind.EXIT:
        raise ServiceError("Nobody matches this survey's audience; nothing was launched.")
    if not invitations_create(wave=wave, people=people) and campaign.kind != CampaignKind.EXIT:
        raise ServiceError(
            f"Everyone in this survey's audience has already been asked in the round "
            f"{round_.label}; nothing was launched. A person answers once per round."
        )
    return wave


@dataclass(frozen=True)
class LaunchPreview:
    """What launching a wave now would do, shown to HR before they confirm."""

    round_label: str
    round_exists: bool
    invite: int  # how many people would get an invitation email
    already_asked: int  # how many of the audience were already asked in that round
    open_waves: list[Wave]  # the campaign's waves still open
    question_count: int


def wave_launch_preview(
    *, campaign: Campaign, round_label: str | None = None, opens_on: dt.date | None = None
) -> LaunchPreview:
    """What `wave_launch` with these arguments would do; creates and sends nothing."""
    opens_on = opens_on or organization_today(campaign.organization)
    label = round_label or round_label_for_wave(campaign=campaign, opens_on=opens_on)
    round_ = Round.objects.filter(organization=campaign.organization, label=label).first()
    if round_ is not None and round_is_frozen(round_=round_):
        raise RoundFrozen(round_)
    department_ids = None
    if campaign.audience_department_id:
        department_ids = department_subtree_ids(
            organization=campaign.organization, department_id=campaign.audience_department_id
        )
    emails = {
        email.lower()
        for email, _pk in audience_for(
            campaign=campaign, on_date=opens_on, department_ids=department_ids
        )
    }
    asked = set()
    if round_ is not None:
        asked = set(
            Invitation.objects.filter(
                wave__round=round_, wave__campaign__kind__in=kinds_of_group(campaign.kind)
            ).values_list("email", flat=True)
        )
    top = campaign.waves.aggregate(top=Max("number"))["top"] or 0
    rotation = rotation_question_ids(campaign=campaign, wave_number=top + 1)
    return LaunchPreview(
        round_label=label,
        round_exists=round_ is not None,
        invite=len(emails - asked),
        already_asked=len(emails & asked),
        open_waves=list(
            campaign.waves.filter(status=WaveStatus.OPEN).select_related("round").order_by("number")
        ),
        question_count=len(rotation)
        if rotation is not None
        else len(campaign_questions(campaign=campaign)),
    )


def wave_open_empty(*, campaign: Campaign, opens_on: dt.date) -> Wave:
    """A wave people join one by one as they become due (new hires, leavers), open for the
    campaign's wave_days. Unlike wave_launch, it invites nobody by itself."""
    round_ = round_for_wave(campaign=campaign, opens_on=opens_on)
    top = campaign.waves.aggregate(top=Max("number"))["top"] or 0
    return Wave.objects.create(
        campaign=campaign,
        round=round_,
        number=top + 1,
        opens_on=opens_on,
        closes_on=opens_on + dt.timedelta(days=campaign.wave_days),
    )


@transaction.atomic
def wave_close(*, wave: Wave, analyze: bool = True) -> bool:
    """Close an open wave. After commit its pending answers are sealed into responses
    (`surveys.tasks.seal_wave`, through the outbox) and then, unless `analyze` is False, its
    round's analysis is requested.

    Returns False when it was already closed (a double click); nothing is queued then.
    """
    # FOR UPDATE waits for the accepts in flight, which hold the wave row with a share lock
    # until they commit; an accept that comes after this commits finds the wave closed. So
    # every answer accepted for the wave is pending by the time the seal runs.
    open_now = Wave.objects.filter(pk=wave.pk, status=WaveStatus.OPEN)
    closed = 0
    if list(open_now.select_for_update().values_list("pk", flat=True)):
        closed = open_now.update(status=WaveStatus.CLOSED, closed_at=timezone.now())
    wave.refresh_from_db()
    if closed == 1:
        outbox_enqueue("surveys.tasks.seal_wave", wave.pk, analyze)
    return closed == 1


def exit_invitations_create(*, organization: Organization, employee_ids: list[int]) -> int:
    """Invite leavers to the organization's open exit survey. When the organization has an
    exit campaign but no wave of it is open, one is opened for them."""
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
