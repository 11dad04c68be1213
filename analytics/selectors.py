"""Reads for the gap analysis: the answers of a round and its history, as arrays.

Answers are loaded with one query per wave, one row per response (the database gathers each
response's answers), streamed in batches straight into numpy arrays, never as model objects.
The result (`ReportInput`) is plain data the engine turns into a report without touching the
database.
"""

import datetime as dt
import hashlib
import itertools
import json
import operator
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from core.filters import filter_apply
from surveys.models import (
    GROUP_OF_KIND,
    Answer,
    CampaignQuestion,
    CompanyValue,
    Department,
    Organization,
    Question,
    Round,
    SurveyResponse,
    Wave,
    WaveStatus,
)
from surveys.selectors import Reach, department_subtree
from surveys.services.rounds import label_date
from surveys.translations import translated

from . import stats
from .filters import AccessLogFilter, ReportActionFilter
from .models import AccessLog, Action, AnalysisJob, JobStatus, ReportSnapshot
from .report.legacy import is_legacy, upgrade
from .report.schema import ALL, Report, department_segment

GROUPS = ("leadership", "lived", "onboarding", "exit")
ROWS_PER_FETCH = 10_000  # responses per batch read from the database


@dataclass(frozen=True)
class QuestionMeta:
    column: int
    id: int
    code: str
    value: str | None  # value code
    perspective: str
    type: str
    reverse: bool
    outcome: str
    pairs_with: str | None  # code of the expected twin, for onboarding_found items


@dataclass
class ResponseSet:
    """Responses of one group across rounds: one row each."""

    round_index: np.ndarray  # position of the row's round in ReportInput.rounds
    department: np.ndarray  # department id, -1 when not kept
    tenure_band: np.ndarray  # str, "" when not kept
    location: np.ndarray
    level: np.ndarray
    language: np.ndarray  # the language answered in, "" when not kept
    numbers: np.ndarray  # (rows x questions) float, NaN = unanswered
    asked: np.ndarray  # (rows x questions) bool: the question was in the row's survey
    imported: np.ndarray  # bool: history from another tool (it never counts towards k)
    texts: list[tuple[int, int, str]] = field(default_factory=list)  # (row, column, text)

    @property
    def size(self) -> int:
        return int(self.round_index.size)

    def rows(self, mask: np.ndarray) -> "ResponseSet":
        keep = np.flatnonzero(mask)
        position = np.cumsum(mask) - 1  # each kept row's index among the kept
        return ResponseSet(
            round_index=self.round_index[keep],
            department=self.department[keep],
            tenure_band=self.tenure_band[keep],
            location=self.location[keep],
            level=self.level[keep],
            language=self.language[keep],
            numbers=self.numbers[keep],
            asked=self.asked[keep],
            imported=self.imported[keep],
            texts=[(int(position[r]), c, t) for r, c, t in self.texts if mask[r]],
        )


@dataclass
class RoundInfo:
    id: int
    label: str
    sequence: int
    # The day the round began: its first live wave's opening day, or for imported history the
    # day its label names (2025-11 -> 2025-11-01); None when neither is known.
    starts_on: dt.date | None


# A value's texts in one language: (name, claim, description, texts of its employee items).
ValueTexts = tuple[str, str, str, list[str]]


@dataclass
class ReportInput:
    organization_slug: str
    organization_name: str
    min_group_size: int
    rounds: list[RoundInfo]  # up to and including the report's round, oldest first
    values: list[tuple[str, str]]  # (code, name), in the organization's order
    questions: list[QuestionMeta]
    departments: dict[int, tuple[str, int | None]]  # id -> (name, parent id)
    groups: dict[str, ResponseSet]
    fingerprint: str
    # Per value code, per language it is written in: its texts, which comments are matched to.
    value_texts: dict[str, list[ValueTexts]] = field(default_factory=dict)

    @property
    def current(self) -> int:
        return len(self.rounds) - 1


def round_latest_reportable(*, organization: Organization) -> Round | None:
    """The newest round with a closed wave that has responses."""
    return (
        Round.objects.filter(
            organization=organization,
            waves__status=WaveStatus.CLOSED,
            waves__sealed_at__isnull=False,
            waves__responses__isnull=False,
        )
        .order_by("-sequence")
        .first()
    )


