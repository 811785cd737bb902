"""psycopg connections whose every wait for the server ends (R25).

``pool.py`` installs it for a PostgreSQL URL only, so a worker on SQLite never
imports psycopg. psycopg 3.3.6's ``Connection.wait`` takes the ``timeout``.
"""

from typing import Any

import psycopg
from psycopg.abc import PQGen
from psycopg.pq import TransactionStatus
from psycopg.rows import TupleRow
from sqlalchemy.pool import ConnectionPoolEntry

from flask_forge.config import QUERY_TIMEOUT_SECONDS

REPLY_TIMEOUT_SECONDS = QUERY_TIMEOUT_SECONDS + 0.5
"""The longest the app waits for any reply of the server on an open connection (R25).

Longer than the server's own statement_timeout, so a slow statement ends in the
server's error and the connection stays usable; a reply later than this means a
server that stopped answering. With CONNECT_TIMEOUT_SECONDS, 4.5 s at most before
a request has its 500, within R25's 5 s.
"""


class AnsweringConnection(psycopg.Connection[TupleRow]):
    """A psycopg connection that gives up on a reply it waited too long for (R25)."""

    def wait(
        self,
        gen: PQGen[Any],
        interval: float = 0.1,  # psycopg's own: how often a wait wakes for Ctrl-C
        timeout: float | None = None,
    ) -> Any:
        """psycopg's wait for ``gen``, but never longer than REPLY_TIMEOUT_SECONDS."""
        bound = REPLY_TIMEOUT_SECONDS if timeout is None else timeout
        try:
            return super().wait(gen, interval, min(bound, REPLY_TIMEOUT_SECONDS))
        except psycopg.OperationalError:
            # A query still ACTIVE had no reply: the protocol is mid-way and the
            # connection unusable. Closed, it is a disconnect for SQLAlchemy, which
            # invalidates it (and the pool's others, opened before the silence).
            # A server's own error (a statement_timeout) leaves it idle, and usable.
            if self.pgconn.transaction_status == TransactionStatus.ACTIVE:
                self.pgconn.finish()
            raise


def connect_answering(
    dialect: Any, record: ConnectionPoolEntry, cargs: Any, cparams: Any
) -> AnsweringConnection:
    """SQLAlchemy's "do_connect": psycopg's connect, returning the class above."""
    return AnsweringConnection.connect(*cargs, **cparams)
