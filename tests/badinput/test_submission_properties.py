"""Property tests: submitting a survey, by the API and by the page.

Whatever a client sends, the answer is a 201 that stored exactly the answers given, or a 4xx
with our error body ({"detail": ...}) that stored nothing and left the invitation unanswered.
Never a 500.
"""

import json
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.test import Client
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from surveys.errors import INVALID_TOKEN_MESSAGE, AnswersInvalid, InvalidToken
from surveys.models import Answer, Invitation
from surveys.services.responses import MAX_TEXT_ANSWER, response_accept
from tests.badinput.support import assert_storable, rolled_back, seal, snapshot

pytestmark = pytest.mark.django_db

PROFILE = settings.get_profile("badinput")
FUZZ = settings(PROFILE, max_examples=40)
ROUND_TRIP = settings(PROFILE, max_examples=25)

URL = "/api/v1/survey/responses/"
CODES = ("od1", "od2", "enps", "comment")  # the pulse: two likert items, eNPS, a comment

# JSON can spell lone surrogates ("\ud800") and NUL ("\u0000"); both reach the server.
hostile_char = st.characters() | st.sampled_from(("\x00", "\ud800", "\udfff", "\u2028", "\ufeff"))
hostile_text = st.text(hostile_char, max_size=12)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | hostile_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(hostile_text, children, max_size=3)
    ),
    max_leaves=8,
)
answer_value = (
    st.integers(-2, 12)
    | st.sampled_from(
        (
            "1",
            " 5 ",
            "",
            "  ",
            "１",
            "1_0",
            "5.0",
            "3e0",
            "-0",
            "ok",
            "x" * (MAX_TEXT_ANSWER + 1),
            "a\x00b",
            "\ud800",
            5.0,
            5.5,
            1e300,
            True,
            None,
        )
    )
    | json_values
)
answers = st.dictionaries(st.sampled_from(CODES) | hostile_text, answer_value, max_size=6)


def post_json(body: str | bytes, content_type: str = "application/json"):
    return APIClient().post(URL, body, content_type=content_type)


def assert_error_body(response) -> None:
    assert 400 <= response.status_code < 500, response.status_code
    body = response.json()
    assert isinstance(body["detail"], str)
    assert body["detail"]


def expected_answers(sent) -> dict[str, tuple[int | None, str]]:
    """What a valid submission stores, worked out without the service: blanks are skipped."""
    stored = {}
    for code, value in sent.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        stored[code] = (None, value.strip()) if code == "comment" else (int(value), "")
    return stored


@pytest.fixture
def invitation(open_wave) -> Invitation:
    return open_wave.invitations.order_by("pk").first()


def check_submission(invitation, token_for, body_for_token) -> None:
    """Posts a body; a 201 stored exactly the answers, anything else changed nothing."""
    with rolled_back():
        token = token_for(invitation)
        body, sent_answers = body_for_token(token)
        before = snapshot()

        response = post_json(body)

        invitation.refresh_from_db()
        if response.status_code == 201:
            assert response.json() == {"detail": "Thank you. Your answers are stored anonymously."}
            assert invitation.answered
            seal(invitation.wave_id)
            stored = {
                a.question.code: (a.number, a.text)
                for a in Answer.objects.select_related("question")
            }
            assert stored == expected_answers(sent_answers)
            for answer in Answer.objects.all():
                assert_storable(answer)
            return
        assert_error_body(response)
        assert snapshot() == before
        assert not invitation.answered


@FUZZ
@given(sent=answers)
@example(sent={"\ud800": 1})  # echoed back in the errors: must still render as JSON
@example(sent={"comment": "\ud800"})  # no database stores a lone surrogate
@example(sent={"comment": "a\x00b"})  # PostgreSQL refuses NUL
@example(sent={"od1": 5, "comment": "x" * MAX_TEXT_ANSWER})
@example(sent={"od1": 5, "comment": "x" * (MAX_TEXT_ANSWER + 1)})
@example(sent={"od1": True})
@example(sent={"od1": 10**400})
def test_any_answers_are_stored_exactly_or_change_nothing(invitation, token_for, sent):
    check_submission(
        invitation, token_for, lambda token: (json.dumps({"token": token, "answers": sent}), sent)
    )


