"""Django's postgresql backend, whose kept connection never waits for a reply forever
(R25).

Counterparts: ``fastapi_forge/db.py`` and ``flask_forge/db.py``, the other apps'
engines. ``settings.py`` keeps connections (``CONN_MAX_AGE``), and names this module
as ``ENGINE``, the extension point Django documents for subclassing a backend.
"""

from time import monotonic
from typing import Any, TypeVar

import psycopg
from django.db.backends.postgresql import base
from django.utils.asyncio import async_unsafe
from psycopg import IsolationLevel
from psycopg.abc import PQGen

REPLY_TIMEOUT_SECONDS = 3.0
"""The longest a kept connection waits for any reply of the server (R25).

Above the server's own ``statement_timeout`` (``settings.QUERY_TIMEOUT_SECONDS``, 2 s),
so a slow statement ends in the server's error first; with libpq's ``connect_timeout``
(2 s) before a new connection's first statement, a request that meets a server gone
silent answers within 5 s.
"""

Result = TypeVar("Result")


class ReplyTimeout(psycopg.OperationalError):
    """The server sent no reply within ``REPLY_TIMEOUT_SECONDS``."""


def bounded(gen: PQGen[Result], seconds: float) -> PQGen[Result]:
    """psycopg's generator ``gen``, given up once ``seconds`` have passed.

    psycopg's wait functions resume the generator they consume at every interval of
    their wait (0.1 s, ``interval``), ready or not, so this one checks its deadline
    at least that often: on every psycopg version this project allows (3.2.1 up;
    ``Connection.wait()``'s own ``timeout`` came only in 3.3's later releases).
    """
    ends = monotonic() + seconds
    try:
        wait = next(gen)
        while True:
            ready = yield wait
            if monotonic() >= ends:
                raise ReplyTimeout(f"no reply from the database in {seconds:g} s")
            wait = gen.send(ready)
    except StopIteration as finished:
        result: Result = finished.value
        return result


class BoundedConnection(psycopg.Connection[Any]):
    """A psycopg connection whose every wait for the server has a deadline."""

    def wait(self, gen: PQGen[Result], *args: Any, **kwargs: Any) -> Result:
        # R25: a connection kept from an earlier request may meet a server that has
        # stopped answering, and libpq has no clock for a reply that never comes
        # (TCP's timeouts never fire while the peer acknowledges what it is sent).
        # Every statement, COMMIT and ROLLBACK of psycopg waits here: each gets a
        # deadline, after which an OperationalError is raised, the 500 (or /healthz's
        # 503).
        try:
            return super().wait(bounded(gen, REPLY_TIMEOUT_SECONDS), *args, **kwargs)
        except ReplyTimeout:
            # A reply still owed: the protocol is mid-way, the connection unusable.
            # Closed, Django's is_usable() fails at once and the next request
            # connects anew (under connect_timeout), rather than wait again.
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
