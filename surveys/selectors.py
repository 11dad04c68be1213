"""Reads. Every page and endpoint reaches an organization's data through these helpers, so a
user of another organization gets a 404 and a user without the role gets a 403, in one place."""

import datetime as dt
import functools
import hashlib
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404

from core.confidentiality import hidden_key, visible_cells
from core.filters import filter_apply

from .errors import InvalidToken
from .filters import CampaignFilter, EmployeeFilter, QuestionFilter, WaveFilter
from .models import (
    KIND_PERSPECTIVES,
    QUESTION_TYPE_RANGES,
    AccessInvite,
    ApiToken,
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
    QuestionType,
    Role,
    Round,
    SurveyResponse,
    TenureBand,
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


# --- The caller's reach ------------------------------------------------------------------------


class Reach(Protocol):
    """Who reads, as every selector below takes it. A page's `Membership` and the API's
    `ApiAccess` both have this shape, so pages and endpoints reach data through the same
    selectors: the organization, the role (an API token acts as an HR admin) and the
    department subtree a leader is limited to (None: the whole organization)."""

    @property
    def organization(self) -> Organization: ...

    @property
    def role(self) -> str: ...

    @property
    def department_id(self) -> int | None: ...


HR_ONLY = (Role.HR_ADMIN,)


def reach_require(*, reach: Reach, roles: Iterable[str]) -> None:
    """403 unless the caller holds one of `roles`: what only HR admins may read stays so even
    for a caller that came in through a wider gate."""
    if reach.role not in roles:
        raise PermissionDenied


def _one(queryset: QuerySet, **lookup: object):
    found = queryset.filter(**lookup).first()
    if found is None:
        raise Http404
    return found


# --- Departments -------------------------------------------------------------------------------


def departments_list(*, reach: Reach) -> QuerySet[Department]:
    return Department.current.filter(organization=reach.organization).select_related("parent")


def department_get(*, reach: Reach, department_id: int) -> Department:
    return _one(departments_list(reach=reach), pk=department_id)


def department_by_name(*, organization: Organization, name: str) -> Department | None:
    return Department.current.filter(organization=organization, name=name).first()


def department_uses(*, department_ids: list[int]) -> dict[int, dict[str, int]]:
    """Department id -> what uses it and how often ({"people on the roster": 3}), empty for a
    department nothing uses: what keeps a department from being deleted."""
    uses: dict[int, dict[str, int]] = {pk: {} for pk in department_ids}
    counted = [
        ("departments below it", Department.current, "parent_id"),
        ("people on the roster", Employee.objects, "department_id"),
        ("people with access scoped to it", Membership.objects, "department_id"),
        (
            "pending invitations",
            AccessInvite.objects.filter(accepted_at=None, revoked_at=None),
            "department_id",
        ),
        ("campaigns", Campaign.objects, "audience_department_id"),
    ]
    for label, manager, column in counted:
        rows = (
            manager.filter(**{f"{column}__in": department_ids})
            .values_list(column)
            .annotate(n=Count("pk"))
            .order_by()
        )
        for pk, n in rows:
            uses[pk][label] = n
    return uses


# What uses a department, in the plural (department_uses) and the singular.
ONE_USE = {
    "departments below it": "department below it",
    "people on the roster": "person on the roster",
    "people with access scoped to it": "person with access scoped to it",
    "pending invitations": "pending invitation",
    "campaigns": "campaign",
}


def department_uses_text(uses: dict[str, int]) -> str:
    """ "4 people on the roster, 1 department below it"."""
    return ", ".join(f"{n} {ONE_USE[what] if n == 1 else what}" for what, n in uses.items())


def department_tree(*, reach: Reach) -> list[dict[str, Any]]:
    """The organization's departments in tree order (each after its parent, siblings by name),
    each as {"department", "depth", "path", "uses"} (HR admins)."""
    reach_require(reach=reach, roles=HR_ONLY)
    departments = list(Department.current.filter(organization=reach.organization))
    children: dict[int | None, list[Department]] = {}
    for department in departments:
        children.setdefault(department.parent_id, []).append(department)
    uses = department_uses(department_ids=[d.pk for d in departments])
    paths = department_paths(organization=reach.organization)
    ordered: list[dict[str, Any]] = []
    stack = [(d, 0) for d in reversed(children.get(None, []))]
    while stack:
        department, depth = stack.pop()
        ordered.append(
            {
                "department": department,
                "depth": depth,
                "path": paths[department.pk],
                "uses": uses[department.pk],
                "uses_text": department_uses_text(uses[department.pk]),
            }
        )
        stack.extend((c, depth + 1) for c in reversed(children.get(department.pk, [])))
    return ordered


# --- The roster (HR admins) ----------------------------------------------------------------


def employees_list(*, reach: Reach, filters: Mapping[str, Any] | None = None) -> QuerySet[Employee]:
    """The roster, filtered by `filters` (EmployeeFilter's query parameters)."""
    reach_require(reach=reach, roles=HR_ONLY)
    employees = Employee.objects.filter(organization=reach.organization).select_related(
        "department"
    )
    return filter_apply(EmployeeFilter, employees, filters)


def employee_get(*, reach: Reach, employee_id: int) -> Employee:
    return _one(employees_list(reach=reach), pk=employee_id)


def employee_get_by_email(*, reach: Reach, email: str) -> Employee | None:
    return employees_list(reach=reach).filter(email=email).first()


def employee_ids_by_email(*, organization: Organization, emails: list[str]) -> dict[str, int]:
    """Roster email -> employee id, for those of `emails` on the roster."""
    found: dict[str, int] = {}
    for part in chunks(emails):
        found |= dict(
            Employee.objects.filter(organization=organization, email__in=part).values_list(
                "email", "pk"
            )
        )
    return found


def employee_count(*, reach: Reach) -> int:
    return Employee.objects.filter(organization=reach.organization).count()


# --- Campaigns and waves -------------------------------------------------------------------


def campaigns_list(*, reach: Reach, filters: Mapping[str, Any] | None = None) -> QuerySet[Campaign]:
    """The organization's campaigns, newest first, each with its questions in the order asked
    (`campaignquestion_set`), filtered by `filters` (CampaignFilter's query parameters)."""
    campaigns = (
        Campaign.objects.filter(organization=reach.organization)
        .select_related("audience_department")
        .prefetch_related(
            Prefetch(
                "campaignquestion_set",
                queryset=CampaignQuestion.objects.select_related("question").order_by(
                    "position", "id"
                ),
            )
        )
    )
    return filter_apply(CampaignFilter, campaigns, filters)


def campaigns_overview(*, reach: Reach) -> QuerySet[Campaign]:
    """The organization's campaigns with their number of waves (`wave_count`)."""
    return Campaign.objects.filter(organization=reach.organization).annotate(
        wave_count=Count("waves", distinct=True)
    )


def campaign_get(*, reach: Reach, campaign_id: int) -> Campaign:
    return _one(campaigns_list(reach=reach), pk=campaign_id)


def waves_list(*, reach: Reach, filters: Mapping[str, Any] | None = None) -> QuerySet[Wave]:
    """Every wave of the organization's campaigns, newest first, filtered by `filters`
    (WaveFilter's query parameters)."""
    waves = (
        Wave.objects.filter(campaign__organization=reach.organization)
        .select_related("campaign__organization", "round")
        .order_by("-opens_on", "-id")
    )
    return filter_apply(WaveFilter, waves, filters)


def waves_recent(*, reach: Reach, limit: int = 12) -> list[Wave]:
    """The newest waves, by round, for an overview."""
    return list(
        Wave.objects.filter(campaign__organization=reach.organization)
        .select_related("campaign", "round")
        .order_by("-round__sequence", "campaign__name", "-number")[:limit]
    )


def imported_response_count(*, reach: Reach) -> int:
    """Responses imported as history from another tool."""
    return SurveyResponse.objects.filter(
        wave__campaign__organization=reach.organization, wave__campaign__imported=True
    ).count()


def wave_get(*, reach: Reach, wave_id: int) -> Wave:
    return _one(waves_list(reach=reach), pk=wave_id)


def wave_invitation_counts(*, reach: Reach, wave: Wave) -> dict[str, int | None]:
    """How many were invited, answered (as `answered_count` allows) and were sent their
    email: counts, never names (HR admins)."""
    reach_require(reach=reach, roles=HR_ONLY)
    counts = wave_response_counts(waves=[wave])[wave.pk]
    sent = wave.invitations.filter(sent_at__isnull=False).count()
    return {
        "invited": counts["invited"],
        "answered": counts["answered"],
        "sent": sent,
        "not_sent": counts["invited"] - sent,
    }


def wave_invitation_total(*, wave: Wave) -> int:
    return wave.invitations.count()


# --- Values and questions ------------------------------------------------------------------


def values_list(*, reach: Reach) -> QuerySet[CompanyValue]:
    """The organization's values, in order, each with its questions."""
    return CompanyValue.objects.filter(organization=reach.organization).prefetch_related(
        Prefetch("questions", queryset=Question.objects.select_related("value", "pairs_with"))
    )


def value_get(*, reach: Reach, code: str) -> CompanyValue:
    return _one(values_list(reach=reach), code=code)


def value_exists(*, organization: Organization, code: str) -> bool:
    return CompanyValue.objects.filter(organization=organization, code=code).exists()


def value_count(*, reach: Reach) -> int:
    return CompanyValue.objects.filter(organization=reach.organization).count()


def questions_list(*, reach: Reach, filters: Mapping[str, Any] | None = None) -> QuerySet[Question]:
    """The organization's questions, filtered by `filters` (QuestionFilter's query
    parameters)."""
    questions = Question.objects.filter(organization=reach.organization).select_related(
        "value", "pairs_with"
    )
    return filter_apply(QuestionFilter, questions, filters)


def question_get(*, reach: Reach, code: str) -> Question:
    return _one(questions_list(reach=reach), code=code)


def question_exists(*, organization: Organization, code: str) -> bool:
    return Question.objects.filter(organization=organization, code=code).exists()


def questions_by_code(*, organization: Organization, codes: list[str]) -> dict[str, Question]:
    return {q.code: q for q in Question.objects.filter(organization=organization, code__in=codes)}


def question_homes(
    *, organization: Organization, outside: CompanyValue | None = None
) -> dict[str, str]:
    """Question code -> where it lives (a value, or the general questions), for the
    organization's questions outside the value `outside`."""
    questions = Question.objects.filter(organization=organization).select_related("value")
    if outside is not None:
        questions = questions.exclude(value=outside)
    return {
        q.code: (f'value "{q.value.code}"' if q.value else "the general questions")
        for q in questions
    }


# --- API tokens ----------------------------------------------------------------------------


def api_tokens_list(*, reach: Reach) -> QuerySet[ApiToken]:
    reach_require(reach=reach, roles=HR_ONLY)
    return ApiToken.objects.filter(organization=reach.organization)


def api_token_get(*, reach: Reach, token_id: int) -> ApiToken:
    return _one(api_tokens_list(reach=reach), pk=token_id)


def api_token_by_value(*, token: str) -> ApiToken | None:
    """The live (unrevoked) API token with this value, with its organization: how a request
    made with a token finds who it is."""
    return (
        ApiToken.objects.select_related("organization")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .first()
    )


# --- People with access, and the first run --------------------------------------------------


def setup_is_open() -> bool:
    """A fresh install: no organization and no user yet, so the first-run page is open."""
    return not Organization.objects.exists() and not get_user_model().objects.exists()


def user_by_email(*, email: str) -> AbstractBaseUser | None:
    """The account of this email (or of this username, for accounts made before sign-in by
    email), if any."""
    users = get_user_model().objects
    email = email.strip()
    return (
        users.filter(email__iexact=email).order_by("pk").first()
        or users.filter(username__iexact=email).first()
    )


def members_list(*, reach: Reach) -> QuerySet[Membership]:
    reach_require(reach=reach, roles=HR_ONLY)
    return (
        Membership.objects.filter(organization=reach.organization)
        .select_related("user", "department")
        .order_by("role", "user__email", "user__username")
    )


def member_get(*, reach: Reach, membership_id: int) -> Membership:
    return _one(members_list(reach=reach), pk=membership_id)


def access_invites_pending(*, reach: Reach) -> QuerySet[AccessInvite]:
    reach_require(reach=reach, roles=HR_ONLY)
    return AccessInvite.objects.filter(
        organization=reach.organization, accepted_at=None, revoked_at=None
    ).select_related("department", "invited_by")


def access_invite_get(*, reach: Reach, invite_id: int) -> AccessInvite:
    return _one(access_invites_pending(reach=reach), pk=invite_id)


def setup_checklist(*, reach: Reach) -> list[dict[str, Any]]:
    """The first steps of a new organization, each with whether it is done (HR admins)."""
    reach_require(reach=reach, roles=HR_ONLY)
    org = reach.organization
    others = Membership.objects.filter(organization=org).count() > 1
    invited = AccessInvite.objects.filter(organization=org, revoked_at=None).exists()
    return [
        {"step": "values", "done": CompanyValue.objects.filter(organization=org).exists()},
        {"step": "departments", "done": Department.current.filter(organization=org).exists()},
        {"step": "roster", "done": Employee.objects.filter(organization=org).exists()},
        {"step": "people", "done": others or invited},
        {
            "step": "campaign",
            "done": Campaign.objects.filter(organization=org, imported=False).exists(),
        },
    ]


# --- The pages' shortcuts: the member's reach, then the same selectors -------------------------


def campaign_get_for_user(
    *, user: AnyUser, slug: str, campaign_id: int, roles: Iterable[str] = ALL_ROLES
) -> Campaign:
    membership = membership_get(user=user, slug=slug, roles=roles)
    return campaign_get(reach=membership, campaign_id=campaign_id)


def wave_get_for_user(
    *, user: AnyUser, slug: str, wave_id: int, roles: Iterable[str] = ALL_ROLES
) -> Wave:
    membership = membership_get(user=user, slug=slug, roles=roles)
    return wave_get(reach=membership, wave_id=wave_id)


def employee_get_for_user(
    *, user: AnyUser, slug: str, employee_id: int, roles: Iterable[str] = HR_ONLY
) -> Employee:
    membership = membership_get(user=user, slug=slug, roles=roles)
    return employee_get(reach=membership, employee_id=employee_id)


def questions_asked(*, organization: Organization) -> QuerySet[Question]:
    """Questions that have gone out in a survey (their campaign has a wave): their meaning
    (type, value, reverse scoring, perspective) may no longer change.

    Asked, not answered: HR admins edit questions, and a lock that turned on with the first
    answer would tell them that someone answered (in an exit survey whose one leaver is
    invited, that this leaver did)."""
    return Question.objects.filter(
        organization=organization, campaignquestion__campaign__waves__isnull=False
    ).distinct()


def _subtree(children: dict[int | None, list[int]], root: int) -> set[int]:
    found, stack = set(), [root]
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children.get(pk, []))
    return found


