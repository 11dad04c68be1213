"""Anonymous responses: submitting by token, and importing history from another tool."""

import datetime as dt
import functools
import hashlib
import uuid
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from core.bulk import bulk_insert

from ..errors import AnswersInvalid, ImportRejected, InvalidToken, RowError
from ..models import (
    KIND_PERSPECTIVES,
    Answer,
    Campaign,
    CampaignKind,
    Department,
    Invitation,
    Organization,
    PendingAnswer,
    Question,
    QuestionType,
    ResponseImport,
    Round,
    SegmentAttribute,
    SurveyResponse,
    TenureBand,
    Wave,
    WaveStatus,
    tenure_band,
)
from ..selectors import (
    QuestionSpec,
    SubmissionTarget,
    submission_questions,
    submission_target_by_token,
)
from .campaigns import organization_today
from .csvfiles import CsvRows, text_problem
from .rounds import round_label_problem, rounds_for_import
from .sealing import pending_answer_seal

MAX_TEXT_ANSWER = 5000


def segment_snapshot(
    *, target: "SubmissionTarget", on_date: dt.date, language: str = ""
) -> dict[str, Any]:
    """The coarsened attributes the campaign keeps (none for leadership: a group answer).
    The language is the one the survey was answered in, kept like any other attribute: only
    when the campaign keeps it, and then reported only for groups that pass k and differencing.
    """
    snapshot: dict[str, Any] = {
        "department": None,
        "tenure_band": "",
        "location": "",
        "level": "",
        "language": "",
    }
    if target.kind == CampaignKind.LEADERSHIP:
        return snapshot
    kept = set(target.kept_attributes)
    if SegmentAttribute.LANGUAGE in kept and language in dict(settings.LANGUAGES):
        snapshot["language"] = language
    if not target.has_employee:
        return snapshot
    if SegmentAttribute.DEPARTMENT in kept:
        snapshot["department"] = target.department_id
    if SegmentAttribute.TENURE_BAND in kept:
        snapshot["tenure_band"] = tenure_band(start_date=target.start_date, on_date=on_date)
    if SegmentAttribute.LOCATION in kept:
        snapshot["location"] = target.location
    if SegmentAttribute.LEVEL in kept:
        snapshot["level"] = target.level
    return snapshot


def answer_clean(question: "Question | QuestionSpec", raw: Any) -> tuple[int | None, str] | None:
    """One answer as (number, text); None when unanswered. Raises ValueError with the reason."""
    if raw is None:
        return None
    if question.type == QuestionType.TEXT:
        if not isinstance(raw, str):
            raise ValueError("must be text")
        if problem := text_problem(raw):
            raise ValueError(problem)
        text = raw.strip()
        if len(text) > MAX_TEXT_ANSWER:
            raise ValueError(f"is longer than {MAX_TEXT_ANSWER} characters")
        return (None, text) if text else None
    if question.type == QuestionType.CHOICE:
        if not isinstance(raw, str):
            raise ValueError("must be one of the choices")
        if not raw.strip():
            return None
        if raw.strip() not in question.choices:
            raise ValueError(f"must be one of: {', '.join(question.choices)}")
        return (None, raw.strip())
    low, high = question.answer_range or (0, 0)
    # bool is an int in Python; JSON true is not an answer.
    if isinstance(raw, bool):
        raise ValueError(f"must be a whole number from {low} to {high}")
    if isinstance(raw, str):
        if not raw.strip():
            return None
        try:
            raw = int(raw.strip())
        except ValueError:
            raise ValueError(f"must be a whole number from {low} to {high}") from None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if not isinstance(raw, int):
        raise ValueError(f"must be a whole number from {low} to {high}")
    if not low <= raw <= high:
        raise ValueError(f"must be from {low} to {high}, not {raw}")
    return (raw, "")


