"""Survey rounds: which round a new wave or an imported history row goes into, and the rule that
a published round is frozen.

A round's report is published once (the analysis sets `Round.published_at`). From then on the
round, and every round before it, is frozen: no wave is launched into it and no import adds
to it. Otherwise a second report of the round, over one more or one fewer person, would give
that person's answers away by subtraction (ANALYSIS.md, "Confidentiality in the numbers").
History from another tool only ever goes into new rounds older than every live round.
"""

import datetime as dt
import re
from collections.abc import Sequence

from django.db.models import F, Max

from ..errors import ServiceError
from ..models import GROUP_OF_KIND, Campaign, Organization, Round, Wave, kinds_of_group

# Kinds whose audience is everyone in scope: a second wave of one of them in the same round
# would ask the same people again, so new waves of these kinds start a round of their own.
EVERYONE_KINDS = {"lived", "leadership"}
# A round's label is part of report addresses (/o/<org>/report/<label>/), so it is a slug.
ROUND_LABEL_MAX = 50
ROUND_LABEL = re.compile(r"[A-Za-z0-9_-]+")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")


class RoundFrozen(ServiceError):
    def __init__(self, round_: Round) -> None:
        super().__init__(
            f"The round {round_.label} is frozen: its report (or a later one) is published, "
            f"so nothing more can be added to it. Launch into a new round."
        )


def round_is_frozen(*, round_: Round) -> bool:
    """Whether a report of this round or of a later one has been published."""
    return Round.objects.filter(
        organization_id=round_.organization_id,
        sequence__gte=round_.sequence,
        published_at__isnull=False,
    ).exists()


def round_is_live(*, round_: Round) -> bool:
    """Whether the round holds waves run in the product (not only imported history)."""
    return Wave.objects.filter(round=round_, campaign__imported=False).exists()


def label_date(label: str) -> dt.date | None:
    """The first day a round label names, when it names one: 2026-08, 2026-08-14, 2026-Q3."""
    try:
        if match := MONTH.match(label):
            return dt.date(int(match[1]), int(match[2]), 1)
        if match := DAY.match(label):
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if match := QUARTER.match(label):
            return dt.date(int(match[1]), 3 * int(match[2]) - 2, 1)
    except ValueError:
        return None
    return None


def round_label_problem(label: str) -> str | None:
    """What is wrong with a survey round's label, or None: letters, digits, - and _ only, at
    most 50 of them. Every way a label comes in (launch page and API, history import) asks
    this, and `round_get_or_create` refuses what it names."""
    if not label:
        return "is empty; name the survey round, e.g. 2026-08"
    if len(label) > ROUND_LABEL_MAX:
        return f"is longer than {ROUND_LABEL_MAX} characters"
    if not ROUND_LABEL.fullmatch(label):
        return "may hold only letters, digits, - and _ (e.g. 2026-08)"
    return None


def round_get_or_create(*, organization: Organization, label: str) -> Round:
    """The round with this label; a new one is the newest round."""
    label = label.strip()
    if not label:
        raise ServiceError("A survey round needs a label, such as 2026-08.")
    problem = round_label_problem(label)
    if problem:
        raise ServiceError(f"The survey round {problem}.")
    existing = Round.objects.filter(organization=organization, label=label).first()
    if existing:
        return existing
    # Serialise sequence numbers per organization.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    top = Round.objects.filter(organization=organization).aggregate(top=Max("sequence"))["top"]
    return Round.objects.create(organization=organization, label=label, sequence=(top or 0) + 1)


def round_for_wave(*, campaign: Campaign, opens_on: dt.date, label: str | None = None) -> Round:
    """The round a new wave of the campaign goes into.

    A label HR chose must name a round that is not frozen. Without one, a survey of everyone
    (pulse, engagement, leadership) whose campaign has a wave open goes into that wave's round,
    where it asks only people not asked yet: a second click on "launch" must not ask everyone
    again. Otherwise the wave goes into the round of its month ("2026-08"), unless that round
    is frozen or, for a survey of everyone, already asked the same people; then into a round
    named after its day ("2026-08-14", then "2026-08-14-2", ...).
    """
    organization = campaign.organization
    if label:
        round_ = round_get_or_create(organization=organization, label=label)
        if round_is_frozen(round_=round_):
            raise RoundFrozen(round_)
        return round_
    label = round_label_for_wave(campaign=campaign, opens_on=opens_on)
    return round_get_or_create(organization=organization, label=label)