def department_subtree_ids(*, organization: Organization, department_id: int) -> set[int]:
    """The department and every department below it (one query; trees are small)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Department.objects.filter(organization=organization).values_list(
        "pk", "parent_id"
    ):
        children.setdefault(parent_id, []).append(pk)
    return _subtree(children, department_id)


def department_subtree(*, organization: Organization, department_id: int) -> dict[int, str]:
    """The organization's department and every department below it, by id, with their names
    (one query)."""
    children: dict[int | None, list[int]] = {}
    names: dict[int, str] = {}
    for pk, parent_id, name in Department.objects.filter(organization=organization).values_list(
        "pk", "parent_id", "name"
    ):
        children.setdefault(parent_id, []).append(pk)
        names[pk] = name
    return {pk: names[pk] for pk in _subtree(children, department_id) if pk in names}


def department_paths(*, organization: Organization, current: bool = False) -> dict[int, str]:
    """Department id -> "Parent / Child" display path; with `current`, of the tree's
    departments only (not of deleted ones, which only history still names)."""
    rows = {
        pk: (name, parent_id, deleted_at)
        for pk, name, parent_id, deleted_at in Department.objects.filter(
            organization=organization
        ).values_list("pk", "name", "parent_id", "deleted_at")
    }

    def path(pk: int, seen: frozenset[int] = frozenset()) -> str:
        name, parent_id, _deleted_at = rows[pk]
        if parent_id is None or parent_id in seen or parent_id not in rows:
            return name
        return f"{path(parent_id, seen | {pk})} / {name}"

    return {pk: path(pk) for pk, row in rows.items() if not (current and row[2])}


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


def segment_name(attribute: str, label: str) -> str:
    """A segment as people read it: "1 to 2 years", not the stored band "1_2y"."""
    if attribute == "tenure_band" and label in TenureBand.values:
        return str(TenureBand(label).label)
    return label


def segment_order(attribute: str, label: str) -> tuple:
    """Tenure bands from the newest people up; other segments alphabetically."""
    if attribute == "tenure_band" and label in TenureBand.values:
        return (TenureBand.values.index(label), label)
    return (0, label)


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
            for label in sorted(invited, key=lambda label: segment_order(name, label))
            if not label.startswith("__")
        ]
        if segments:
            result["dimensions"].append({"name": name, "segments": segments})
    return result


# --- What the HR pages list -----------------------------------------------------------------


def questions_fitting_kind(*, organization: Organization, kind: str) -> list[Question]:
    """The questions a campaign of this kind may ask, value by value, then those measuring no
    value, free-text comments last, a value's comment box too (databases disagree on where NULL
    values sort, so the order is made here)."""
    found = (
        Question.objects.filter(organization=organization, perspective__in=KIND_PERSPECTIVES[kind])
        .select_related("value")
        .order_by("position", "pk")
    )
    return sorted(
        found,
        key=lambda q: (
            q.type == QuestionType.TEXT,
            q.value_id is None,
            (q.value.position, q.value_id) if q.value else (0, 0),
        ),
    )


def questions_in_order(*, organization: Organization, ids: list[int]) -> list[Question]:
    """The organization's questions with these ids, in the order given."""
    order = {pk: i for i, pk in enumerate(ids)}
    found = Question.objects.filter(organization=organization, pk__in=ids).select_related("value")
    return sorted(found, key=lambda q: order[q.pk])