def answers_validate(
    *, questions: "Sequence[Question | QuestionSpec]", answers: Mapping[str, Any]
) -> list[tuple[Question, int | None, str]]:
    """Check answers keyed by question code against the survey's questions."""
    if not isinstance(answers, Mapping):
        raise AnswersInvalid({"answers": "must map question codes to answers"})
    by_code = {q.code: q for q in questions}
    errors: dict[str, str] = {}
    for code in answers:
        if code not in by_code:
            # Echoed back in the error body, which must encode: JSON keys may be lone surrogates.
            errors[str(code).encode("utf-8", "backslashreplace").decode()] = (
                "is not a question of this survey"
            )
    cleaned = []
    for question in questions:
        try:
            value = answer_clean(question, answers.get(question.code))
        except ValueError as exc:
            errors[question.code] = str(exc)
            continue
        if value is not None:
            cleaned.append((question, *value))
    if errors:
        raise AnswersInvalid(errors)
    if not cleaned:
        raise AnswersInvalid({"answers": "answer at least one question"})
    return cleaned


@functools.cache
def _accept_statement() -> str:
    """PostgreSQL's accept as one statement, built from the models' metadata.

    It share-locks the wave row while it is open (FOR KEY SHARE: accepts do not wait for each
    other, but closing, which locks the row FOR UPDATE, waits for every accept in flight, and
    an accept after the close finds the wave closed), claims the invitation by compare-and-swap
    on its own columns only (PostgreSQL rechecks those after waiting on a concurrent claim),
    and stores the pending answer only if the claim took. Django's ORM has no share lock, and
    the same steps through it took three round trips and a transaction around them: about
    2 ms more per answer on survey day (bench/README.md).
    """
    quote = connection.ops.quote_name
    wave, invitation, pending = Wave._meta, Invitation._meta, PendingAnswer._meta

    def column(meta, name: str) -> str:
        return quote(meta.get_field(name).column)

    return f"""
WITH open_wave AS (
    SELECT 1 FROM {quote(wave.db_table)}
    WHERE {column(wave, "id")} = %(wave)s AND {column(wave, "status")} = %(open)s
    FOR KEY SHARE
), claimed AS (
    UPDATE {quote(invitation.db_table)} SET {column(invitation, "answered")} = true
    WHERE {column(invitation, "id")} = %(invitation)s
      AND {column(invitation, "answered")} = false
      AND EXISTS (SELECT 1 FROM open_wave)
    RETURNING {column(invitation, "wave")}
)
INSERT INTO {quote(pending.db_table)}
    ({column(pending, "id")}, {column(pending, "wave")}, {column(pending, "sealed")})
SELECT %(id)s, {column(invitation, "wave")}, %(sealed)s FROM claimed
RETURNING 1
"""  # noqa: S608 (names from the models' metadata, values bound as parameters)