def rounds_reported(*, organization: Organization) -> QuerySet[Round]:
    """The organization's rounds that have a report snapshot, newest first."""
    return (
        Round.objects.filter(organization=organization, report_snapshots__isnull=False)
        .distinct()
        .order_by("-sequence")
    )


def rounds_with_snapshot(*, organization: Organization) -> list[Round]:
    """The organization's rounds that have a report snapshot, newest first, each with its
    newest snapshot (without its data and cells, the large parts) as `round_.snapshot`.

    One query for what the report page asks of every view: the round picker and the snapshot
    shown (`rounds_reported` and `snapshot_of_round` ask the same in two or more)."""
    snapshots = (
        ReportSnapshot.objects.filter(round__organization=organization)
        .defer("data", "cells")
        .select_related("round")
        .order_by("-round__sequence", "-created_at", "-id")
    )
    rounds: dict[int, Round] = {}
    for snapshot in snapshots:
        if snapshot.round_id not in rounds:  # the newest of its round
            snapshot.round.snapshot = snapshot
            rounds[snapshot.round_id] = snapshot.round
    return list(rounds.values())


def snapshot_of_round(*, round_: Round, with_data: bool = True) -> ReportSnapshot | None:
    """The round's newest snapshot; without its data and cells (the large parts) when the
    caller has them from elsewhere."""
    snapshots = ReportSnapshot.objects.filter(round=round_)
    snapshot = (snapshots if with_data else snapshots.defer("data", "cells")).first()
    if snapshot is not None:
        snapshot.round = round_
    return snapshot


def _waves_up_to(organization: Organization, round_: Round) -> list[Wave]:
    """The closed waves of the round and of every earlier round.

    Only closed waves count: an open wave's answers still arrive one by one, and comparing
    a report before and after one more answer would reveal that answer.
    """
    return list(
        Wave.objects.filter(
            campaign__organization=organization,
            round__sequence__lte=round_.sequence,
            status=WaveStatus.CLOSED,
            sealed_at__isnull=False,
        )
        .select_related("campaign", "round")
        .order_by("round__sequence", "pk")
    )


def report_k(*, organization: Organization, round_: Round) -> int:
    """The report's k: the organization's, raised to any higher k of the round's campaigns."""
    campaign_k = Wave.objects.filter(round=round_).aggregate(k=Max("campaign__min_group_size"))
    return max(organization.min_group_size, campaign_k["k"] or 0)


def _question_meta(organization: Organization) -> list[QuestionMeta]:
    rows = (
        Question.objects.filter(organization=organization)
        .select_related("value", "pairs_with")
        .order_by("position", "pk")
    )
    return [
        QuestionMeta(
            column=i,
            id=q.pk,
            code=q.code,
            value=q.value.code if q.value_id else None,
            perspective=q.perspective,
            type=q.type,
            reverse=q.reverse,
            outcome=q.outcome,
            pairs_with=q.pairs_with.code if q.pairs_with_id else None,
        )
        for i, q in enumerate(rows)
    ]


