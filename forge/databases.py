"""Create and drop the apps' databases on a PostgreSQL server.

SQLite creates its file on first connection (the apps make its folder); PostgreSQL
needs ``CREATE DATABASE``, which no migration tool runs for you. ``forge serve``
creates; the test suite drops, to start each run from a database never used.
"""

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url


def ensure_database(database_url: str) -> bool:
    """Create the database ``database_url`` names unless it exists; True if created.

    Connects to the server's ``postgres`` database to do it, as ``createdb`` does.
    Does nothing for SQLite.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return False
    name = database_name(url)
    with server_connection(url) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if exists:
            return False
        try:
            connection.execute(
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            )
        except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
            # Another process created it in between: the second of two racing CREATEs
            # fails on the catalog's unique index, not always as DuplicateDatabase.
            return False
        return True


@contextmanager
def migration_lock(database_url: str) -> Iterator[None]:
    """Hold a lock of the database's own while its migrations run; a no-op on SQLite.

    Two ``forge serve`` runs started together would run the same migrations at once,
    and one would fail on a table the other just made. A PostgreSQL advisory lock,
    taken on the server's ``postgres`` database and keyed by the database's name,
    makes the second wait, then find nothing left to do.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield
        return
    key = zlib.crc32(f"forge migrate {database_name(url)}".encode())
    with server_connection(url) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (key,))


def drop_database(database_url: str) -> None:
    """Drop the PostgreSQL database ``database_url`` names, if it exists.

    Connects to the server's ``postgres`` database, as ``dropdb`` does, and drops it
    even while some connection is still open on it.
    """
    url = make_url(database_url)
    name = database_name(url)
    with server_connection(url) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )


def server_process(database_url: str) -> int | None:
    """The process id of the PostgreSQL server ``database_url`` is on, if it runs on
    this machine (the parent of the backend serving a connection), else None.

    ``forge bench`` measures that process tree's CPU: a database on the same cores is
    the benchmark's own work, not other work disturbing it.
    """
    url = make_url(database_url)
    with server_connection(url) as connection:
        row = connection.execute("SELECT pg_backend_pid()").fetchone()
        try:  # while the connection is open: its backend ends with it
            text = Path(f"/proc/{row[0] if row else 0}/stat").read_text()
        except OSError:
            return None  # another machine's (or no /proc)
    name, fields = (
        text[text.index("(") + 1 : text.rindex(")")],
        text[text.rindex(")") + 2 :],
    )
    if name != "postgres":
        return None  # that process id is another one here: a container's server
    return int(fields.split()[1])


def database_name(url: URL) -> str:
    """The name of the database ``url`` names; a URL without one is an error."""
    if not url.database:
        raise ValueError(f"{url.render_as_string()}: names no database")
    return url.database


def server_connection(url: URL) -> psycopg.Connection[tuple[object, ...]]:
    """A connection to the ``postgres`` database of the server ``url`` is on."""
    return psycopg.connect(
        host=url.host or None,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname="postgres",
        autocommit=True,  # CREATE and DROP DATABASE cannot run inside a transaction
        connect_timeout=5,
    )