@FUZZ
@given(body=json_values | st.dictionaries(st.sampled_from(("token", "answers")), json_values))
@example(body={"token": None, "answers": {"od1": 5}})
@example(body={"token": "x" * 129, "answers": {"od1": 5}})
@example(body={"token": "\ud800", "answers": {"od1": 5}})
def test_any_json_body_gets_a_clean_error(invitation, token_for, body):
    check_submission(invitation, token_for, lambda token: (json.dumps(body), {}))


@FUZZ
@given(raw=st.binary(max_size=200) | hostile_text.map(lambda s: s.encode("utf-8", "surrogatepass")))
@example(raw=b'{"token": "t", "answers": {"od1": NaN}}')
@example(raw=b'{"token": "t", "answers": {"od1": 1e999}}')
@example(raw=b'{"token": "t", "answers": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
def test_any_bytes_get_a_clean_error(invitation, token_for, raw):
    check_submission(invitation, token_for, lambda token: (raw, {}))


@FUZZ
@given(token=hostile_text | st.text(max_size=300), sent=answers)
def test_a_wrong_token_gets_the_same_404_and_changes_nothing(invitation, token_for, token, sent):
    with rolled_back():
        token_for(invitation)  # a real token exists, just not this one
        before = snapshot()

        response = post_json(json.dumps({"token": token, "answers": sent}))

        assert_error_body(response)
        if response.status_code == 404:  # exactly what an unknown, used or closed link gets
            assert response.json() == {"detail": str(INVALID_TOKEN_MESSAGE)}
        else:  # a token no link can hold (blank, over 128 characters): refused by its form alone
            assert response.status_code == 400
            assert set(response.json()["errors"]) == {"token"}
        assert snapshot() == before


valid_answers = st.fixed_dictionaries(
    {},
    optional={
        "od1": st.integers(1, 5) | st.integers(1, 5).map(str),
        "od2": st.integers(1, 5).map(float),
        "enps": st.integers(0, 10) | st.integers(0, 10).map(lambda n: f" {n} "),
        "comment": st.text(
            st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
            max_size=MAX_TEXT_ANSWER,
        ).filter(str.strip),
    },
).filter(bool)


@ROUND_TRIP
@given(sent=valid_answers)
def test_valid_answers_are_stored_once(invitation, token_for, sent):
    with rolled_back():
        token = token_for(invitation)
        body = json.dumps({"token": token, "answers": sent})

        first = post_json(body)

        assert first.status_code == 201, first.json()
        stored = snapshot()
        second = post_json(body)
        assert second.status_code == 404
        assert snapshot() == stored
        seal(invitation.wave_id)
        assert dict(Answer.objects.values_list("question__code", "number")) == {
            code: number for code, (number, _text) in expected_answers(sent).items()
        }


# --- Over the limits ----------------------------------------------------------------------


def test_a_body_over_the_upload_limit_is_a_clean_413(invitation, token_for):
    token = token_for(invitation)
    padding = "x" * django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = json.dumps({"token": token, "answers": {"od1": 5}, "padding": padding})
    before = snapshot()

    response = post_json(body)

    assert response.status_code == 413
    assert response.json()["detail"].startswith("The request body is too large")
    assert snapshot() == before


def test_a_deeply_nested_body_is_a_clean_400(invitation, token_for):
    token = token_for(invitation)
    depth = 100_000
    body = json.dumps({"token": token, "answers": {"od1": "here"}})
    body = body.replace('"here"', "[" * depth + "]" * depth)
    before = snapshot()

    response = post_json(body)

    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]
    assert snapshot() == before