def report_fingerprints(
    *,
    organization: Organization,
    round_: Round,
    value_texts: dict[str, list[ValueTexts]] | None = None,
) -> tuple[str, str]:
    """(fingerprint, data fingerprint) of a report's input; cheap (no answers are read).

    The data fingerprint covers what decides which responses stand behind each figure: the
    responses themselves (never edited, so their ids stand for their answers), k, the
    departments as a tree, what each question measures and which waves asked what. The
    fingerprint adds the method version and every name a report shows. A published round is
    recomputed only while its data fingerprint is unchanged.
    """
    waves = _waves_up_to(organization, round_)
    questions = _question_meta(organization)
    values = list(
        CompanyValue.objects.filter(organization=organization)
        .order_by("position", "pk")
        .values_list("code", "name")
    )
    departments = list(
        Department.objects.filter(organization=organization)
        .order_by("pk")
        .values_list("pk", "name", "parent_id")
    )
    data = hashlib.sha256()
    header = {
        "k": report_k(organization=organization, round_=round_),
        "round": [round_.pk, round_.sequence],
        "questions": [
            [q.id, q.value, q.perspective, q.type, q.reverse, q.outcome, q.pairs_with]
            for q in questions
        ],
        "values": [code for code, _name in values],
        "departments": [[pk, parent] for pk, _name, parent in departments],
        "waves": [
            [w.pk, w.round.sequence, w.campaign.kind, str(w.opens_on), sorted(w.asked)]
            for w in waves
        ],
        "asked": list(
            CampaignQuestion.objects.filter(campaign__waves__in=waves)
            .distinct()
            .order_by("campaign_id", "question_id")
            .values_list("campaign_id", "question_id")
        ),
    }
    data.update(json.dumps(header, sort_keys=True, default=str).encode())
    ids = SurveyResponse.objects.filter(wave__in=waves).order_by("pk").values_list("pk", flat=True)
    for pk in ids.iterator(chunk_size=5000):
        data.update(pk.bytes)
    names = {
        "method_version": stats.METHOD_VERSION,
        "organization": [organization.slug, organization.name],
        "round": round_.label,
        "questions": [q.code for q in questions],
        "values": values,
        "departments": [[pk, name] for pk, name, _parent in departments],
        # Comments are matched to values by these words: a reworded claim or item is a new report.
        "value_texts": sorted(
            [code, [list(texts) for texts in per_language]]
            for code, per_language in (
                value_texts if value_texts is not None else _value_texts(organization)
            ).items()
        ),
        "data": data.hexdigest(),
    }
    full = hashlib.sha256(json.dumps(names, sort_keys=True, default=str).encode())
    return full.hexdigest(), data.hexdigest()


def report_fingerprint(
    *,
    organization: Organization,
    round_: Round,
    value_texts: dict[str, list[ValueTexts]] | None = None,
) -> str:
    return report_fingerprints(organization=organization, round_=round_, value_texts=value_texts)[0]


def report_input(*, organization: Organization, round_: Round) -> ReportInput:
    """Load the report's round and every earlier round as arrays."""
    rounds = list(Round.objects.filter(organization=organization, sequence__lte=round_.sequence))
    opened = dict(
        Wave.objects.filter(round__in=rounds, campaign__imported=False)
        .values("round_id")
        .annotate(first=Min("opens_on"))
        .values_list("round_id", "first")
    )
    round_infos = [
        RoundInfo(r.pk, r.label, r.sequence, opened.get(r.pk) or label_date(r.label))
        for r in rounds
    ]
    position = {r.pk: i for i, r in enumerate(rounds)}
    questions = _question_meta(organization)
    column = {q.id: q.column for q in questions}
    n_q = len(questions)
    asked_by_wave: dict[tuple, np.ndarray] = {}

    parts: dict[str, list[ResponseSet]] = {group: [] for group in GROUPS}
    for wave in _waves_up_to(organization, round_):
        key = (wave.campaign_id, tuple(sorted(wave.asked)))
        if key not in asked_by_wave:
            asked_ids = set(wave.asked) or set(
                CampaignQuestion.objects.filter(campaign_id=wave.campaign_id).values_list(
                    "question_id", flat=True
                )
            )
            mask = np.zeros(n_q, dtype=bool)
            for qid in asked_ids:
                if qid in column:
                    mask[column[qid]] = True
            asked_by_wave[key] = mask
        loaded = _load_wave(wave, column, n_q, asked_by_wave[key])
        if loaded is not None:
            loaded.round_index[:] = position[wave.round_id]
            loaded.imported[:] = wave.campaign.imported
            parts[GROUP_OF_KIND[wave.campaign.kind]].append(loaded)

    value_texts = _value_texts(organization)
    return ReportInput(
        organization_slug=organization.slug,
        organization_name=organization.name,
        min_group_size=report_k(organization=organization, round_=round_),
        rounds=round_infos,
        values=list(
            CompanyValue.objects.filter(organization=organization)
            .order_by("position", "pk")
            .values_list("code", "name")
        ),
        questions=questions,
        departments={
            pk: (name, parent)
            for pk, name, parent in Department.objects.filter(
                organization=organization
            ).values_list("pk", "name", "parent_id")
        },
        groups={group: _concat(parts[group], n_q) for group in GROUPS},
        fingerprint=report_fingerprint(
            organization=organization, round_=round_, value_texts=value_texts
        ),
        value_texts=value_texts,
    )


