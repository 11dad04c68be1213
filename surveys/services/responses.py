"""Anonymous responses: submitting by token, and importing history from another tool."""

import datetime as dt
import functools
import hashlib
import uuid
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

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
from .csvfiles import read_csv, text_problem
from .rounds import round_label_problem, rounds_for_import
from .sealing import pending_answer_seal

MAX_TEXT_ANSWER = 5000


def segment_snapshot(*, target: "SubmissionTarget", on_date: dt.date) -> dict[str, Any]:
    """The coarsened attributes the campaign keeps (none for leadership: a group answer)."""
    snapshot: dict[str, Any] = {"department": None, "tenure_band": "", "location": "", "level": ""}
    if not target.has_employee or target.kind == CampaignKind.LEADERSHIP:
        return snapshot
    kept = set(target.kept_attributes)
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
        segment=segment_snapshot(target=target, on_date=on_date),
        answers=[(q.id, number, text) for q, number, text in cleaned],
    )
    if not _accept(invitation_id=target.invitation_id, wave_id=target.wave_id, sealed=sealed):
        raise InvalidToken  # a double click, a replay, or the wave closed since the lookup


# --- History import -------------------------------------------------------------------------

SEGMENT_COLUMNS = ("department", "tenure_band", "location", "level")
FIXED_COLUMNS = ("kind", "wave", *SEGMENT_COLUMNS)


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


@transaction.atomic
def responses_import(*, organization: Organization, content: bytes | str) -> ResponseImportResult:
    """Import past anonymous responses (one row each) from another tool. All rows or none.

    Columns: kind, wave (the round label), optional department, tenure_band, location, level,
    then one column per question code; an empty cell is unanswered.
    """
    table = read_csv(content, required=("kind", "wave"))  # first: it rejects text not Unicode
    raw = content.encode("utf-8") if isinstance(content, str) else content
    digest = hashlib.sha256(raw).hexdigest()
    questions = {q.code.casefold(): q for q in Question.objects.filter(organization=organization)}
    errors: list[RowError] = []
    question_columns = [c for c in table.header if c not in FIXED_COLUMNS]
    for column in question_columns:
        if column not in questions:
            errors.append(RowError(1, column, "is not a question code of this organization"))
    if not question_columns:
        errors.append(RowError(1, "", "the file has no question columns"))
    if errors:
        raise ImportRejected(errors)
    if ResponseImport.objects.filter(organization=organization, sha256=digest).exists():
        raise ImportRejected([RowError(0, "", "this exact file has already been imported")])

    departments = {
        d.name.casefold(): d.pk for d in Department.current.filter(organization=organization)
    }
    tenure = _tenure_lookup()
    parsed: list[tuple[str, str, dict[str, Any], list[tuple[Question, int | None, str]]]] = []
    label_rows: dict[str, list[int]] = {}
    for line, cells in table.rows:
        kind = cells["kind"].lower()
        if kind not in CampaignKind.values:
            known = ", ".join(CampaignKind.values)
            errors.append(RowError(line, "kind", f'"{cells["kind"]}" is not one of {known}'))
            continue
        label = cells["wave"]
        problem = round_label_problem(label)
        if problem:
            errors.append(RowError(line, "wave", problem))
        segment: dict[str, Any] = {
            "department_id": None,
            "tenure_band": "",
            "location": "",
            "level": "",
        }
        given = [c for c in SEGMENT_COLUMNS if cells.get(c)]
        if kind == CampaignKind.LEADERSHIP and given:
            errors.append(
                RowError(line, given[0], "leadership answers are kept as a group; leave it empty")
            )
        if cells.get("department"):
            department_id = departments.get(cells["department"].casefold())
            if department_id is None:
                errors.append(
                    RowError(line, "department", f'unknown department "{cells["department"]}"')
                )
            segment["department_id"] = department_id
        if cells.get("tenure_band"):
            band = tenure.get(cells["tenure_band"].casefold())
            if band is None:
                errors.append(
                    RowError(
                        line,
                        "tenure_band",
                        f'"{cells["tenure_band"]}" is not one of {", ".join(TenureBand.values)}',
                    )
                )
            segment["tenure_band"] = band or ""
        for column in ("location", "level"):
            if len(cells.get(column, "")) > 100:
                errors.append(RowError(line, column, "longer than 100 characters"))
            segment[column] = cells.get(column, "")[:100]
        answers = []
        allowed = KIND_PERSPECTIVES[kind]
        errors_before = len(errors)
        for column in question_columns:
            question = questions[column]
            try:
                value = answer_clean(question, cells[column])
            except ValueError as exc:
                errors.append(RowError(line, column, str(exc)))
                continue
            if value is None:
                continue
            if question.perspective not in allowed:
                errors.append(
                    RowError(
                        line,
                        column,
                        f"a {question.perspective} question cannot be answered in a {kind} survey",
                    )
                )
                continue
            answers.append((question, *value))
        if not answers and len(errors) == errors_before:
            errors.append(RowError(line, "", "the row answers no question"))
        parsed.append((kind, label, segment, answers))
        label_rows.setdefault(label, []).append(line)
    if not errors:
        rounds, refused = rounds_for_import(organization=organization, labels=list(label_rows))
        for label, problem in refused.items():
            lines = label_rows[label]
            more = f" ({len(lines) - 1} more rows name it)" if len(lines) > 1 else ""
            errors.append(RowError(lines[0], "wave", problem + more))
    if errors:
        raise ImportRejected(errors)

    result = ResponseImportResult()
    on_date = organization_today(organization)
    campaigns: dict[str, Campaign] = {}
    waves: dict[tuple[str, str], Wave] = {}
    used_questions: dict[str, dict[int, Question]] = {}
    for kind, _label, _segment, answers in parsed:
        used_questions.setdefault(kind, {}).update({q.pk: q for q, _n, _t in answers})
    for kind, questions_used in used_questions.items():
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
        for offset, question in enumerate(q for pk, q in questions_used.items() if pk not in have):
            campaign.campaignquestion_set.create(question=question, position=start + offset + 1)
        campaigns[kind] = campaign
    new_responses: list[SurveyResponse] = []
    new_answers: list[Answer] = []
    for kind, label, segment, answers in parsed:
        key = (kind, label)
        if key not in waves:
            round_ = rounds[label]
            if label not in result.rounds:
                result.rounds.append(label)
            campaign = campaigns[kind]
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
            waves[key] = wave
        response = SurveyResponse(wave=waves[key], submitted_on=on_date, **segment)
        new_responses.append(response)
        new_answers.extend(
            Answer(response=response, question=q, number=n, text=t) for q, n, t in answers
        )
        result.responses += 1
        result.by_kind[kind] = result.by_kind.get(kind, 0) + 1
    SurveyResponse.objects.bulk_create(new_responses, batch_size=1000)
    Answer.objects.bulk_create(new_answers, batch_size=5000)
    ResponseImport.objects.create(
        organization=organization, sha256=digest, responses=result.responses, imported_on=on_date
    )
    return result