def values_measured_count(*, question_ids: list[int]) -> int:
    return CompanyValue.objects.filter(questions__pk__in=question_ids).distinct().count()


def campaign_waves(*, campaign: Campaign) -> list[Wave]:
    return list(campaign.waves.select_related("round", "campaign"))


def round_waves_open(*, round_: Round) -> list[Wave]:
    """The round's waves still taking answers, leadership first (its answers are the other
    half of every gap)."""
    waves = Wave.objects.filter(round=round_, status=WaveStatus.OPEN, campaign__imported=False)
    return sorted(
        waves.select_related("campaign", "round"),
        key=lambda w: (w.campaign.kind != "leadership", w.campaign.name, w.number),
    )


def round_open_waves_besides(*, wave: Wave) -> list[Wave]:
    """The other waves of the wave's round that are still open."""
    return [w for w in round_waves_open(round_=wave.round) if w.pk != wave.pk]


def round_get_for_user(
    *, user: AnyUser, slug: str, label: str, roles: Iterable[str] = ALL_ROLES
) -> Round:
    """A round of an organization the user may act in (404 otherwise, 403 without the role)."""
    membership = membership_get(user=user, slug=slug, roles=roles)
    found = Round.objects.filter(organization=membership.organization, label=label).first()
    if found is None:
        raise Http404
    return found


def wave_invitations(*, wave: Wave) -> QuerySet[Invitation]:
    return wave.invitations.order_by("email")


def wave_invited_count(*, campaign: Campaign) -> int:
    """How many the campaign's latest wave invited."""
    return Invitation.objects.filter(
        wave=Wave.objects.filter(campaign=campaign).order_by("-number").first()
    ).count()
