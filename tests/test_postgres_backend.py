"""The PostgreSQL backend: the connection health check and the prepared survey-day statements."""

import psycopg
import pytest
from django.db import OperationalError, connection

from surveys.db import fetch_prepared

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
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_connection_in_use_a_moment_ago_is_not_checked_again(monkeypatch):
    checks = []
    is_usable = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or is_usable())
    pid = backend_pid()
    for _ in range(5):
        end_request()
        assert backend_pid() == pid
    assert checks == []


def test_an_idle_connection_is_checked_and_replaced_when_the_server_dropped_it():
    pid = backend_pid()
    end_request()
    terminate(pid)
    connection.last_used -= 60  # idle for a minute

    assert backend_pid() != pid  # checked, found dead, reconnected: the request never saw it


def test_a_connection_that_breaks_while_busy_fails_one_query_then_reconnects():
    pid = backend_pid()
    end_request()
    terminate(pid)

    with pytest.raises(OperationalError):
        backend_pid()  # used a moment ago, so not checked: this request fails cleanly
    end_request()  # Django closes a connection that raised
    assert backend_pid() != pid


def test_the_survey_day_statements_are_prepared_once_per_connection():
    sql = "SELECT %s::int + 1"
    assert [fetch_prepared(sql, [n]) for n in range(3)] == [[(1,)], [(2,)], [(3,)]]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["SELECT $1::int + 1"],
        )
        assert cursor.fetchone()[0] == 1