def _accept(*, invitation_id: int, wave_id: int, sealed: bytes) -> bool:
    """Claim the invitation while its wave is open and store the sealed answer, in one
    transaction; False when the claim did not take (answered, or the wave closed meanwhile)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _accept_statement(),
                {
                    "wave": wave_id,
                    "open": str(WaveStatus.OPEN),
                    "invitation": invitation_id,
                    "id": uuid.uuid4(),
                    "sealed": sealed,
                },
            )
            return cursor.fetchone() is not None
    # SQLite: the transaction takes the database's write lock as it begins (IMMEDIATE), so
    # checking the wave, claiming and storing are serialised with a close by themselves.
    with transaction.atomic():
        if not Wave.objects.filter(pk=wave_id, status=WaveStatus.OPEN).exists():
            return False
        claimed = Invitation.objects.filter(pk=invitation_id, answered=False).update(answered=True)
        if claimed != 1:
            return False
        PendingAnswer(wave_id=wave_id, sealed=sealed).save(force_insert=True)
        return True


def response_accept(
    *,
    token: str,
    answers: Mapping[str, Any],
    on_date: dt.date | None = None,
    target: SubmissionTarget | None = None,
    language: str = "",
) -> None:
    """Accept an anonymous answer for a token, once. The survey page and the API both call it.

    In one transaction: the invitation is claimed by compare-and-swap while its wave is open,
    and the answer is stored sealed as a pending answer, with no link to the invitation. It
    becomes a response only when the wave is sealed (services.sealing.wave_seal), in a shuffled
    batch of its own transaction, so nothing the database keeps about this transaction is
    ever beside a response. An unknown, used or closed token raises InvalidToken.
    """
    # A caller that has just looked the token up passes what it found; the claim below still
    # checks the invitation is unanswered and its wave open, so a stale target stores nothing.
    target = target or submission_target_by_token(token=token)
    cleaned = answers_validate(
        questions=submission_questions(campaign_id=target.campaign_id, asked=target.asked),
        answers=answers,
    )
    on_date = on_date or timezone.localdate(timezone=zoneinfo.ZoneInfo(target.timezone))
    sealed = pending_answer_seal(
        wave_id=target.wave_id,
        on_date=on_date,
        segment=segment_snapshot(target=target, on_date=on_date, language=language),
        answers=[(q.id, number, text) for q, number, text in cleaned],
    )
    if not _accept(invitation_id=target.invitation_id, wave_id=target.wave_id, sealed=sealed):
        raise InvalidToken  # a double click, a replay, or the wave closed since the lookup


# --- History import -------------------------------------------------------------------------

SEGMENT_COLUMNS = ("department", "tenure_band", "location", "level")
FIXED_COLUMNS = ("kind", "wave", *SEGMENT_COLUMNS)
KINDS = frozenset(CampaignKind.values)
# Rows read between two writes: a batch's responses and answers are the only rows held.
IMPORT_BATCH = 5000


@dataclass
class ResponseImportResult:
    responses: int = 0
    rounds: list[str] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)


def _tenure_lookup() -> dict[str, str]:
    lookup = {}
    for value, label in TenureBand.choices:
        lookup[value.casefold()] = value
        lookup[str(label).casefold()] = value
    return lookup


@dataclass(slots=True)
class _QuestionColumn:
    index: int
    name: str
    question: Question
    # The answers read without `answer_clean`: every whole number of a numeric question's
    # range as a file spells it, which is nearly every cell of a large file.
    known: dict[str, tuple[int, int | None, str]]


class _HistoryRow(NamedTuple):
    kind: str
    label: str
    segment: tuple[int | None, str, str, str]  # department id, tenure band, location, level
    answers: list[tuple[int, int | None, str]]  # question id, number, text


class _HistoryReader:
    """Reads history rows against the organization's questions, departments and tenure bands,
    looked up once for the whole file; the same reading checks a row and then writes it."""

    def __init__(self, *, organization: Organization, header: list[str]) -> None:
        questions = {
            q.code.casefold(): q for q in Question.objects.filter(organization=organization)
        }
        self.questions = {q.pk: q for q in questions.values()}
        self.departments = {
            d.name.casefold(): d.pk for d in Department.current.filter(organization=organization)
        }
        self.tenure = _tenure_lookup()
        self.kind_index = header.index("kind")
        self.wave_index = header.index("wave")
        self.segment_index = {c: header.index(c) for c in SEGMENT_COLUMNS if c in header}
        self.label_problems: dict[str, str | None] = {}
        self.unknown: list[str] = []
        self.columns: list[_QuestionColumn] = []
        for index, name in enumerate(header):
            if name in FIXED_COLUMNS:
                continue
            question = questions.get(name)
            if question is None:
                self.unknown.append(name)
                continue
            low, high = question.answer_range or (1, 0)
            known = {str(n): (question.pk, n, "") for n in range(low, high + 1)}
            self.columns.append(_QuestionColumn(index, name, question, known))

    def header_errors(self) -> list[RowError]:
        errors = [
            RowError(1, name, "is not a question code of this organization")
            for name in self.unknown
        ]
        if not self.columns and not self.unknown:
            errors.append(RowError(1, "", "the file has no question columns"))
        return errors

    def read(self, line: int, cells: list[str], errors: list[RowError]) -> _HistoryRow | None:
        """The row, its problems added to `errors`; None when its kind is unknown."""
        kind = cells[self.kind_index].lower()
        if kind not in KINDS:
            known = ", ".join(CampaignKind.values)
            given_kind = cells[self.kind_index]
            errors.append(RowError(line, "kind", f'"{given_kind}" is not one of {known}'))
            return None
        label = cells[self.wave_index]
        if label not in self.label_problems:
            self.label_problems[label] = round_label_problem(label)
        if problem := self.label_problems[label]:
            errors.append(RowError(line, "wave", problem))
        given = {c: cells[i] for c, i in self.segment_index.items() if cells[i]}
        if given and kind == CampaignKind.LEADERSHIP:
            errors.append(
                RowError(
                    line,
                    next(iter(given)),
                    "leadership answers are kept as a group; leave it empty",
                )
            )
        department_id = None
        if department := given.get("department"):
            department_id = self.departments.get(department.casefold())
            if department_id is None:
                errors.append(RowError(line, "department", f'unknown department "{department}"'))
        band = ""
        if given_band := given.get("tenure_band"):
            band = self.tenure.get(given_band.casefold(), "")
            if not band:
                errors.append(
                    RowError(
                        line,
                        "tenure_band",
                        f'"{given_band}" is not one of {", ".join(TenureBand.values)}',
                    )
                )
        location, level = given.get("location", ""), given.get("level", "")
        for column, value in (("location", location), ("level", level)):
            if len(value) > 100:
                errors.append(RowError(line, column, "longer than 100 characters"))
        answers = []
        allowed = KIND_PERSPECTIVES[kind]
        errors_before = len(errors)
        for column in self.columns:
            raw = cells[column.index]
            if not raw:
                continue  # unanswered, whatever the question's type
            answer = column.known.get(raw)
            if answer is None:
                try:
                    value = answer_clean(column.question, raw)
                except ValueError as exc:
                    errors.append(RowError(line, column.name, str(exc)))
                    continue
                if value is None:
                    continue
                answer = (column.question.pk, *value)
            perspective = column.question.perspective
            if perspective not in allowed:
                errors.append(
                    RowError(
                        line,
                        column.name,
                        f"a {perspective} question cannot be answered in a {kind} survey",
                    )
                )
                continue
            answers.append(answer)
        if not answers and len(errors) == errors_before:
            errors.append(RowError(line, "", "the row answers no question"))
        return _HistoryRow(kind, label, (department_id, band, location[:100], level[:100]), answers)


@dataclass
class _HistoryPlan:
    """What checking every row leaves to write them: small, whatever the file's size."""

    errors: list[RowError] = field(default_factory=list)
    labels: dict[str, tuple[int, int]] = field(default_factory=dict)  # first line, rows
    waves: dict[tuple[str, str], None] = field(default_factory=dict)  # (kind, label), in order
    by_kind: dict[str, int] = field(default_factory=dict)
    questions: dict[str, dict[int, Question]] = field(default_factory=dict)  # answered, by kind


