"""Reads. Every page and endpoint reaches an organization's data through these helpers, so a
user of another organization gets a 404 and a user without the role gets a 403, in one place."""

import datetime as dt
import functools
import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from core.confidentiality import hidden_key, visible_cells

from .errors import InvalidToken
from .models import (
    KIND_PERSPECTIVES,
    QUESTION_TYPE_RANGES,
    Campaign,
    CampaignQuestion,
    CompanyValue,
    Department,
    Employee,
    Invitation,
    InvitationToken,
    Membership,
    Organization,
    Question,
    Role,
    SurveyResponse,
    Wave,
    WaveStatus,
    tenure_band,
)

AnyUser = AbstractBaseUser | AnonymousUser
# PostgreSQL takes at most 65,535 parameters in a statement, and parameters are bound on the
# server (settings.py): a list of values for `__in` goes in chunks of this many.
IN_CHUNK = 10_000


def chunks(values: list, size: int = IN_CHUNK) -> Iterable[list]:
    """`values` in slices of `size`, for `__in` lookups over lists of any length."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


ALL_ROLES = (Role.HR_ADMIN, Role.LEADER)


def membership_get(*, user: AnyUser, slug: str, roles: Iterable[str] = ALL_ROLES) -> Membership:
    """The user's membership of the organization `slug`.

    404 when the user has no role there (another organization's data does not exist for them);
    403 when they have a role but not one of `roles`.
    """
    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("organization", "department")
        .filter(user=user, organization__slug=slug)
        .first()
    )
    if membership is None:
        raise Http404
    if membership.role not in roles:
        raise PermissionDenied
    return membership


def memberships_for_user(*, user: AnyUser) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.select_related("organization").filter(user=user)


def campaign_get_for_user(
    *, user: AnyUser, slug: str, campaign_id: int, roles: Iterable[str] = ALL_ROLES
) -> Campaign:
    membership = membership_get(user=user, slug=slug, roles=roles)
    campaign = Campaign.objects.filter(organization=membership.organization, pk=campaign_id).first()
    if campaign is None:
        raise Http404
    return campaign


def wave_get_for_user(
    *, user: AnyUser, slug: str, wave_id: int, roles: Iterable[str] = ALL_ROLES
) -> Wave:
    membership = membership_get(user=user, slug=slug, roles=roles)
    wave = (
        Wave.objects.select_related("campaign", "round")
        .filter(campaign__organization=membership.organization, pk=wave_id)
        .first()
    )
    if wave is None:
        raise Http404
    return wave


def employee_get_for_user(
    *, user: AnyUser, slug: str, employee_id: int, roles: Iterable[str] = (Role.HR_ADMIN,)
) -> Employee:
    membership = membership_get(user=user, slug=slug, roles=roles)
    employee = Employee.objects.filter(organization=membership.organization, pk=employee_id).first()
    if employee is None:
        raise Http404
    return employee


def questions_asked(*, organization: Organization) -> QuerySet[Question]:
    """Questions that have gone out in a survey (their campaign has a wave): their meaning
    (type, value, reverse scoring, perspective) may no longer change.

    Asked, not answered: HR admins edit questions, and a lock that turned on with the first
    answer would tell them that someone answered (in an exit survey whose one leaver is
    invited, that this leaver did)."""
    return Question.objects.filter(
        organization=organization, campaignquestion__campaign__waves__isnull=False
    ).distinct()


def department_subtree_ids(*, organization: Organization, department_id: int) -> set[int]:
    """The department and every department below it (one query; trees are small)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Department.objects.filter(organization=organization).values_list(
        "pk", "parent_id"
    ):
        children.setdefault(parent_id, []).append(pk)
    found, stack = set(), [department_id]
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children.get(pk, []))
    return found


def department_paths(*, organization: Organization) -> dict[int, str]:
    """Department id -> "Parent / Child" display path."""
    rows = {
        pk: (name, parent_id)
        for pk, name, parent_id in Department.objects.filter(organization=organization).values_list(
            "pk", "name", "parent_id"
        )
    }

    def path(pk: int, seen: frozenset[int] = frozenset()) -> str:
        name, parent_id = rows[pk]
        if parent_id is None or parent_id in seen or parent_id not in rows:
            return name
        return f"{path(parent_id, seen | {pk})} / {name}"

    return {pk: path(pk) for pk in rows}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invitation_get_by_token(*, token: str) -> Invitation:
    """The open, unanswered invitation a token belongs to.

    Raises InvalidToken for an unknown token, a used one and a closed wave alike.
    """
    if not token or len(token) > 128:
        raise InvalidToken
    link = (
        InvitationToken.objects.select_related(
            "invitation__wave__campaign__organization", "invitation__employee"
        )
        .filter(token_hash=token_hash(token))
        .first()
    )
    if link is None:
        raise InvalidToken
    invitation = link.invitation
    if invitation.answered or invitation.wave.status != WaveStatus.OPEN:
        raise InvalidToken
    return invitation


