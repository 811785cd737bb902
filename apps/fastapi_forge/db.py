"""The declarative base, the async engine, the per-request sessions, and migrations.

Counterparts: ``flask_forge/db.py``; Django has this built in (``settings.DATABASES``).
"""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import AsyncAdaptedQueuePool

from fastapi_forge.pool import FairQueuePool, watch_sqlite_file

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")

CONNECT_TIMEOUT_SECONDS = 2
"""The longest a request waits to connect, or for a free pooled connection.

R24 and R25 want the 503 or 500 problem within 5 seconds whatever the database does;
on a server that accepts connections and then says nothing, asyncpg would wait 60
seconds to connect, SQLAlchemy 30 for a pooled connection, and forever for a reply.
"""
QUERY_TIMEOUT_SECONDS = 2
"""The longest a statement may run, wait for a lock or wait for its reply (R24, R25).

When a reply never comes, SQLAlchemy then spends up to 2 seconds more closing the
connection that timed out (the asyncpg dialect's graceful close), inside the same
request: 4 s at most, inside the 4.5 s after which the proxy in front answers (R27).
"""


POOL_SIZE = 16
"""Connections a worker keeps to a PostgreSQL server: as many as requests in flight at
forge serve's 32 connections over its 2 workers. More requests than that wait for one,
CONNECT_TIMEOUT_SECONDS at most (R25), then answer 500."""


class Base(DeclarativeBase):
    """The declarative base whose metadata Alembic migrates."""


def sqlite_file(url: URL) -> Path | None:
    """The embedded SQLite file ``url`` names, or None for a server or memory."""
    if url.get_backend_name() == "sqlite" and url.database not in (
        None,
        "",
        ":memory:",
    ):
        return Path(url.database).absolute()
    return None


def make_sqlite_folder(url: URL) -> None:
    """Make the folder of an embedded SQLite file: SQLite makes the file, not it."""
    if path := sqlite_file(url):
        path.parent.mkdir(parents=True, exist_ok=True)


def open_engine(url: URL, *, reads_only: bool = False) -> AsyncEngine:
    """The app's engine on ``url``, which never creates an embedded file.

    Only the migrations create the database, on an engine of their own (``env.py``).
    With ``reads_only``, the engine of requests that only read (``open_read_engine``).
    """
    path = sqlite_file(url)
    if path is None:
        # First come, first served for a pooled connection (pool.py): measured on
        # PostgreSQL 50 ms away at 256 connections, where SQLAlchemy's pool left some
        # requests waiting past its timeout. On SQLite, at 32 connections, it was no
        # better than SQLAlchemy's own (served GET and POST), which is kept there.
        return create_async_engine(url, poolclass=FairQueuePool, **server_options(url))
    # R24: SQLite's URI mode=rw opens an existing file only; its default mode, rwc,
    # would create an empty one that has no users table.
    rw_url = url.set(database=path.as_uri()).update_query_dict(
        {"mode": "rw", "uri": "true"}
    )
    # SQLite takes one writer at a time. With a connection each, a worker's writers
    # poll SQLite's lock in its busy handler's sleeps, unfairly, and some waited past
    # the busy timeout ("database is locked", 4 POSTs of 2,400 answered 500 at 32
    # connections on 2 workers with SQLAlchemy's default pool); one write connection
    # a worker queues its writes in order in asyncio instead (none refused). Reads
    # go on beside it on a pool of their own, WAL's point.
    sizes = (
        {"pool_size": 5, "max_overflow": 10}
        if reads_only
        else {"pool_size": 1, "max_overflow": 0}
    )
    engine = create_async_engine(
        rw_url,
        # Named, not left to SQLAlchemy: 2.0.30, the oldest this app allows, defaults
        # an aiosqlite file to NullPool, a connection a request, which takes no sizes.
        poolclass=AsyncAdaptedQueuePool,
        **sizes,
        # R25: a request waits this long at most for a connection of the pool.
        pool_timeout=CONNECT_TIMEOUT_SECONDS,
        # R24, R25: SQLite waits this long for another writer's lock, then fails.
        connect_args={"timeout": QUERY_TIMEOUT_SECONDS},
    )
    watch_sqlite_file(engine, path)
    return engine


def open_read_engine(url: URL, engine: AsyncEngine) -> AsyncEngine:
    """The engine on ``url`` for requests that only read, beside the app's ``engine``.

    A read needs no BEGIN and no ROLLBACK around it, each statement commits by
    itself: on PostgreSQL two round trips fewer a request (AUTOCOMMIT, which asyncpg's
    dialect sets without a round trip), on ``engine``'s pool. On SQLite, where sqlite3
    begins none before a SELECT anyway, it is a pool of its own, so that reads go on
    beside the one write connection (``open_engine``).
    """
    if engine.dialect.name == "sqlite":
        return open_engine(url, reads_only=True)
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def server_options(url: URL) -> dict[str, Any]:
    """The engine options that bound every wait on a database server (R24, R25)."""
    if url.get_backend_name() != "postgresql":
        return {}
    milliseconds = str(QUERY_TIMEOUT_SECONDS * 1000)
    return {
        # Measured (forge bench, get at 32 connections on 2 workers): SQLAlchemy's
        # default, 5 + 10 overflow, opened and closed its overflow connections as the
        # load came and went, about 700 µs of PostgreSQL's CPU a request; 16 kept and
        # none more, about 80 µs, and two thirds more requests a second.
        "pool_size": POOL_SIZE,
        "max_overflow": 0,
        "pool_timeout": CONNECT_TIMEOUT_SECONDS,
        "connect_args": {
            "timeout": CONNECT_TIMEOUT_SECONDS,
            # asyncpg's clock: a reply that never comes raises TimeoutError.
            "command_timeout": QUERY_TIMEOUT_SECONDS,
            # The server's: a statement stuck behind a lock ends in an error, and a
            # transaction its client abandoned mid-way stops holding its locks.
            "server_settings": {
                "statement_timeout": milliseconds,
                "idle_in_transaction_session_timeout": milliseconds,
            },
        },
    }


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request that writes, from the factory ``create_app`` made.

    A session connects at its first statement, so a request refused before its
    handler (400, 413, 415, 422) checks out no connection.
    """
    async with request.app.state.sessionmaker() as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request that only reads, on ``open_read_engine``'s engine."""
    async with request.app.state.read_sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]


def migrate(url: URL) -> None:
    """Bring the database at ``url`` to the newest migration, as ``alembic upgrade``."""
    # Imported here: a worker never migrates, and need not hold Alembic in memory.
    from alembic import command
    from alembic.config import Config

    config = Config(ALEMBIC_INI)
    # Passed as an attribute, not an ini option, so a % in a password needs no escaping.
    config.attributes["url"] = url
    command.upgrade(config, "head")
