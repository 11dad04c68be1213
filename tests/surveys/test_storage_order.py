"""Storage carries no order: the attacks of someone who runs the product, performed for real.

HR watches the wave page's per-person "answered" flags, so HR knows the order in which people
answered. A database administrator reads the tables, including the columns the database keeps
for itself. Each test below knows who gave which answer (every person writes their own email
into the comment) and checks how much of that the attacker recovers from storage alone.
"""

import random

import pytest
from django.db import connection
from rest_framework.test import APIClient

from surveys.models import Answer, CampaignKind, Invitation, Question, SurveyResponse
from surveys.services.automation import campaign_create
from surveys.services.campaigns import wave_close, wave_launch
from surveys.services.invitations import invitation_issue_token
from tests.factories import EmployeeFactory

PEOPLE = 24


class RecordedShuffles(random.Random):
    """A seeded stand-in for the seal's shuffles that keeps what each shuffle produced."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.results: list[list] = []

    def shuffle(self, x) -> None:
        super().shuffle(x)
        self.results.append(list(x))

    def payload_authors(self) -> list[str]:
        """The authors of the written responses, in the order the batch shuffle left them."""
        return [
            text.removeprefix("from ")
            for batch in self.results
            if batch and isinstance(batch[0], dict)
            for payload in batch
            for _question, _number, text in payload["answers"]
            if text
        ]


@pytest.fixture
def shuffles(monkeypatch) -> RecordedShuffles:
    from surveys.services import sealing

    recorded = RecordedShuffles(11)
    monkeypatch.setattr(sealing, "shuffler", recorded)
    return recorded


@pytest.fixture
def crowd(acme):
    """An open pulse for 24 people, each with a survey link, in the order they will answer."""
    department = acme.departments.order_by("name").first()
    for n in range(PEOPLE):
        EmployeeFactory(
            organization=acme, email=f"person{n:02d}@acme.example", department=department
        )
    questions = list(Question.objects.filter(organization=acme, perspective="employee"))
    campaign = campaign_create(
        organization=acme, name="Pulse", kind=CampaignKind.PULSE, questions=questions
    )
    wave = wave_launch(campaign=campaign, round_label="2026-08")
    invitations = list(wave.invitations.order_by("email"))
    random.Random(3).shuffle(invitations)  # they answer in no particular order
    return wave, [(i.email, invitation_issue_token(invitation=i)) for i in invitations]


def answer_all(people: list[tuple[str, str]]) -> list[str]:
    """Everyone answers through the API, one after the other; HR saw the flags flip in this
    order. Returns the emails in that order."""
    client = APIClient()
    for email, token in people:
        reply = client.post(
            "/api/v1/survey/responses/",
            {"token": token, "answers": {"od1": 4, "comment": f"from {email}"}},
            format="json",
        )
        assert reply.status_code == 201
    return [email for email, _token in people]


def author(response_id) -> str:
    """Who gave a response (known to the test only, through the comment)."""
    text = Answer.objects.get(response_id=response_id, question__code="comment").text
    return text.removeprefix("from ")


def physical_order(table: str) -> list:
    """Row ids in the order the database keeps the rows: SQLite's rowid, PostgreSQL's ctid."""
    column = "rowid" if connection.vendor == "sqlite" else "ctid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} ORDER BY {column}")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def correct_guesses(answered_order: list[str], response_ids: list) -> int:
    """The attacker pairs the n-th person to answer with the n-th stored response."""
    import uuid

    return sum(
        author(uuid.UUID(str(pk))) == email
        for email, pk in zip(answered_order, response_ids, strict=True)
    )


def test_neither_row_order_nor_answer_ids_follow_the_order_people_answered(
    crowd, django_capture_on_commit_callbacks, shuffles
):
    wave, people = crowd
    answered_order = answer_all(people)

    with django_capture_on_commit_callbacks(execute=True):
        wave_close(wave=wave, analyze=False)

    assert SurveyResponse.objects.count() == PEOPLE
    by_row = physical_order(SurveyResponse._meta.db_table)
    by_answer_id = list(
        dict.fromkeys(Answer.objects.order_by("id").values_list("response_id", flat=True))
    )
    # Before answers waited sealed, both orders gave all 24 away. Now both are exactly the
    # order the seal's shuffle produced, which owes nothing to the order people answered.
    assert [author(pk) for pk in by_row] == shuffles.payload_authors()
    assert [author(pk) for pk in by_answer_id] == shuffles.payload_authors()
    assert correct_guesses(answered_order, by_row) <= PEOPLE // 2
    assert correct_guesses(answered_order, by_answer_id) <= PEOPLE // 2


def system_columns(table: str, column: str, where: str = "", params=()) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {column}::text FROM {table} {where}", params)  # noqa: S608
        return dict(cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dba_cannot_join_responses_to_invitations_by_xmin_or_ctid_after_a_freeze(acme, shuffles):
    # given: a wave answered in an order HR saw, closed and sealed
    department = acme.departments.order_by("name").first()
    for n in range(12):
        EmployeeFactory(
            organization=acme, email=f"person{n:02d}@acme.example", department=department
        )
    campaign = campaign_create(
        organization=acme,
        name="Pulse",
        kind=CampaignKind.PULSE,
        questions=list(Question.objects.filter(organization=acme, perspective="employee")),
    )
    wave = wave_launch(campaign=campaign, round_label="2026-08")
    invitations = list(wave.invitations.order_by("email"))
    random.Random(4).shuffle(invitations)
    answered_order = answer_all(
        [(i.email, invitation_issue_token(invitation=i)) for i in invitations]
    )
    wave_close(wave=wave, analyze=False)

    # when: the DBA freezes the tables and forces them to disk, then reads system columns
    invitation_table, response_table = Invitation._meta.db_table, SurveyResponse._meta.db_table
    with connection.cursor() as cursor:
        for table in (invitation_table, response_table, Answer._meta.db_table):
            cursor.execute(f"VACUUM (FREEZE) {table}")
        cursor.execute("CHECKPOINT")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT i.email, r.id FROM {invitation_table} i JOIN {response_table} r"  # noqa: S608
            " ON i.xmin = r.xmin WHERE i.wave_id = %s",
            [wave.pk],
        )
        joined_by_xmin = cursor.fetchall()
    by_ctid = physical_order(response_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT email FROM {invitation_table} WHERE wave_id = %s AND answered"  # noqa: S608
            " ORDER BY ctid",
            [wave.pk],
        )
        invitations_by_ctid = [row[0] for row in cursor.fetchall()]

    # then: no join by xmin, and the ctid orders say nothing about who answered what
    assert sum(author(pk) == email for email, pk in joined_by_xmin) == 0
    assert correct_guesses(invitations_by_ctid, by_ctid) < 12
    assert correct_guesses(answered_order, by_ctid) < 12
    assert [author(pk) for pk in by_ctid] == shuffles.payload_authors()
    # The invitations sit in the order of the rewrite's shuffle, not the order of the claims.
    rewrite_order = next(ids for ids in shuffles.results if ids and isinstance(ids[0], int))
    emails = dict(Invitation.objects.filter(wave=wave, answered=True).values_list("pk", "email"))
    assert invitations_by_ctid == [emails[pk] for pk in rewrite_order if pk in emails]
    assert invitations_by_ctid != answered_order
    # Every response of the batch carries the batch's transaction, shared with no invitation;
    # every invitation of the wave carries the one transaction that rewrote them all.
    response_xmins = set(system_columns(response_table, "xmin").values())
    invitation_xmins = set(
        system_columns(invitation_table, "xmin", "WHERE wave_id = %s", [wave.pk]).values()
    )
    assert len(response_xmins) == 1
    assert len(invitation_xmins) == 1
    assert not response_xmins & invitation_xmins


def test_while_a_wave_is_open_answers_wait_unreadable(crowd):
    _wave, people = crowd
    secret = "my manager shouts at people in the weekly review"
    client = APIClient()
    for (_email, token), comment in zip(people[:2], [secret, secret * 10], strict=True):
        reply = client.post(
            "/api/v1/survey/responses/",
            {"token": token, "answers": {"od1": 2, "comment": comment}},
            format="json",
        )
        assert reply.status_code == 201

    assert not SurveyResponse.objects.exists()
    assert not Answer.objects.exists()
    from surveys.models import PendingAnswer

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {PendingAnswer._meta.db_table}")  # noqa: S608
        rows = cursor.fetchall()
    assert len(rows) == 2
    stored = b"".join(
        bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
        for row in rows
        for value in row
    )
    for fragment in (secret[:12], "weekly review", "shouts"):
        assert fragment.encode() not in stored
    # A long comment does not stand out by its size: both pad to the same length.
    sizes = {len(bytes(row.sealed)) for row in PendingAnswer.objects.all()}
    assert len(sizes) == 1
