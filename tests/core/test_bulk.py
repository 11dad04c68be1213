"""bulk_insert: many rows through PostgreSQL's COPY, or bulk_create on SQLite; the same rows
come back on both, inside the caller's transaction."""

import datetime as dt
import uuid

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext

from core import bulk
from core.bulk import bulk_insert
from surveys.models import Answer, Question, SurveyResponse

pytestmark = pytest.mark.django_db

RESPONSE_FIELDS = (
    "id",
    "wave",
    "submitted_on",
    "department",
    "tenure_band",
    "location",
    "level",
    "language",
)
# What COPY's text format escapes, and what it would take for NULL if it were not escaped.
AWKWARD_TEXTS = ["tab\there", "two\nlines", "back\\slash", "\\N", 'a "quote", a comma', "Zoë ✓", ""]


def response_rows(wave, n: int, department_id=None) -> list[tuple]:
    day = dt.date(2026, 5, 1)
    return [
        (uuid.uuid4(), wave.pk, day, department_id, "1_2y", f"Place {i}", "", "de")
        for i in range(n)
    ]


def test_it_inserts_rows_with_their_values(acme, open_wave):
    # given
    engineering = acme.departments.get(name="Engineering")
    responses = response_rows(open_wave, 3, department_id=engineering.pk)
    od1 = Question.objects.get(organization=acme, code="od1")
    comment = Question.objects.get(organization=acme, code="comment")
    answers = [(responses[0][0], od1.pk, 4, "")] + [
        (response[0], comment.pk, None, text)
        for response, text in zip(responses * 3, AWKWARD_TEXTS, strict=False)
    ]

    # when
    written = bulk_insert(SurveyResponse, RESPONSE_FIELDS, iter(responses))
    answered = bulk_insert(Answer, ("response", "question", "number", "text"), answers[:4])

    # then
    assert (written, answered) == (3, 4)
    stored = SurveyResponse.objects.get(pk=responses[1][0])
    assert (stored.wave_id, stored.submitted_on, stored.department_id) == (
        open_wave.pk,
        dt.date(2026, 5, 1),
        engineering.pk,
    )
    assert (stored.tenure_band, stored.location, stored.level, stored.language) == (
        "1_2y",
        "Place 1",
        "",
        "de",
    )
    assert Answer.objects.get(question=od1).number == 4
    assert sorted(Answer.objects.filter(question=comment).values_list("number", "text")) == sorted(
        (None, text) for text in AWKWARD_TEXTS[:3]
    )


def test_text_that_copy_escapes_comes_back_as_it_was(acme, open_wave):
    responses = response_rows(open_wave, len(AWKWARD_TEXTS))
    comment = Question.objects.get(organization=acme, code="comment")
    bulk_insert(SurveyResponse, RESPONSE_FIELDS, responses)

    bulk_insert(
        Answer,
        ("response", "question", "number", "text"),
        ((r[0], comment.pk, None, text) for r, text in zip(responses, AWKWARD_TEXTS, strict=True)),
    )

    stored = dict(Answer.objects.values_list("response_id", "text"))
    assert stored == {r[0]: text for r, text in zip(responses, AWKWARD_TEXTS, strict=True)}
    assert not Answer.objects.filter(text__isnull=True).exists()


def test_no_rows_write_nothing(open_wave):
    assert bulk_insert(SurveyResponse, RESPONSE_FIELDS, []) == 0
    assert not SurveyResponse.objects.exists()


def test_rows_belong_to_the_callers_transaction(open_wave):
    seen = []

    @transaction.atomic
    def import_failing_late() -> None:
        bulk_insert(SurveyResponse, RESPONSE_FIELDS, response_rows(open_wave, 5))
        seen.append(SurveyResponse.objects.count())
        raise RuntimeError("a later row was wrong")

    with pytest.raises(RuntimeError):
        import_failing_late()

    assert seen == [5]
    assert not SurveyResponse.objects.exists()


def test_it_copies_on_postgresql_and_batches_bulk_create_elsewhere(open_wave, monkeypatch):
    monkeypatch.setattr(bulk, "FALLBACK_BATCH", 1000)

    with CaptureQueriesContext(connection) as queries:
        written = bulk_insert(SurveyResponse, RESPONSE_FIELDS, response_rows(open_wave, 2500))

    assert written == 2500
    assert SurveyResponse.objects.count() == 2500
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    if connection.vendor == "postgresql":
        # COPY goes past Django's statement log: no INSERT with its values bound one by one.
        assert queries.captured_queries == []
    else:
        assert len(inserts) >= 3  # at least one per batch of 1000


@pytest.mark.postgres
def test_on_postgresql_a_bad_row_fails_the_copy_and_the_transaction_keeps_nothing(open_wave):
    rows = response_rows(open_wave, 10)
    rows[7] = (uuid.uuid4(), open_wave.pk, dt.date(2026, 5, 1), None, "x" * 9, "", "", "")

    with pytest.raises(DataError), transaction.atomic():
        bulk_insert(SurveyResponse, RESPONSE_FIELDS, rows)

    assert not SurveyResponse.objects.exists()