def _json_list(value: object) -> list:
    """A JSON column as a list (SQLite hands raw SQL the text, PostgreSQL the value)."""
    if isinstance(value, str):
        value = json.loads(value)
    return list(value or [])


def _date(value: object) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


# What storing an answer reads about a token, in one query over five tables.
TARGET_FIELDS = (
    "invitation_id",
    "invitation__wave_id",
    "invitation__wave__asked",
    "invitation__wave__campaign_id",
    "invitation__wave__campaign__kind",
    "invitation__wave__campaign__kept_attributes",
    "invitation__wave__campaign__organization__timezone",
    "invitation__employee_id",
    "invitation__employee__department_id",
    "invitation__employee__start_date",
    "invitation__employee__location",
    "invitation__employee__level",
)


TOKEN_PLACEHOLDER = "<token hash>"  # noqa: S105 (stands for the value bound at run time)


@functools.cache
def _target_statement(vendor: str) -> tuple[str, tuple]:
    """The token lookup as SQL and parameters, compiled once per database by the ORM (so from
    the models' metadata). Compiling this five-table query cost more than running it: about
    2.5 ms of CPU per answer on survey day, against 0.2 ms to run it."""
    query = (
        InvitationToken.objects.filter(
            token_hash=TOKEN_PLACEHOLDER,
            invitation__answered=False,
            invitation__wave__status=WaveStatus.OPEN,
        )
        .values_list(*TARGET_FIELDS)
        .order_by()[:1]
    )
    return query.query.get_compiler(connection=connection).as_sql()


@dataclass(frozen=True)
class SubmissionTarget:
    """What storing an answer needs to know about a token, and nothing more."""

    invitation_id: int
    wave_id: int
    asked: list[int]
    campaign_id: int
    kind: str
    kept_attributes: list[str]
    timezone: str
    has_employee: bool
    department_id: int | None
    start_date: dt.date | None
    location: str
    level: str


def submission_target_by_token(*, token: str) -> SubmissionTarget:
    """The open, unanswered invitation of a token, as plain values (one query, compiled once).

    Raises InvalidToken for an unknown token, a used one and a closed wave alike, exactly as
    invitation_get_by_token does for the survey page.
    """
    if not token or len(token) > 128:
        raise InvalidToken
    sql, params = _target_statement(connection.vendor)
    wanted = token_hash(token)
    with connection.cursor() as cursor:
        cursor.execute(sql, [wanted if p == TOKEN_PLACEHOLDER else p for p in params])
        row = cursor.fetchone()
    if row is None:
        raise InvalidToken
    (
        invitation,
        wave,
        asked,
        campaign,
        kind,
        kept,
        zone,
        employee,
        department,
        start,
        location,
        level,
    ) = row
    return SubmissionTarget(
        invitation_id=invitation,
        wave_id=wave,
        asked=_json_list(asked),
        campaign_id=campaign,
        kind=kind,
        kept_attributes=_json_list(kept),
        timezone=zone,
        has_employee=employee is not None,
        department_id=department,
        start_date=_date(start),
        location=location or "",
        level=level or "",
    )


@dataclass(frozen=True)
class QuestionSpec:
    """The part of a question that checking an answer needs."""

    id: int
    code: str
    type: str
    choices: list[str]

    @property
    def answer_range(self) -> tuple[int, int] | None:
        return QUESTION_TYPE_RANGES.get(self.type)


# Questions of a wave change rarely, and never in meaning once answered; keeping them a few
# seconds spares a query on every submission of survey day.
QUESTION_CACHE_SECONDS = 30
_question_cache: dict[tuple[int, tuple[int, ...]], tuple[float, list["QuestionSpec"]]] = {}


def submission_questions(*, campaign_id: int, asked: list[int]) -> list[QuestionSpec]:
    """The questions a wave asks, in order, as plain values (one query, then cached briefly)."""
    key = (campaign_id, tuple(sorted(asked)))
    now = time.monotonic()
    cached = _question_cache.get(key)
    if cached and cached[0] > now:
        return cached[1]
    rows = (
        CampaignQuestion.objects.filter(campaign_id=campaign_id)
        .order_by("position", "id")
        .values_list("question_id", "question__code", "question__type", "question__choices")
    )
    wanted = set(asked)
    specs = [
        QuestionSpec(id=pk, code=code, type=kind, choices=list(choices or []))
        for pk, code, kind, choices in rows
        if not wanted or pk in wanted
    ]
    if len(_question_cache) > 1000:
        _question_cache.clear()
    _question_cache[key] = (now + QUESTION_CACHE_SECONDS, specs)
    return specs


