"""django_forge keeps its database connections (issue 16), and a kept connection
still keeps R24 and R25, which a connection per request used to keep for free.

The in-process clients of ``tests/inprocess.py`` close every connection after each
request (they switch Django's settings per request), so there no connection is ever
kept; here one Django database is set for the whole test and requests go straight to
the WSGI application, as in a gunicorn worker.
"""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from sqlalchemy.engine import make_url

from forge.blackhole import BlackHole, Mode
from forge.databases import drop_database, ensure_database
from forge.servers import render
from tests.contract import JSON, assert_problem
from tests.databases import NO_POSTGRES, POSTGRES_URL
from tests.inprocess import django_database, migrate_django

DEADLINE = 5.0
"""R24, R25: the seconds within which a request answers whatever the database does."""
GIVE_UP = 15.0
"""A request unanswered after this has failed (an in-process app has no clock)."""

Result = TypeVar("Result")


@contextmanager
def kept(database_url: str) -> Iterator[httpx.Client]:
    """A client of the WSGI application on ``database_url``, whose connection lives
    from request to request as in a server's worker thread."""
    from django.core.wsgi import get_wsgi_application

    with django_database(database_url):
        transport = httpx.WSGITransport(app=get_wsgi_application())
        with httpx.Client(transport=transport, base_url="http://localhost") as client:
            yield client


def backend_connection() -> object:
    """This thread's driver connection, or None."""
    from django.db import connection

    return connection.connection


def in_a_thread(scenario: Callable[[], Result]) -> Result:
    """What ``scenario`` returns, run in a thread of its own (so its connections are
    its own), failing the test if it has not returned after GIVE_UP seconds."""
    returned: list[Result] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            returned.append(scenario())
        except BaseException as error:  # handed to the test
            failed.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=GIVE_UP)
    if failed:
        raise failed[0]
    if not returned:
        pytest.fail(f"no answer in {GIVE_UP:.0f} s", pytrace=False)
    return returned[0]


def timed(client: httpx.Client, path: str) -> tuple[httpx.Response, float]:
    """The response to a GET of ``path``, and the seconds it took."""
    started = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - started


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite file of its own."""
    url = f"sqlite:///{tmp_path / 'kept.sqlite3'}"
    migrate_django(url)
    return url


def test_sqlite_connection_is_kept_in_wal_mode(sqlite_url: str) -> None:
    """One connection serves request after request, in WAL mode, synchronous NORMAL."""
    with kept(sqlite_url) as client:
        assert client.post("/forge/users", json={"name": "Ada"}, headers=JSON)
        first = backend_connection()
        assert client.get("/forge/users/1").status_code == 200
        from django.db import connection

        with connection.cursor() as cursor:
            modes = [
                cursor.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("journal_mode", "synchronous")
            ]

        assert backend_connection() is first
        assert modes == ["wal", 1]  # 1 is NORMAL


@pytest.mark.parametrize("change", ["deleted", "moved"])
def test_sqlite_kept_connection_sees_the_file_gone(
    sqlite_url: str, change: str
) -> None:
    """R24: a file deleted or moved away under a kept connection is not served from,
    and no empty file is made in its place."""
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    with kept(sqlite_url) as client:
        assert client.get("/healthz").status_code == 200
        if change == "deleted":
            path.unlink()
        else:
            path.rename(path.with_name("moved.sqlite3"))

        health = client.get("/healthz")
        listed = client.get("/forge/users")

        assert_problem(health, "service-unavailable")
        assert listed.status_code >= 500
        assert not path.exists()


def test_sqlite_kept_connection_follows_the_file_put_back(sqlite_url: str) -> None:
    """R24: the file back at its path is served again, with no restart."""
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    away = path.with_name("away.sqlite3")
    with kept(sqlite_url) as client:
        assert client.post("/forge/users", json={"name": "Ada"}, headers=JSON)
        path.rename(away)
        assert client.get("/healthz").status_code == 503
        away.rename(path)

        listed = client.get("/forge/users")

        assert [user["name"] for user in listed.json()["items"]] == ["Ada"]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database of these tests' own."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    url = render(make_url(POSTGRES_URL).set(database="forge_kept_django"))
    ensure_database(url)
    migrate_django(url)
    yield url
    drop_database(url)


def test_postgres_connection_is_kept(postgres_url: str) -> None:
    """One PostgreSQL session serves request after request: no new backend each."""
    with kept(postgres_url) as client:
        assert client.get("/healthz").status_code == 200
        first = backend_connection()
        assert client.get("/forge/users").status_code == 200

        assert backend_connection() is first


def test_postgres_kept_connection_silent_server_is_a_problem_in_time(
    postgres_url: str,
) -> None:
    """R24, R25: a connection kept from before the server stopped answering waits
    for no reply beyond the deadline; the next request connects anew, in time too,
    and once the server answers again the app serves with no restart."""
    url = make_url(postgres_url)
    with BlackHole(url.host or "127.0.0.1", url.port or 5432) as hole:
        through = render(url.set(host="127.0.0.1", port=hole.port))

        def scenario() -> list[tuple[httpx.Response, float]]:
            with kept(through) as client:
                assert client.get("/healthz").status_code == 200
                assert backend_connection() is not None  # kept, for what follows
                hole.mode = Mode.SWALLOW
                answers = [timed(client, "/healthz"), timed(client, "/forge/users")]
                hole.mode = Mode.FORWARD
                return [*answers, timed(client, "/healthz")]

        (health, first), (listed, second), (again, _) = in_a_thread(scenario)

    assert_problem(health, "service-unavailable")
    assert_problem(listed, "internal-error")
    assert first < DEADLINE, f"kept connection: {first:.1f} s"
    assert second < DEADLINE, f"new connection: {second:.1f} s"
    assert again.status_code == 200


def test_sqlite_concurrent_writes_never_fail_on_the_lock(sqlite_url: str) -> None:
    """Writers on connections of their own, at once, in WAL mode: creates, changes
    and deletes of their own users all succeed, none answering 500 or losing its
    user to "database is locked" (each write waits on the busy timeout)."""
    from django.core.wsgi import get_wsgi_application

    with django_database(sqlite_url):
        app = get_wsgi_application()
        statuses: list[int] = []
        start = threading.Barrier(8)

        def writer(number: int) -> None:
            transport = httpx.WSGITransport(app=app)
            with httpx.Client(
                transport=transport, base_url="http://localhost"
            ) as client:
                start.wait()
                for round_ in range(15):
                    name = {"name": f"w{number}-{round_}"}
                    made = client.post("/forge/users", json=name, headers=JSON)
                    path = made.headers.get("location", "/forge/users/0")
                    renamed = {"name": f"w{number}-{round_}-renamed"}
                    changed = client.patch(path, json=renamed, headers=JSON)
                    deleted = client.delete(path)
                    statuses.extend(r.status_code for r in (made, changed, deleted))
            from django.db import connection

            connection.close()

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=GIVE_UP)

    assert sorted(set(statuses)) == [200, 201, 204]
    assert len(statuses) == 8 * 15 * 3
