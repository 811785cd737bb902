"""Pooled connections that still keep R24 and R25, through SQLAlchemy's pool events.

Counterparts: ``fastapi_forge/pool.py``; Django's ``backends/``. A connection per
request costs a connect for each (on PostgreSQL a server process and its start-up,
about 4.6 ms of its CPU and two more round trips; on SQLite the file's schema read
again), so the engine keeps its connections (``config.engine_options``). Two rules
chose a connection per request before; ``init_engine`` keeps both with a pool:

- R24: a pooled SQLite connection would go on serving a file deleted or moved away,
  through its open handle. Each checkout compares the file now at the path with the
  one the connection opened, and refuses a stale connection the way SQLAlchemy
  documents: ``DisconnectionError`` in a "checkout" event, after which the pool opens
  a new connection, which fails for a missing file (``mode=rw``) or opens the new one.
- R25: a pooled PostgreSQL connection opened before the server stopped answering
  would wait forever for a reply (psycopg has no client-side timeout of its own by
  default; the server's statement_timeout cannot fire on a server that is silent).
  ``postgres.AnsweringConnection`` bounds every wait for the server with psycopg's own
  ``timeout`` of ``Connection.wait`` (psycopg 3.3.6), and closes a connection whose
  reply did not come, so SQLAlchemy sees a disconnect and drops it from the pool.
"""

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from flask_forge.config import sqlite_file

# SQLite: WAL lets readers go on while a writer commits, where the rollback journal
# makes them wait. synchronous=NORMAL in WAL mode syncs at checkpoints, not at each
# commit: a crash of the app or of its server process loses no acknowledged write
# (tests/test_reliability.py kills servers and checks), a power loss or an OS crash
# may lose the last commits. journal_mode is kept by the file, but one made before
# (or by a migration) switches here; synchronous is per connection.
# No BEGIN IMMEDIATE is needed: pysqlite's own transaction control (SQLAlchemy's
# default) begins a transaction just before the first INSERT, UPDATE or DELETE, and
# a SELECT before it (PATCH reads its user) runs in none. So a write transaction
# starts with its write, which waits out the busy timeout for the lock, and never
# upgrades a read snapshot another commit has made stale (SQLITE_BUSY at once, "database
# is locked"). tests/test_flask_pool.py races writes to hold this; it fails with a
# plain deferred BEGIN at each transaction's start.
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")

FileIdentity = tuple[int, int] | None


def init_engine(engine: Engine) -> None:
    """Install the checks of R24 (SQLite) or R25 (PostgreSQL) on ``engine``'s pool."""
    if engine.url.get_backend_name() == "postgresql":
        # Imported here: psycopg and libpq are 10 MiB a worker on SQLite never uses.
        from flask_forge.postgres import connect_answering

        event.listen(engine, "do_connect", connect_answering)
        return
    path = sqlite_file(engine.url)
    if path is None:
        return
    event.listen(engine, "connect", set_pragmas)

    @event.listens_for(engine, "connect")
    def remember_file(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        """Note which file the new connection opened (R24)."""
        record.info["file"] = file_identity(path)

    @event.listens_for(engine, "checkout")
    def refuse_stale_file(
        dbapi_connection: Any,
        record: ConnectionPoolEntry,
        proxy: PoolProxiedConnection,
    ) -> None:
        """R24: a connection to a file no longer at the path is not used again."""
        if file_identity(path) != record.info["file"]:
            raise DisconnectionError("the database file was deleted, moved or replaced")


def set_pragmas(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    """Put a new SQLite connection in WAL mode with synchronous=NORMAL."""
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def file_identity(path: Path) -> FileIdentity:
    """The file at ``path`` as its device and inode, or None when there is none."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    return status.st_dev, status.st_ino
