"""Django's own PostgreSQL backend, as configured: connection health checks, and the survey
statements prepared on the server (server-side binding with a prepare threshold)."""

import psycopg
import pytest
from django.db import OperationalError, connection, connections

from surveys.selectors import submission_target_by_token
from surveys.services.responses import response_accept

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def end_request() -> None:
    """What Django does when a request finishes (request_finished)."""
    connection.close_if_unusable_or_obsolete()


def terminate(pid: int) -> None:
    """Kill a backend from another session, as a server restart or a dropped link would."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_it_uses_djangos_own_backend_with_server_side_binding():
    assert connection.vendor == "postgresql"
    assert type(connections["default"]).__module__ == "django.db.backends.postgresql.base"
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True


def test_a_connection_the_server_dropped_between_requests_is_replaced_unnoticed():
    pid = backend_pid()
    end_request()
    terminate(pid)

    assert backend_pid() != pid  # checked at the next request, found dead, reconnected


def test_a_connection_that_breaks_mid_request_fails_one_query_then_reconnects():
    pid = backend_pid()
    terminate(pid)

    with pytest.raises(OperationalError):
        backend_pid()  # this request fails cleanly
    end_request()  # Django closes a connection that raised
    assert backend_pid() != pid


def prepared_statements(fragment: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%{fragment}%"],
        )
        return cursor.fetchone()[0]


def test_the_survey_day_statements_are_prepared_once_per_connection(open_wave, token_for):
    tokens = [token_for(invitation) for invitation in open_wave.invitations.all()[:8]]

    for token in tokens:
        response_accept(token=token, answers={"od1": 4})
    for token in tokens:  # used now: the lookup still runs, and finds nothing
        with pytest.raises(Exception, match="not valid"):
            submission_target_by_token(token=token)

    assert prepared_statements('FROM "surveys_invitationtoken"') == 1  # the token lookup
    assert prepared_statements('UPDATE "surveys_invitation" SET "answered"') == 1  # the claim
    assert prepared_statements('INSERT INTO "surveys_pendinganswer"') == 1
    assert prepared_statements("FOR KEY SHARE") == 1  # the wave held open
