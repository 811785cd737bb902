"""Django's postgresql backend, whose kept connection never waits for a reply forever
(R25).

Counterparts: ``fastapi_forge/db.py`` and ``flask_forge/db.py``, the other apps'
engines. ``settings.py`` keeps connections (``CONN_MAX_AGE``), and names this module
as ``ENGINE``, the extension point Django documents for subclassing a backend.
"""

from typing import Any, TypeVar

import psycopg
from django.db.backends.postgresql import base
from django.utils.asyncio import async_unsafe
from psycopg import IsolationLevel
from psycopg.abc import PQGen
from psycopg.pq import TransactionStatus

REPLY_TIMEOUT_SECONDS = 2.5
"""The longest a kept connection waits for any reply of the server (R25).

Above the server's own ``statement_timeout`` (``settings.QUERY_TIMEOUT_SECONDS``, 2 s),
so a slow statement ends in the server's error first, and the connection stays
usable; with libpq's ``connect_timeout`` (2 s) before a new connection's first
statement, 4.5 s at most before a request has its answer, within R25's 5 s.
"""

Result = TypeVar("Result")


class BoundedConnection(psycopg.Connection[Any]):
    """A psycopg connection whose every wait for the server has a deadline."""

    def wait(
        self, gen: PQGen[Result], interval: float = 0.1, timeout: float | None = None
    ) -> Result:
        # R25: a connection kept from an earlier request may meet a server that has
        # stopped answering, and libpq has no clock for a reply that never comes
        # (TCP's timeouts never fire while the peer acknowledges what it is sent).
        # Every statement, COMMIT and ROLLBACK of psycopg waits here: each gets
        # psycopg's own deadline (``timeout``, from psycopg 3.3.6), after which an
        # OperationalError is raised, the 500 (or /healthz's 503).
        bound = REPLY_TIMEOUT_SECONDS if timeout is None else timeout
        try:
            return super().wait(gen, interval, min(bound, REPLY_TIMEOUT_SECONDS))
        except psycopg.OperationalError:
            # A reply still owed: the protocol is mid-way, the connection unusable.
            # Closed, Django's is_usable() fails at once and the next request
            # connects anew (under connect_timeout), rather than wait again. A
            # server's own error (a statement_timeout) leaves it idle, and usable.
            if self.pgconn.transaction_status == TransactionStatus.ACTIVE:
                self.close()
            raise


class DatabaseWrapper(base.DatabaseWrapper):
    """Django's PostgreSQL connection, made a ``BoundedConnection``."""

    @async_unsafe
    def get_new_connection(self, conn_params: dict[str, Any]) -> BoundedConnection:
        # Django's own, which calls psycopg.connect(), less what settings.py never
        # sets: the pool and OPTIONS["isolation_level"] (Django's default is kept).
        self.isolation_level = IsolationLevel.READ_COMMITTED
        return BoundedConnection.connect(**conn_params)
