"""flask_forge's pooled SQLite connections, which the HTTP tests cannot see.

The app keeps its connections (``flask_forge/pool.py``) and puts its file in WAL mode
with synchronous=NORMAL. These check what that promises on top of the contract: the
file is in WAL mode once the app has served, and writes racing on one file, a PATCH
reading its user before it updates it among them, never fail on SQLite's lock.
"""

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest

from tests.contract import JSON
from tests.inprocess import IMPLEMENTATIONS

WRITERS = 8
WRITES = 25
"""Per writer: enough that, without each write transaction beginning with its write,
a PATCH's read would meet another connection's commit (SQLITE_BUSY at once)."""


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A fresh SQLite file made by flask_forge's migrations."""
    url = f"sqlite:///{tmp_path / 'forge.sqlite3'}"
    IMPLEMENTATIONS["flask"].migrate(url)
    return url


def test_the_file_is_in_wal_mode_once_served(database_url: str) -> None:
    """A file made before the app serves is in WAL mode after it has."""
    path = database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as connection:  # as a file made before WAL
        connection.execute("PRAGMA journal_mode=DELETE")
    from flask_forge.app import create_app
    from flask_forge.db import db

    app = create_app({"DATABASE_URL": database_url})
    try:
        assert app.test_client().get("/healthz").status_code == 200
    finally:
        with app.app_context():
            db.engine.dispose()

    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_racing_writes_never_fail_on_the_lock(database_url: str) -> None:
    """Creates and PATCHes of one user from several threads, each on its own pooled
    connection: every one answers 201 or 200, none the 500 of "database is locked"."""
    from flask_forge.app import create_app
    from flask_forge.db import db

    app = create_app({"DATABASE_URL": database_url})
    created = app.test_client().post("/forge/users", json={"name": "Ada"}, headers=JSON)
    user = created.get_json()["id"]

    def write(writer: int) -> list[int]:
        client = app.test_client()
        statuses = []
        for n in range(WRITES):
            name = {"name": f"writer {writer} write {n}"}
            if n % 2:
                answer = client.patch(f"/forge/users/{user}", json=name, headers=JSON)
            else:
                answer = client.post("/forge/users", json=name, headers=JSON)
            statuses.append(answer.status_code)
        return statuses

    try:
        with ThreadPoolExecutor(WRITERS) as pool:
            statuses = [s for run in pool.map(write, range(WRITERS)) for s in run]
    finally:
        with app.app_context():
            db.engine.dispose()

    assert created.status_code == 201
    assert set(statuses) <= {200, 201}, statuses
    assert len(statuses) == WRITERS * WRITES