def _value_texts(organization: Organization) -> dict[str, list[ValueTexts]]:
    """Each value's texts in every language it is written in: (name, claim, description, texts
    of its employee items) per language with any text. Comments are matched to them, and
    employees write in their own language."""
    languages = [code for code, _name in settings.LANGUAGES]

    def columns(field: str) -> list[str]:
        return [f"{field}_{language}" for language in languages]

    items: dict[int, list[list[str]]] = {}
    for value_id, *texts in (
        Question.objects.filter(
            organization=organization, value__isnull=False, perspective="employee"
        )
        .order_by("position", "pk")
        .values_list("value_id", *columns("text"))
    ):
        items.setdefault(value_id, []).append(texts)
    found: dict[str, list[ValueTexts]] = {}
    fields = [*columns("name"), *columns("claim"), *columns("description")]
    n = len(languages)
    for pk, code, *row in CompanyValue.objects.filter(organization=organization).values_list(
        "pk", "code", *fields
    ):
        found[code] = [
            texts
            for i in range(n)
            if any(
                texts := (
                    row[i] or "",
                    row[n + i] or "",
                    row[2 * n + i] or "",
                    [item[i] for item in items.get(pk, []) if item[i]],
                )
            )
        ]
    return found


def _wave_responses(wave: Wave) -> Iterator[tuple]:
    """The wave's responses, one row each: (department id, tenure band, location, level,
    language, ids of the questions answered with a number, those numbers, ids of the questions
    answered with a text, those texts).

    On PostgreSQL the database gathers each response's answers into arrays (`ARRAY_AGG`), so a
    million respondents cross to Python as a million rows rather than tens of millions of
    answers. Elsewhere (SQLite, the embedded default for small organizations) the answers are
    read one by one and grouped here into the same rows.
    """
    if connection.vendor == "postgresql":
        numbered = Q(answers__number__isnull=False)
        written = Q(answers__number__isnull=True) & ~Q(answers__text="")

        def gathered(field: str, only: Q) -> ArrayAgg:
            return ArrayAgg(field, filter=only, order_by=("answers__question_id",), default=[])

        rows = (
            # Rows in no particular order: nothing computed depends on it, and comments are
            # shuffled anyway. Sorting a million random ids would cost more than the read.
            SurveyResponse.objects.filter(wave_id=wave.pk, answers__isnull=False)
            .annotate(
                numbered_ids=gathered("answers__question_id", numbered),
                numbers=gathered("answers__number", numbered),
                written_ids=gathered("answers__question_id", written),
                texts=gathered("answers__text", written),
            )
            .order_by()
            .values_list(
                "department_id",
                "tenure_band",
                "location",
                "level",
                "language",
                "numbered_ids",
                "numbers",
                "written_ids",
                "texts",
            )
        )
        yield from rows.iterator(chunk_size=ROWS_PER_FETCH)
        return
    answers = (
        Answer.objects.filter(response__wave_id=wave.pk)
        .order_by("response_id", "question_id")
        .values_list(
            "response_id",
            "response__department_id",
            "response__tenure_band",
            "response__location",
            "response__level",
            "response__language",
            "question_id",
            "number",
            "text",
        )
    )
    for _response, group in itertools.groupby(
        answers.iterator(chunk_size=ROWS_PER_FETCH), key=operator.itemgetter(0)
    ):
        group = list(group)
        _id, department, tenure, location, level, language = group[0][:6]
        numbered = [(q, n) for *_segment, q, n, _t in group if n is not None]
        written = [(q, t) for *_segment, q, n, t in group if n is None and t]
        yield (
            department,
            tenure,
            location,
            level,
            language,
            [q for q, _n in numbered],
            [n for _q, n in numbered],
            [q for q, _t in written],
            [t for _q, t in written],
        )