@dataclass(frozen=True)
class AnsweredCount:
    """How many of a group answered, as HR admins and leaders may see it."""

    number: int | None  # None: not shown
    hidden: str  # why not: "" (shown), "few" (fewer than k), "few_left" (fewer than k have not)


def answered_count(*, answered: int, invited: int | None, k: int) -> AnsweredCount:
    """A group's answered count as anyone may see it.

    Shown when at least k answered and at least k have not, or when nobody answered of at
    least k invited. Otherwise the count, watched as it moves or set beside who was invited,
    would tell who answered: from 1 to k - 1 in a small wave (an exit wave, whose leavers
    are invited one at a time), everyone when all answered, and the one invited next when all
    before them had. `invited` None: imported history, which invited nobody; its number of
    responses is shown from k on.
    """
    if invited is None:
        return AnsweredCount(answered, "") if answered >= k else AnsweredCount(None, "few")
    if answered == 0:
        return AnsweredCount(0, "") if invited >= k else AnsweredCount(None, "few")
    if answered < k:
        return AnsweredCount(None, "few")
    if invited - answered < k:
        return AnsweredCount(None, "few_left")
    return AnsweredCount(answered, "")


def wave_response_counts(*, waves: Iterable[Wave]) -> dict[int, dict[str, int | float | None]]:
    """Per wave, what HR admins and leaders may see of who answered: totals only.

    `invited`; `answered` and `rate` (percent) as `answered_count` allows, else None, with
    `hidden` saying why ("few", "few_left"); and `reminders`, the reminder emails sent, given
    only with `answered` (those sent on a reminder day are those who had not answered).
    Imported history has no invitations: its `answered` is its number of responses.
    """
    waves = list(waves)
    ids = [w.pk for w in waves]
    rows = {
        row["wave_id"]: row
        for row in Invitation.objects.filter(wave_id__in=ids)
        .values("wave_id")
        .annotate(
            invited=Count("id"),
            answered=Count("id", filter=Q(answered=True)),
            reminders=Sum("reminders_sent"),
        )
    }
    imported = [w.pk for w in waves if w.campaign.imported]
    responses = dict(
        SurveyResponse.objects.filter(wave_id__in=imported)
        .values("wave_id")
        .annotate(n=Count("id"))
        .values_list("wave_id", "n")
    )
    counts: dict[int, dict[str, int | float | None]] = {}
    for wave in waves:
        row = rows.get(wave.pk, {})
        invited = row.get("invited", 0)
        if wave.campaign.imported:
            seen = answered_count(
                answered=responses.get(wave.pk, 0), invited=None, k=wave.campaign.min_group_size
            )
        else:
            seen = answered_count(
                answered=row.get("answered", 0), invited=invited, k=wave.campaign.min_group_size
            )
        shown = seen.number is not None
        counts[wave.pk] = {
            "invited": invited,
            "answered": seen.number,
            "hidden": seen.hidden,
            "rate": 100 * seen.number / invited if shown and invited else None,
            "reminders": (row.get("reminders") or 0) if shown else None,
        }
    return counts


