"""Django's PostgreSQL backend with a connection health check that costs nothing under load.

With persistent connections and CONN_HEALTH_CHECKS, Django sends `SELECT 1` at the start of
every request that uses the database: on survey day, one round trip per answer for a
connection that answered a few milliseconds earlier. Here the check runs only for a
connection that has been idle for longer than HEALTH_CHECK_IDLE_SECONDS, which is when a
restarted server, a failover or a dropped idle connection goes unnoticed. A connection that
breaks while busy fails its next query; that request ends with a clean error (the query was
one transaction) and Django closes the connection (`errors_occurred`), so the next request
reconnects.
"""

import time

from django.db.backends.postgresql import base

HEALTH_CHECK_IDLE_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    last_used = 0.0

    def create_cursor(self, name=None):
        self.last_used = time.monotonic()
        return super().create_cursor(name)

    def close_if_health_check_failed(self):
        recently_used = time.monotonic() - self.last_used < HEALTH_CHECK_IDLE_SECONDS
        if self.connection is not None and self.health_check_enabled and recently_used:
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