def round_open_for_campaign(*, campaign: Campaign) -> Round | None:
    """The round of the campaign's latest open wave, if it has one."""
    wave = (
        Wave.objects.filter(campaign=campaign, status="open")
        .select_related("round")
        .order_by("-round__sequence")
        .first()
    )
    return wave.round if wave else None


def round_label_for_wave(*, campaign: Campaign, opens_on: dt.date) -> str:
    """The label of the round a new wave of the campaign goes into when HR names none (see
    `round_for_wave`); the round may not exist yet. Creates nothing."""
    organization = campaign.organization
    if GROUP_OF_KIND[campaign.kind] in EVERYONE_KINDS:
        open_round = round_open_for_campaign(campaign=campaign)
        if open_round is not None and not round_is_frozen(round_=open_round):
            return open_round.label
    day = opens_on.isoformat()
    for candidate in [opens_on.strftime("%Y-%m"), day, *(f"{day}-{n}" for n in range(2, 100))]:
        existing = Round.objects.filter(organization=organization, label=candidate).first()
        if existing is None:
            return candidate
        if round_is_frozen(round_=existing):
            continue
        if GROUP_OF_KIND[campaign.kind] in EVERYONE_KINDS and (
            Wave.objects.filter(round=existing, campaign__kind__in=kinds_of_group(campaign.kind))
            .exclude(campaign__imported=True)
            .exists()
        ):
            continue
        return candidate
    raise ServiceError(f"Too many rounds on {day}; name the round explicitly.")


def rounds_for_import(
    *, organization: Organization, labels: Sequence[str]
) -> tuple[dict[str, Round], dict[str, str]]:
    """The rounds history rows go into, creating new ones; and a problem per refused label.

    A label may name a round that holds only imported history and is not frozen. A new label
    becomes a round older than every live round (placed just before the first of them, in
    the order the file names them); when it names a date, that date must be before that
    round's. Nothing is created when any label is refused.
    """
    existing = {r.label: r for r in Round.objects.filter(organization=organization)}
    protected = _first_live(organization)
    problems: dict[str, str] = {}
    new: list[str] = []
    for label in dict.fromkeys(labels):
        round_ = existing.get(label)
        if round_ is None:
            new.append(label)
        elif round_is_live(round_=round_):
            problems[label] = (
                f"the round {label} holds answers collected in culturesurvey; history can only "
                "go into new rounds older than every live round"
            )
        elif round_is_frozen(round_=round_):
            problems[label] = (
                f"the round {label} is frozen: a report of it or of a later round is published"
            )
    if protected is not None:
        limit = _round_date(protected)
        for label in new:
            when = label_date(label)
            if limit is not None and when is not None and when >= limit:
                problems[label] = (
                    f"history must be older than the round {protected.label}; {label} is not"
                )
    if problems:
        return {}, problems
    rounds = {label: existing[label] for label in labels if label in existing}
    if not new:
        return rounds, {}
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    if protected is None:
        top = Round.objects.filter(organization=organization).aggregate(top=Max("sequence"))["top"]
        start = (top or 0) + 1
    else:
        # Make room before the first live round; two steps keep the sequence unique at every
        # moment.
        start = protected.sequence
        later = Round.objects.filter(organization=organization, sequence__gte=start)
        shift = len(new)
        offset = (Round.objects.aggregate(top=Max("sequence"))["top"] or 0) + shift + 1
        later.update(sequence=F("sequence") + offset)
        Round.objects.filter(organization=organization, sequence__gte=start + offset).update(
            sequence=F("sequence") - offset + shift
        )
    for index, label in enumerate(new):
        rounds[label] = Round.objects.create(
            organization=organization, label=label, sequence=start + index
        )
    return rounds, {}


def _first_live(organization: Organization) -> Round | None:
    """The oldest live round: imported history stays older than it."""
    return (
        Round.objects.filter(organization=organization, waves__campaign__imported=False)
        .order_by("sequence")
        .first()
    )


def _round_date(round_: Round) -> dt.date | None:
    first = (
        Wave.objects.filter(round=round_, campaign__imported=False)
        .order_by("opens_on")
        .values_list("opens_on", flat=True)
        .first()
    )
    return first or label_date(round_.label)
