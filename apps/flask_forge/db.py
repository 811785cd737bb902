"""The declarative base and the Flask-SQLAlchemy and Flask-Migrate extensions.

Counterparts: ``fastapi_forge/db.py``; Django has this built in
(``settings.DATABASES``). Flask-SQLAlchemy gives one session per app context, removed
when the request ends; ``init_app`` binds the extensions to an app, and
``migration_engine`` is the one engine that may create the database (R24).
"""

from pathlib import Path

import click
from flask import Flask
from flask.cli import ScriptInfo
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Engine, NullPool, create_engine, event
from sqlalchemy.orm import DeclarativeBase

from flask_forge import pool
from flask_forge.config import sqlite_file

MIGRATIONS = Path(__file__).with_name("migrations")


class Base(DeclarativeBase):
    """The declarative base whose metadata Alembic migrates."""


# expire_on_commit=False: a committed user is still read to build the response, and
# reloading it could find the row gone, removed by a racing DELETE.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})


def init_app(app: Flask) -> None:
    """Bind the extensions to ``app``, on the database its config names."""
    db.init_app(app)
    if loaded_by_the_flask_command():
        init_migrations(app)
    with app.app_context():
        pool.init_engine(db.engine)  # R24, R25 on pooled connections


def init_migrations(app: Flask) -> None:
    """Bind Flask-Migrate to ``app``, for its `flask db` commands and ``upgrade()``.

    Flask-Migrate, with the Alembic and Mako it imports, is 11 MiB that a worker never
    uses (forge bench's memory table), so ``init_app`` binds it only for the flask
    command; a caller that migrates otherwise binds it first.
    """
    from flask_migrate import Migrate

    # The package's own folder, so that `flask db upgrade` works from any directory.
    Migrate(app, db, directory=str(MIGRATIONS))


def loaded_by_the_flask_command() -> bool:
    """Whether the `flask` command is loading the app (to find or run one of its
    commands), not a server."""
    context = click.get_current_context(silent=True)
    return context is not None and context.find_object(ScriptInfo) is not None


def migration_engine(engine: Engine) -> Engine:
    """The app's ``engine``, but one that creates a missing SQLite file and its folder.

    The app opens its file with ``mode=rw`` (``config.existing_file_only``), which
    never creates it: only the migrations do (R24).
    """
    url = engine.url
    path = sqlite_file(url)
    if path is None or url.query.get("mode") != "rw":
        return engine
    # SQLite makes the file, not its folder. The path is absolute by now:
    # Flask-SQLAlchemy has put a relative one in instance/.
    path.parent.mkdir(parents=True, exist_ok=True)
    # NullPool: the migration's connection closes with it, leaving nothing to dispose.
    created = create_engine(url.update_query_dict({"mode": "rwc"}), poolclass=NullPool)
    event.listen(created, "connect", pool.set_pragmas)  # a new file starts in WAL mode
    return created