def wave_response_rates(*, wave: Wave, k: int) -> dict:
    """Invited, answered and the rate for the wave and per segment of the invited people.

    The wave's answered count shows as `answered_count` allows. Per-segment answered counts
    follow the same rules as every figure: a count below k, or one that would let a small
    count be worked out from the total, shows as hidden (None); and, as for the wave, so does
    a segment where fewer than k have not answered (at 100% it would say that each of its
    people answered).
    """
    rows = list(
        Invitation.objects.filter(wave=wave).values_list(
            "answered",
            "employee__department_id",
            "employee__location",
            "employee__level",
            "employee__start_date",
        )
    )
    total_invited = len(rows)
    total_answered = sum(1 for row in rows if row[0])
    seen = answered_count(answered=total_answered, invited=total_invited, k=k)
    shown = seen.number
    paths = department_paths(organization=wave.campaign.organization)
    top: dict[int, int] = {}
    parents = dict(
        Department.objects.filter(organization=wave.campaign.organization).values_list(
            "pk", "parent_id"
        )
    )
    for pk in parents:
        node = pk
        while parents.get(node):
            node = parents[node]
        top[pk] = node
    dimensions = {
        "department": lambda r: paths.get(top.get(r[1])) if r[1] else None,
        "location": lambda r: r[2] or None,
        "level": lambda r: r[3] or None,
        "tenure_band": lambda r: tenure_band(start_date=r[4], on_date=wave.opens_on) or None,
    }
    result = {
        "invited": total_invited,
        "answered": shown,
        "hidden": seen.hidden,
        "rate": (100 * shown / total_invited) if shown is not None and total_invited else None,
        "dimensions": [],
    }
    for name, key in dimensions.items():
        invited: dict[str, int] = {}
        answered: dict[str, int] = {}
        for row in rows:
            segment = key(row)
            label = segment if segment is not None else hidden_key("unknown")
            invited[label] = invited.get(label, 0) + 1
            answered[label] = answered.get(label, 0) + (1 if row[0] else 0)
        # A segment where fewer than k have not answered takes part as a hidden cell, so that
        # complementary suppression protects it like a small one.
        cell = {
            label: label if label.startswith("__") or invited[label] - n >= k else hidden_key(label)
            for label, n in answered.items()
        }
        decisions = visible_cells(
            parent_n=total_answered,
            cells={cell[label]: n for label, n in answered.items()},
            k=k,
            parent_shown=shown is not None,
        )
        segments = [
            {
                "label": label,
                "invited": invited[label],
                "answered": answered[label] if decisions[cell[label]].shown else None,
                "rate": 100 * answered[label] / invited[label]
                if decisions[cell[label]].shown and invited[label]
                else None,
            }
            for label in sorted(invited)
            if not label.startswith("__")
        ]
        if segments:
            result["dimensions"].append({"name": name, "segments": segments})
    return result


# --- What the HR pages list -----------------------------------------------------------------


def campaigns_with_wave_counts(*, organization: Organization) -> QuerySet[Campaign]:
    return Campaign.objects.filter(organization=organization).annotate(
        wave_count=Count("waves", distinct=True)
    )


def waves_recent(*, organization: Organization, limit: int = 12) -> list[Wave]:
    """The latest rounds' waves first."""
    return list(
        Wave.objects.filter(campaign__organization=organization)
        .select_related("campaign", "round")
        .order_by("-round__sequence", "campaign__name", "-number")[:limit]
    )


def employee_count(*, organization: Organization) -> int:
    return Employee.objects.filter(organization=organization).count()


def employees_search(*, organization: Organization, query: str = "") -> QuerySet[Employee]:
    employees = Employee.objects.filter(organization=organization).select_related("department")
    if query:
        employees = employees.filter(Q(email__icontains=query) | Q(name__icontains=query))
    return employees


def company_values(*, organization: Organization) -> QuerySet[CompanyValue]:
    return CompanyValue.objects.filter(organization=organization).prefetch_related("questions")


def company_value_get(*, organization: Organization, code: str) -> CompanyValue:
    value = CompanyValue.objects.filter(organization=organization, code=code).first()
    if value is None:
        raise Http404
    return value


def questions_general(*, organization: Organization) -> QuerySet[Question]:
    """Questions measuring no value: eNPS, intent to stay, exit items, comments."""
    return Question.objects.filter(organization=organization, value__isnull=True)


def questions_fitting_kind(*, organization: Organization, kind: str) -> list[Question]:
    """The questions a campaign of this kind may ask, value by value."""
    return list(
        Question.objects.filter(organization=organization, perspective__in=KIND_PERSPECTIVES[kind])
        .select_related("value")
        .order_by("value__position", "value_id", "position", "pk")
    )


def questions_in_order(*, organization: Organization, ids: list[int]) -> list[Question]:
    """The organization's questions with these ids, in the order given."""
    order = {pk: i for i, pk in enumerate(ids)}
    found = Question.objects.filter(organization=organization, pk__in=ids).select_related("value")
    return sorted(found, key=lambda q: order[q.pk])


def values_measured_count(*, question_ids: list[int]) -> int:
    return CompanyValue.objects.filter(questions__pk__in=question_ids).distinct().count()


def responses_imported_count(*, organization: Organization) -> int:
    return SurveyResponse.objects.filter(
        wave__campaign__organization=organization, wave__campaign__imported=True
    ).count()


def campaign_waves(*, campaign: Campaign) -> list[Wave]:
    return list(campaign.waves.select_related("round", "campaign"))


def wave_invitations(*, wave: Wave) -> QuerySet[Invitation]:
    return wave.invitations.order_by("email")


def wave_invited_count(*, campaign: Campaign) -> int:
    """How many the campaign's latest wave invited."""
    return Invitation.objects.filter(
        wave=Wave.objects.filter(campaign=campaign).order_by("-number").first()
    ).count()
