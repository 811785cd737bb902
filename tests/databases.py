"""The suite's databases: the PostgreSQL server it may use, and emptying users.

``FORGE_TEST_POSTGRES_URL`` names the PostgreSQL server, if any; every test that needs
one skips without it. ``empty_users`` is the one way the suite resets a database
between tests or examples, on SQLite and on PostgreSQL alike.
"""

import os
import sqlite3
from contextlib import closing

import psycopg
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get("FORGE_TEST_POSTGRES_URL", "")
NO_POSTGRES = "FORGE_TEST_POSTGRES_URL is not set: no PostgreSQL to test on"
"""The reason every PostgreSQL run skips without one."""


def connect(database_url: str) -> psycopg.Connection[tuple[object, ...]]:
    """A psycopg connection to a ``postgresql://`` URL, committing each statement."""
    url = make_url(database_url).set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


def empty_users(database_url: str) -> None:
    """No users in the database ``database_url`` names, and ids from 1 again (R17).

    Faster than migrating afresh, and the same to the apps: a table never used.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        with closing(sqlite3.connect(url.database or "", isolation_level=None)) as db:
            # AUTOINCREMENT keeps the last id in sqlite_sequence, not in the table.
            db.executescript(
                "DELETE FROM users; DELETE FROM sqlite_sequence WHERE name = 'users';"
            )
        return
    with connect(database_url) as connection:
        connection.execute("TRUNCATE users RESTART IDENTITY")
