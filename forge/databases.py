"""Create the apps' databases on a PostgreSQL server when they are missing.

SQLite creates its file on first connection (the apps make its folder); PostgreSQL
needs ``CREATE DATABASE``, which no migration tool runs for you.
"""

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url


def ensure_database(database_url: str) -> bool:
    """Create the database ``database_url`` names unless it exists; True if created.

    Connects to the server's ``postgres`` database to do it, as ``createdb`` does.
    Does nothing for SQLite.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return False
    name = url.database
    if not name:
        raise ValueError(f"{url.render_as_string()}: names no database")
    with psycopg.connect(
        host=url.host or None,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname="postgres",
        autocommit=True,  # CREATE DATABASE cannot run inside a transaction
        connect_timeout=5,
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if exists:
            return False
        try:
            connection.execute(
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            )
        except psycopg.errors.DuplicateDatabase:
            return False  # another process created it in between
        return True