def _load_wave(
    wave: Wave, column: dict[int, int], n_q: int, asked: np.ndarray
) -> ResponseSet | None:
    """The wave's responses as arrays: the answers go into the (rows x questions) matrix in
    batches, through a question id -> column lookup, without a Python object per answer."""
    lookup = np.full(max(column, default=0) + 1, -1, dtype=np.intp)
    lookup[list(column)] = list(column.values())
    blocks: list[np.ndarray] = []
    # department, tenure, location, level, language
    segments: list[list[np.ndarray]] = [[], [], [], [], []]
    shared: dict[str, str] = {}  # one string object per distinct segment value
    texts: list[tuple[int, int, str]] = []
    first = 0
    rows = _wave_responses(wave)
    while batch := list(itertools.islice(rows, ROWS_PER_FETCH)):
        lengths = np.fromiter((len(r[5]) for r in batch), dtype=np.intp, count=len(batch))
        ids = np.fromiter(
            itertools.chain.from_iterable(r[5] for r in batch), dtype=np.intp, count=lengths.sum()
        )
        numbers = np.fromiter(
            itertools.chain.from_iterable(r[6] for r in batch), dtype=np.float64, count=ids.size
        )
        cols = _columns(lookup, ids)
        known = cols >= 0
        block = np.full((len(batch), n_q), np.nan)
        block[np.repeat(np.arange(len(batch)), lengths)[known], cols[known]] = numbers[known]
        blocks.append(block)
        segments[0].append(
            np.fromiter((-1 if r[0] is None else r[0] for r in batch), dtype=int, count=len(batch))
        )
        for position in (1, 2, 3, 4):
            strings = [shared.setdefault(r[position], r[position]) for r in batch]
            segments[position].append(np.array(strings, dtype=object))
        for offset, r in enumerate(batch, start=first):
            texts += [
                (offset, column[q], t) for q, t in zip(r[7], r[8], strict=True) if q in column
            ]
        first += len(batch)
    if not blocks:
        return None
    department, tenure, location, level, language = (np.concatenate(parts) for parts in segments)
    return ResponseSet(
        round_index=np.zeros(first, dtype=int),
        department=department,
        tenure_band=tenure,
        location=location,
        level=level,
        language=language,
        numbers=np.vstack(blocks),
        asked=np.tile(asked, (first, 1)),
        imported=np.zeros(first, dtype=bool),
        texts=texts,
    )