def _history_check(*, reader: _HistoryReader, source: CsvRows) -> _HistoryPlan:
    plan = _HistoryPlan()
    for line, cells in source.rows():
        row = reader.read(line, cells, plan.errors)
        if row is None:
            continue
        first, count = plan.labels.get(row.label, (line, 0))
        plan.labels[row.label] = (first, count + 1)
        plan.waves[row.kind, row.label] = None
        plan.by_kind[row.kind] = plan.by_kind.get(row.kind, 0) + 1
        used = plan.questions.setdefault(row.kind, {})
        for question_id, _number, _text in row.answers:
            if question_id not in used:
                used[question_id] = reader.questions[question_id]
    return plan


def _history_campaign(
    *, organization: Organization, kind: str, questions: dict[int, Question]
) -> Campaign:
    campaign = Campaign.objects.filter(
        organization=organization, kind=kind, imported=True
    ).first() or Campaign.objects.create(
        organization=organization,
        kind=kind,
        name=f"Imported {CampaignKind(kind).label.lower()} history",
        imported=True,
        min_group_size=organization.min_group_size,
        kept_attributes=[] if kind == CampaignKind.LEADERSHIP else list(SEGMENT_COLUMNS),
    )
    have = set(campaign.questions.values_list("pk", flat=True))
    start = len(have)
    for offset, question in enumerate(q for pk, q in questions.items() if pk not in have):
        campaign.campaignquestion_set.create(question=question, position=start + offset + 1)
    return campaign


