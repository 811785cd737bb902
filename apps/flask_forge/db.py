"""The declarative base and the Flask-SQLAlchemy and Flask-Migrate extensions.

Counterparts: ``fastapi_forge/db.py``; Django has this built in
(``settings.DATABASES``). Flask-SQLAlchemy gives one session per app context, removed
when the request ends; ``init_app`` binds the extensions to an app.
"""

from pathlib import Path

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import DeclarativeBase

MIGRATIONS = Path(__file__).with_name("migrations")


class Base(DeclarativeBase):
    """The declarative base whose metadata Alembic migrates."""


# expire_on_commit=False: a committed user is still read to build the response, and
# reloading it could find the row gone, removed by a racing DELETE.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
# The package's own folder, so that `flask db upgrade` works from any directory.
migrate = Migrate(directory=str(MIGRATIONS))


def make_sqlite_folder(url: URL) -> None:
    """Make the folder of an embedded SQLite file: SQLite makes the file, not it."""
    if url.get_backend_name() == "sqlite" and url.database not in (
        None,
        "",
        ":memory:",
    ):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def init_app(app: Flask) -> None:
    """Bind the extensions to ``app``, on the database its config names."""
    make_sqlite_folder(make_url(app.config["SQLALCHEMY_DATABASE_URI"]))
    db.init_app(app)
    migrate.init_app(app, db)
