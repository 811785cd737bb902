"""Every app's SQLite file in WAL mode once it has served (issue 16).

WAL lets readers go on while a writer commits, which is what took concurrent creates
off SQLite's busy handler (``forge bench``'s SQLite part chose it). ``journal_mode`` is
kept by the file, so a file made before, or by a migration in the default rollback
journal, must switch when the app first connects to it. (``synchronous=NORMAL`` is a
setting of each connection, which no other connection can read.)
"""

import sqlite3
from contextlib import closing

from tests.inprocess import ClientFactory


def journal_mode(path: str) -> str:
    with closing(sqlite3.connect(path)) as connection:
        mode: str = connection.execute("PRAGMA journal_mode").fetchone()[0]
    return mode


def test_a_file_in_the_rollback_journal_is_served_in_wal_mode(
    client_factory: ClientFactory, database_url: str
) -> None:
    path = database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode=DELETE")
    assert journal_mode(path) == "delete"

    with client_factory(database_url) as client:
        created = client.post("/forge/users", json={"name": "Ada"})
        listed = client.get("/forge/users")

    assert (created.status_code, listed.status_code) == (201, 200)
    assert journal_mode(path) == "wal"