def _columns(lookup: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Each question id's column, -1 for a question the report does not know."""
    inside = ids < lookup.size
    cols = np.full(ids.size, -1, dtype=np.intp)
    cols[inside] = lookup[ids[inside]]
    return cols


def _concat(parts: list[ResponseSet], n_q: int) -> ResponseSet:
    if not parts:
        return ResponseSet(
            round_index=np.zeros(0, dtype=int),
            department=np.zeros(0, dtype=int),
            tenure_band=np.zeros(0, dtype=object),
            location=np.zeros(0, dtype=object),
            level=np.zeros(0, dtype=object),
            language=np.zeros(0, dtype=object),
            numbers=np.zeros((0, n_q)),
            asked=np.zeros((0, n_q), dtype=bool),
            imported=np.zeros(0, dtype=bool),
        )
    offsets = np.cumsum([0] + [p.size for p in parts])
    return ResponseSet(
        round_index=np.concatenate([p.round_index for p in parts]),
        department=np.concatenate([p.department for p in parts]),
        tenure_band=np.concatenate([p.tenure_band for p in parts]),
        location=np.concatenate([p.location for p in parts]),
        level=np.concatenate([p.level for p in parts]),
        language=np.concatenate([p.language for p in parts]),
        numbers=np.vstack([p.numbers for p in parts]),
        asked=np.vstack([p.asked for p in parts]),
        imported=np.concatenate([p.imported for p in parts]),
        texts=[(r + int(offsets[i]), c, t) for i, p in enumerate(parts) for r, c, t in p.texts],
    )


# --- Reading snapshots ----------------------------------------------------------------------

SCOPED_LISTS = ("stated_vs_lived", "leavers_vs_stayers")


@dataclass(frozen=True)
class ReportScope:
    """The departments a reader's reports are limited to: a department and its subtree."""

    department_ids: frozenset[int]
    names: tuple[str, ...]  # their names today, sorted: how pages and the access log name it

    @property
    def cache_key(self) -> str:
        ids = ",".join(map(str, sorted(self.department_ids)))
        return hashlib.sha256(f"{ids}|{'|'.join(self.names)}".encode()).hexdigest()[:16]


def report_data(*, snapshot: ReportSnapshot) -> Report:
    """A stored snapshot's report. One stored before segments were keyed by department id is
    read as one that is (analytics/report/legacy.py); the stored JSON is never rewritten."""
    if not is_legacy(snapshot.data):
        return snapshot.data
    departments = {
        pk: (name, parent)
        for pk, name, parent in Department.objects.filter(
            organization_id=snapshot.organization_id
        ).values_list("pk", "name", "parent_id")
    }
    return upgrade(snapshot.data, departments=departments, cells=snapshot.cells)


def report_in_language(*, data: Report, organization_id: int, language: str) -> Report:
    """The report with its value names in the reader's language (the organization's default
    where a name has no translation). Only names change: every figure stays as stored."""
    organization = Organization.objects.filter(pk=organization_id).only("language").first()
    if organization is None or not data.get("values"):
        return data
    stored = {v.code: v for v in CompanyValue.objects.filter(organization_id=organization_id)}
    values = []
    for entry in data["values"]:
        value = stored.get(entry["code"])
        if value is not None:
            name, _shown_in = translated(value, "name", language, organization.language)
            entry = {**entry, "name": name or entry["name"]}
        values.append(entry)
    return {**data, "values": values}


def report_scope(*, data: Report, scope: ReportScope | None) -> Report:
    """The report as a member may see it.

    A leader scoped to a department sees the company-level figures and the cells of that
    department's subtree only: no other department, and no tenure, location or level cut
    (those span every department). Everyone else sees the whole report. The page, every export
    and the API read the report through this function, so they show exactly the same cells.
    """
    if scope is None:
        return data
    allowed = scope_segments(scope)
    scoped = dict(data)
    for key in SCOPED_LISTS:
        scoped[key] = [e for e in data[key] if e["segment"] in allowed]
    if "themes" in data:  # what the comments say: the same segments as the figures
        themes = dict(data["themes"])
        themes["values"] = [e for e in themes["values"] if e["segment"] in allowed]
        scoped["themes"] = themes
    scoped["departments"] = [d for d in data["departments"] if d["id"] in scope.department_ids]
    scoped["scope"] = {"departments": list(scope.names)}
    return scoped


def scope_label(scope: ReportScope | None) -> str:
    """How the access log and the page name a reader's scope: empty for everything."""
    return ", ".join(scope.names) if scope is not None else ""


def department_scope(*, reach: Reach) -> ReportScope | None:
    """The departments a reader's reports are limited to, or None for everything (an unscoped
    member, an API token)."""
    if reach.department_id is None:
        return None
    subtree = department_subtree(organization=reach.organization, department_id=reach.department_id)
    return ReportScope(department_ids=frozenset(subtree), names=tuple(sorted(subtree.values())))


def scope_segments(scope: ReportScope) -> set[str]:
    """The report segments a reader limited to these departments may see or act on."""
    return {ALL} | {department_segment(pk) for pk in scope.department_ids}


# --- Actions on flagged values -------------------------------------------------------------


def actions_list(*, reach: Reach, filters: Mapping[str, Any] | None = None) -> QuerySet[Action]:
    """The organization's actions a reader may see and change, by due date: a leader scoped to
    a department, those on company-wide figures and on that subtree's departments, exactly
    the cells their report shows; an unscoped member (or an API token) every one. Filtered by
    `filters` (ReportActionFilter's query parameters)."""
    actions = (
        Action.objects.filter(organization=reach.organization)
        .select_related("value", "round", "created_by")
        .order_by("due_on", "id")
    )
    scope = department_scope(reach=reach)
    if scope is not None:
        actions = actions.filter(segment__in=scope_segments(scope))
    return filter_apply(ReportActionFilter, actions, filters)


def action_get(*, reach: Reach, action_id: int) -> Action:
    """One action the reader may see and change (the one access check for actions, of pages
    and API alike); 404 for another organization's or another department's."""
    found = actions_list(reach=reach).filter(pk=action_id).first()
    if found is None:
        raise Http404
    return found


# --- Rounds, reports, jobs and the access log, as a reader reaches them ------------------------


def round_get(*, reach: Reach, label: str) -> Round | None:
    """The organization's survey round called `label`, if there is one."""
    return Round.objects.filter(organization=reach.organization, label=label).first()


def round_has_closed_responses(*, round_: Round) -> bool:
    """Whether a closed wave of the round has responses: something to report on."""
    return round_.waves.filter(status=WaveStatus.CLOSED, responses__isnull=False).exists()


def reports_list(*, reach: Reach) -> QuerySet[Round]:
    """The rounds that have a report, newest round first, each with its newest snapshot's
    `created_at`, `method_version` and `fingerprint` (not its data)."""
    newest = ReportSnapshot.objects.filter(round=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        Round.objects.filter(organization=reach.organization)
        .filter(Exists(ReportSnapshot.objects.filter(round=OuterRef("pk"))))
        .annotate(
            created_at=Subquery(newest.values("created_at")[:1]),
            method_version=Subquery(newest.values("method_version")[:1]),
            fingerprint=Subquery(newest.values("fingerprint")[:1]),
        )
        .order_by("-sequence")
    )


def analysis_job_get(*, reach: Reach, job_id: int) -> AnalysisJob:
    """One of the organization's analysis jobs; 404 for another organization's."""
    job = (
        AnalysisJob.objects.select_related("round")
        .filter(organization=reach.organization, pk=job_id)
        .first()
    )
    if job is None:
        raise Http404
    return job


def round_jobs(*, round_: Round) -> tuple[AnalysisJob | None, AnalysisJob | None]:
    """The round's analysis job under way, and its latest failed one (one query)."""
    jobs = list(
        AnalysisJob.objects.filter(
            round=round_, status__in=[JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED]
        ).order_by("-created_at")
    )
    active = next((j for j in jobs if j.status != JobStatus.FAILED), None)
    failed = next((j for j in jobs if j.status == JobStatus.FAILED), None)
    return active, failed


def access_log_list(
    *, reach: Reach, filters: Mapping[str, Any] | None = None
) -> QuerySet[AccessLog]:
    """Who read or exported which report, and when; newest first. Filtered by `filters`
    (AccessLogFilter's query parameters)."""
    entries = AccessLog.objects.filter(organization=reach.organization).order_by(
        "-created_at", "-id"
    )
    return filter_apply(AccessLogFilter, entries, filters)


# --- Progress of a round's report -----------------------------------------------------------


def round_open_waves(*, round_: Round) -> list[Wave]:
    """Waves of the round whose answers are not all in yet: open, or closed with their
    answers still waiting to be sealed."""
    return list(
        Wave.objects.filter(round=round_)
        .exclude(status=WaveStatus.CLOSED, sealed_at__isnull=False)
        .select_related("campaign")
        .order_by("pk")
    )


@dataclass(frozen=True)
class ReportProgress:
    """Where a round's report stands: waiting for waves, being computed, published, or with
    nothing to analyse (no responses once every wave is in)."""

    round: Round
    waiting_for: list[Wave]
    job: AnalysisJob | None
    snapshot: ReportSnapshot | None
    has_responses: bool

    @property
    def state(self) -> str:
        if self.waiting_for:
            return "waiting"
        if self.snapshot is not None and (self.job is None or self.job.status == JobStatus.DONE):
            return "published"
        if self.job is not None:
            return "failed" if self.job.status == JobStatus.FAILED else "computing"
        return "requested" if self.has_responses else "nothing"


def report_progress(*, organization: Organization, round_: Round) -> ReportProgress:
    """What a round's report is waiting for, after a wave of it closed."""
    job = (
        AnalysisJob.objects.filter(organization=organization, round=round_)
        .order_by("-created_at", "-pk")
        .first()
    )
    return ReportProgress(
        round=round_,
        waiting_for=round_open_waves(round_=round_),
        job=job,
        snapshot=snapshot_of_round(round_=round_, with_data=False),
        has_responses=SurveyResponse.objects.filter(wave__round=round_).exists(),
    )