def test_thousands_of_answer_keys_are_a_clean_400(invitation, token_for):
    token = token_for(invitation)
    sent = {f"q{i}": i for i in range(5000)} | {"od1": 5}
    before = snapshot()

    response = post_json(json.dumps({"token": token, "answers": sent}))

    assert response.status_code == 400
    assert len(response.json()["errors"]) == 5000
    assert snapshot() == before


def test_a_text_answer_over_the_limit_is_a_clean_400(invitation, token_for):
    token = token_for(invitation)
    before = snapshot()

    response = post_json(
        json.dumps({"token": token, "answers": {"comment": "x" * (MAX_TEXT_ANSWER + 1)}})
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"comment": "is longer than 5000 characters"}
    assert snapshot() == before


# --- The service, called with anything ----------------------------------------------------


def assert_sendable(exc: AnswersInvalid) -> None:
    """The errors name each question code and can always be sent as a JSON body."""
    assert exc.errors
    assert all(isinstance(code, str) for code in exc.errors)
    json.dumps(exc.errors, ensure_ascii=False).encode()


@FUZZ
@given(
    sent=answers
    | json_values
    | st.dictionaries(st.integers() | st.none() | st.tuples(st.integers()), answer_value)
)
def test_the_service_takes_any_mapping_or_raises_a_clear_error(invitation, token_for, sent):
    with rolled_back():
        token = token_for(invitation)
        before = snapshot()
        try:
            response_accept(token=token, answers=sent)
        except AnswersInvalid as exc:
            assert_sendable(exc)
            assert snapshot() == before
            return
        except InvalidToken:
            pytest.fail("a fresh token is valid")
        seal(invitation.wave_id)
        for answer in Answer.objects.all():
            assert_storable(answer)


# --- The survey page ----------------------------------------------------------------------

form_value = st.text(hostile_char.filter(lambda c: not "\ud800" <= c <= "\udfff"), max_size=8)


@FUZZ
@given(
    fields=st.dictionaries(st.sampled_from(CODES) | form_value, form_value, max_size=6),
    as_multipart=st.booleans(),
)
@example(fields={"comment": "a\x00b"}, as_multipart=False)
@example(fields={"od1": "5", "comment": "x" * (MAX_TEXT_ANSWER + 1)}, as_multipart=True)
def test_the_page_stores_a_valid_form_or_shows_errors(invitation, token_for, fields, as_multipart):
    with rolled_back():
        token = token_for(invitation)
        before = snapshot()
        client = Client()
        # Sent as confirmed: a mostly empty survey is otherwise asked about first (200).
        fields = {**fields, "confirm_partial": "1"}
        if as_multipart:
            response = client.post(f"/s/{token}/", fields)
        else:
            response = client.post(
                f"/s/{token}/", urlencode(fields), content_type="application/x-www-form-urlencoded"
            )

        invitation.refresh_from_db()
        assert response.status_code in (302, 400), response.status_code
        if response.status_code == 302:
            assert invitation.answered
            seal(invitation.wave_id)
            for answer in Answer.objects.all():
                assert_storable(answer)
        else:
            assert snapshot() == before
            assert not invitation.answered


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"od1=5&comment=" + b"x" * (5 * 1024 * 1024 + 1), "application/x-www-form-urlencoded"),
        (b"&".join(b"f%d=1" % i for i in range(1500)), "application/x-www-form-urlencoded"),
        (b"--zz\r\nbroken", "multipart/form-data; boundary=zz"),
        (b"--zz\r\nbroken", "multipart/form-data"),
    ],
    ids=["over-5-mb", "too-many-fields", "broken-multipart", "no-boundary"],
)
def test_a_malformed_page_post_is_a_400_and_changes_nothing(
    invitation, token_for, body, content_type
):
    token = token_for(invitation)
    before = snapshot()

    response = Client().post(f"/s/{token}/", body, content_type=content_type)

    assert response.status_code == 400
    assert snapshot() == before
    invitation.refresh_from_db()
    assert not invitation.answered
