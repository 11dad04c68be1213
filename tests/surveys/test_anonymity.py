"""The anonymity rules of PRODUCT.md, checked on the schema, the data and the logs."""

import logging
import threading

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.test import Client

from surveys.models import (
    Answer,
    Employee,
    Invitation,
    InvitationToken,
    PendingAnswer,
    SurveyResponse,
)
from surveys.services.campaigns import wave_close
from surveys.services.responses import response_accept

PERSONAL = {Invitation, InvitationToken, Employee, get_user_model()}


def related_models(model: type[models.Model]) -> set[type[models.Model]]:
    """Every model reachable from `model` by following foreign keys and one-to-ones forwards."""
    found: set[type[models.Model]] = set()
    stack = [model]
    while stack:
        current = stack.pop()
        for field in current._meta.get_fields():
            if field.concrete and field.is_relation and (field.many_to_one or field.one_to_one):
                target = field.related_model
                if target not in found:
                    found.add(target)
                    stack.append(target)
    return found


def test_no_foreign_key_path_leads_from_a_response_to_a_person():
    for model in (SurveyResponse, Answer, PendingAnswer):
        reachable = related_models(model)
        assert not reachable & PERSONAL, f"{model.__name__} reaches {reachable & PERSONAL}"


def test_no_person_model_points_at_a_response():
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if (
                field.concrete
                and field.is_relation
                and field.related_model
                in (
                    SurveyResponse,
                    Answer,
                    PendingAnswer,
                )
            ):
                assert model in (SurveyResponse, Answer), f"{model.__name__}.{field.name}"


def test_a_pending_answer_holds_its_wave_and_a_sealed_blob_only():
    columns = {f.column: f for f in PendingAnswer._meta.concrete_fields}
    assert set(columns) == {"id", "wave_id", "sealed"}
    assert isinstance(columns["id"], models.UUIDField)  # random, never sequential
    assert isinstance(columns["sealed"], models.BinaryField)


def test_a_response_stores_no_time_ip_or_user_agent():
    columns = {f.column: f for f in SurveyResponse._meta.concrete_fields}
    assert set(columns) == {
        "id",
        "wave_id",
        "submitted_on",
        "department_id",
        "tenure_band",
        "location",
        "level",
        # The language answered in: a segment attribute, kept only when the campaign keeps it
        # (tests/i18n/test_language_segment.py).
        "language",
    }
    assert isinstance(columns["submitted_on"], models.DateField)
    assert not isinstance(columns["submitted_on"], models.DateTimeField)
    assert {f.column for f in Answer._meta.concrete_fields} == {
        "id",
        "response_id",
        "question_id",
        "number",
        "text",
    }


def test_an_invitation_records_that_it_was_answered_but_not_when_or_what():
    columns = {f.name for f in Invitation._meta.concrete_fields}
    assert columns == {
        "id",
        "wave",
        "employee",
        "email",
        "answered",
        "sent_at",
        "reminders_sent",
        "created_at",
    }
    assert {f.name for f in InvitationToken._meta.concrete_fields} == {
        "id",
        "invitation",
        "token_hash",
    }


@pytest.mark.django_db
def test_no_stored_value_of_a_response_matches_its_invitation(open_wave, token_for, close_and_seal):
    invitation = open_wave.invitations.get(email="staff5@acme.example")
    token = token_for(invitation)
    token_hash = InvitationToken.objects.get(invitation=invitation).token_hash
    response_accept(token=token, answers={"od1": 5, "comment": "fine"})
    close_and_seal(open_wave)
    response = SurveyResponse.objects.get()

    values = {str(v) for v in SurveyResponse.objects.filter(pk=response.pk).values().get().values()}
    for a in Answer.objects.filter(response=response).values():
        values |= {str(v) for v in a.values()}
    personal = {
        invitation.email,
        token,
        token_hash,
        invitation.employee.name,
        str(invitation.employee.start_date),
    }
    assert not values & personal
    assert response.pk != invitation.pk


@pytest.mark.django_db
def test_the_survey_page_sets_no_cookie_and_leaks_no_referrer(open_wave, token_for):
    token = token_for(open_wave.invitations.first())
    client = Client()

    page = client.get(f"/s/{token}/")
    done = client.post(f"/s/{token}/", {"od1": "4", "confirm_partial": "1"})

    assert page.status_code == 200
    assert page["Referrer-Policy"] == "no-referrer"
    assert done["Referrer-Policy"] == "no-referrer"
    assert "no-store" in page["Cache-Control"]
    assert not page.cookies
    assert not done.cookies
    assert done.status_code == 302
    assert done["Location"] == "/s/done/"


@pytest.mark.django_db
def test_survey_tokens_never_reach_the_logs(open_wave, token_for, caplog):
    token = token_for(open_wave.invitations.first())
    caplog.set_level(logging.DEBUG)
    handler_filter = logging.getLogger().handlers[0].filters[0]
    client = Client()

    client.get(f"/s/{token}/")
    client.post(f"/s/{token}/", {"od1": "9"})  # invalid: logs a warning for the 400
    record = logging.LogRecord(
        "django.server", logging.INFO, "", 0, '"GET /s/%s/ HTTP/1.1" 200 512', (token,), None
    )
    handler_filter.filter(record)

    assert token not in record.getMessage()
    assert "/s/[token]/" in record.getMessage()
    for logged in caplog.records:
        handler_filter.filter(logged)
        assert token not in logged.getMessage()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_of_one_token_store_exactly_one_response(open_wave, token_for):
    token = token_for(open_wave.invitations.first())
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def submit(score: int) -> None:
        barrier.wait()
        try:
            response_accept(token=token, answers={"od1": score})
            outcomes.append("stored")
        except Exception as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(1 + i % 5,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["InvalidToken"] * 7 + ["stored"]
    assert PendingAnswer.objects.count() == 1
    wave_close(wave=open_wave, analyze=False)  # not in a test transaction: the seal runs now
    assert SurveyResponse.objects.count() == 1
    assert Answer.objects.count() == 1