def _history_wave(*, campaign: Campaign, round_: Round, on_date: dt.date) -> Wave:
    wave = Wave.objects.filter(campaign=campaign, round=round_).first()
    if wave is None:
        number = (campaign.waves.aggregate(top=models.Max("number"))["top"] or 0) + 1
        wave = Wave.objects.create(
            campaign=campaign,
            round=round_,
            number=number,
            opens_on=on_date,
            closes_on=on_date,
            status=WaveStatus.CLOSED,
            closed_at=timezone.now(),
            sealed_at=timezone.now(),  # its responses are written right here
        )
    return wave


RESPONSE_FIELDS = (
    "id",
    "wave",
    "submitted_on",
    "department",
    "tenure_band",
    "location",
    "level",
    "language",  # not known for history from another tool
)
ANSWER_FIELDS = ("response", "question", "number", "text")


def _history_write(
    *, reader: _HistoryReader, source: CsvRows, waves: dict[tuple[str, str], int], on_date: dt.date
) -> None:
    """Read the checked rows again and write them, a batch of responses then their answers."""
    responses: list[tuple[Any, ...]] = []
    answers: list[tuple[Any, ...]] = []
    ignored: list[RowError] = []  # none: every row was checked
    for line, cells in source.rows():
        row = reader.read(line, cells, ignored)
        assert row is not None  # noqa: S101 (checked in the first pass)
        response_id = str(uuid.uuid4())  # as text, COPY writes it once per answer faster
        responses.append((response_id, waves[row.kind, row.label], on_date, *row.segment, ""))
        answers.extend((response_id, *answer) for answer in row.answers)
        if len(responses) == IMPORT_BATCH:
            bulk_insert(SurveyResponse, RESPONSE_FIELDS, responses)
            bulk_insert(Answer, ANSWER_FIELDS, answers)
            responses.clear()
            answers.clear()
    bulk_insert(SurveyResponse, RESPONSE_FIELDS, responses)
    bulk_insert(Answer, ANSWER_FIELDS, answers)


@transaction.atomic
def responses_import(
    *, organization: Organization, content: bytes | str, limit_size: bool = True
) -> ResponseImportResult:
    """Import past anonymous responses (one row each) from another tool. All rows or none.

    Columns: kind, wave (the round label), optional department, tenure_band, location, level,
    then one column per question code; an empty cell is unanswered.

    The file is read twice and never held as rows: once to check every row (nothing is
    written when one is wrong), once to write them in batches. `limit_size=False` lifts the
    upload limit for a file read from the server's disk (manage.py import_responses).
    """
    # First: it rejects text that is not Unicode.
    source = CsvRows(content, required=("kind", "wave"), limit_size=limit_size)
    raw = content.encode("utf-8") if isinstance(content, str) else content
    digest = hashlib.sha256(raw).hexdigest()
    reader = _HistoryReader(organization=organization, header=source.header)
    refusal = reader.header_errors()
    if (
        not refusal
        and ResponseImport.objects.filter(organization=organization, sha256=digest).exists()
    ):
        refusal = [RowError(0, "", "this exact file has already been imported")]
    if refusal:
        for _row in source.rows():  # what is wrong with the rows' shape is told first
            pass
        raise ImportRejected(refusal)

    plan = _history_check(reader=reader, source=source)
    errors = plan.errors
    if not errors:
        rounds, refused = rounds_for_import(organization=organization, labels=list(plan.labels))
        for label, problem in refused.items():
            first, count = plan.labels[label]
            more = f" ({count - 1} more rows name it)" if count > 1 else ""
            errors.append(RowError(first, "wave", problem + more))
    if errors:
        raise ImportRejected(errors)

    on_date = organization_today(organization)
    campaigns = {
        kind: _history_campaign(organization=organization, kind=kind, questions=questions)
        for kind, questions in plan.questions.items()
    }
    waves = {
        (kind, label): _history_wave(
            campaign=campaigns[kind], round_=rounds[label], on_date=on_date
        ).pk
        for kind, label in plan.waves
    }
    _history_write(reader=reader, source=source, waves=waves, on_date=on_date)
    result = ResponseImportResult(
        responses=sum(plan.by_kind.values()),
        rounds=list(dict.fromkeys(label for _kind, label in plan.waves)),
        by_kind=plan.by_kind,
    )
    ResponseImport.objects.create(
        organization=organization, sha256=digest, responses=result.responses, imported_on=on_date
    )
    return result
