"""The few statements every submission runs, sent the cheapest way the database allows."""

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from django.db import connection


def fetch_prepared(sql: str, params: Sequence[Any] | Mapping[str, Any]) -> list[tuple]:
    """Run one statement and return its rows; on PostgreSQL as a prepared statement.

    Django binds parameters on the client, so PostgreSQL parses and plans every statement
    anew. The token lookup and the store run for every answer on survey day, so on
    PostgreSQL they go through a server-side-binding cursor on the same connection and are
    prepared once per connection (persistent connections keep them). Django's cursor is
    opened first, so the connection's health check, the connection itself and Django's
    error wrapping (which marks a broken connection for closing) work as for any query.
    """
    with connection.cursor() as django_cursor:
        if connection.vendor != "postgresql":
            django_cursor.execute(sql, params)
            return django_cursor.fetchall()
        with connection.wrap_database_errors, psycopg.Cursor(django_cursor.connection) as cursor:
            cursor.execute(sql, params, prepare=True)
            return cursor.fetchall()
