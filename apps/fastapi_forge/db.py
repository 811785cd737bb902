"""The declarative base, the async engine, the per-request session, and migrations.

Counterparts: ``flask_forge/db.py``; Django has this built in (``settings.DATABASES``).
"""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from alembic import command
from alembic.config import Config
from fastapi import Depends, Request
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import NullPool

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


def open_engine(url: URL) -> AsyncEngine:
    """The app's engine on ``url``, which never creates an embedded file.

    Only the migrations create the database, on an engine of their own (``env.py``).
    """
    path = sqlite_file(url)
    if path is None:
        return create_async_engine(url, **server_options(url))
    # R24: SQLite's URI mode=rw opens an existing file only; its default mode, rwc,
    # would create an empty one that has no users table.
    rw_url = url.set(database=path.as_uri()).update_query_dict(
        {"mode": "rw", "uri": "true"}
    )
    # R24: a connection per request opens whatever file is at the path now; a pooled
    # one would go on serving a file deleted or moved away through its open handle.
    return create_async_engine(
        rw_url,
        poolclass=NullPool,
        # R24, R25: SQLite waits this long for another writer's lock, then fails.
        connect_args={"timeout": QUERY_TIMEOUT_SECONDS},
    )


def server_options(url: URL) -> dict[str, Any]:
    """The engine options that bound every wait on a database server (R24, R25)."""
    if url.get_backend_name() != "postgresql":
        return {}
    milliseconds = str(QUERY_TIMEOUT_SECONDS * 1000)
    return {
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
    """One session per request, from the factory ``create_app`` put on the app."""
    async with request.app.state.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def migrate(url: URL) -> None:
    """Bring the database at ``url`` to the newest migration, as ``alembic upgrade``."""
    config = Config(ALEMBIC_INI)
    # Passed as an attribute, not an ini option, so a % in a password needs no escaping.
    config.attributes["url"] = url
    command.upgrade(config, "head")
