"""Alembic's entry point: run the migrations on an async engine.

Counterparts: ``flask_forge/migrations/env.py`` (Flask-Migrate), Django's ``migrate``
command.
"""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from fastapi_forge import models  # noqa: F401 (puts the users table on Base.metadata)
from fastapi_forge.config import Settings
from fastapi_forge.db import Base, make_sqlite_folder


def run_migrations(connection: Connection) -> None:
    """Run the pending migrations on one connection, in one transaction."""
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    """Alembic runs synchronously, so hand it the async engine's connection."""
    url = context.config.attributes.get("url") or Settings().sqlalchemy_url()
    # R24: the one place that creates the database; the app's open_engine never does.
    make_sqlite_folder(url)
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(run_migrations)
    await engine.dispose()


asyncio.run(run_async_migrations())
