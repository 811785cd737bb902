"""Failures no request can cause on its own: a lost table (R25), a dead or missing
database (R24).

They need the implementation in-process, on a database the test can break.
"""

import sqlite3
from pathlib import Path

from tests.contract import JSON, assert_problem
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


def sqlite_path(database_url: str) -> Path:
    return Path(database_url.removeprefix("sqlite:///"))


def test_health_table_lost_is_503(
    client_factory: ClientFactory, database_url: str
) -> None:
    """R24: the database answers, but without its users table the API cannot serve."""
    with client_factory(database_url) as client:
        with sqlite3.connect(sqlite_path(database_url)) as database:
            database.execute("DROP TABLE users")

        response = client.get("/healthz")

        assert_problem(response, "service-unavailable")


def test_health_file_deleted_while_serving_is_503(
    client_factory: ClientFactory, database_url: str
) -> None:
    """R24: an embedded file deleted under a running app: no more 200 from it."""
    with client_factory(database_url) as client:
        assert client.get("/healthz").status_code == 200
        sqlite_path(database_url).unlink()

        response = client.get("/healthz")

        assert_problem(response, "service-unavailable")
        assert not sqlite_path(database_url).exists()


def test_health_file_moved_away_is_503_and_nothing_is_created(
    client_factory: ClientFactory, database_url: str
) -> None:
    """R24: a file moved away is not served from, and no empty one replaces it."""
    with client_factory(database_url) as client:
        assert client.get("/healthz").status_code == 200
        path = sqlite_path(database_url)
        path.rename(path.with_name("moved.sqlite3"))

        health = client.get("/healthz")
        listed = client.get("/forge/users")

        assert_problem(health, "service-unavailable")
        assert listed.status_code >= 500
        assert not path.exists()


def test_a_missing_file_is_never_created_by_the_app(
    client_factory: ClientFactory, tmp_path: Path
) -> None:
    """R24: an app on a database file that does not exist answers 503 and leaves it
    missing: only its migrations create it."""
    path = tmp_path / "never-migrated.sqlite3"
    with client_factory(f"sqlite:///{path}") as client:
        health = client.get("/healthz")
        created = client.post("/forge/users", json={"name": "Ada"}, headers=JSON)

        assert_problem(health, "service-unavailable")
        assert created.status_code >= 500
        assert not path.exists()
