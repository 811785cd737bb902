"""Failures no request can cause on its own: a lost table (R25), a dead database (R24).

They need the implementation in-process, on a database the test can break.
"""

import sqlite3
from pathlib import Path

from tests.contract import assert_problem
from tests.inprocess import ClientFactory


def test_unexpected_error_is_a_problem_500(
    client_factory: ClientFactory, database_url: str
) -> None:
    """R25: an error nobody foresaw answers the fixed 500 problem, leaking nothing."""
    with client_factory(database_url) as client:
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as database:
            database.execute("DROP TABLE users")

        response = client.get("/forge/users")

        assert_problem(response, "internal-error")


def test_health_database_unavailable_is_503(
    client_factory: ClientFactory, tmp_path: Path
) -> None:
    """R24: /healthz says 503 when the database cannot be opened at all."""
    # A directory is no SQLite database: every connection attempt fails.
    with client_factory(f"sqlite:///{tmp_path}") as client:
        response = client.get("/healthz")

        assert_problem(response, "service-unavailable")


def test_health_database_answering_is_ok(
    client_factory: ClientFactory, database_url: str
) -> None:
    """R24: /healthz says ok when the database answers."""
    with client_factory(database_url) as client:
        response = client.get("/healthz")

        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json"
        assert response.json() == {"status": "ok"}
