"""The declarative base, the async engine, the per-request session, and migrations.

Counterparts: ``flask_forge/db.py``; Django has this built in (``settings.DATABASES``).
"""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

from alembic import command
from alembic.config import Config
from fastapi import Depends, Request
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")


class Base(DeclarativeBase):
    """The declarative base whose metadata Alembic migrates."""


def make_sqlite_folder(url: URL) -> None:
    """Make the folder of an embedded SQLite file: SQLite makes the file, not it."""
    if url.get_backend_name() == "sqlite" and url.database not in (
        None,
        "",
        ":memory:",
    ):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def open_engine(url: URL) -> AsyncEngine:
    """The app's engine on ``url``."""
    make_sqlite_folder(url)
    return create_async_engine(url)


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
