"""A database that stops answering (issue 18): every request still answers in time,
R24's 503 on /healthz and R25's 500 on the API, and the app recovers by itself.

On PostgreSQL, each app in-process on a database of its own reached through
``forge/blackhole.py``'s relay, which keeps accepting connections and reading from
them but answers nothing. Each test first serves a request through the relay, so the
app meets the black hole as a running server would: with whatever connections it
kept from before. On SQLite, another connection holds the file's lock.

Every request here begins after the black hole does; the Flask and Django apps' kept
connections give up on a reply too (psycopg's ``Connection.wait`` with a ``timeout``),
as asyncpg's ``command_timeout`` does for FastAPI's.
"""

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy.engine import make_url

from forge.blackhole import BlackHole, Mode
from forge.servers import render
from tests.contract import JSON, assert_problem
from tests.databases import empty_users
from tests.inprocess import ClientFactory, own_postgres_database

DEADLINE = 5.0
"""R24, R25: the seconds within which a request answers whatever the database does.

A correctness bound of the contract, not a benchmark: only an upper bound is right."""
GIVE_UP = 15.0
"""A request still unanswered after this has failed; waiting longer would hang the
suite, since an in-process app never times out by itself."""
RECOVERY = 10.0
"""The seconds an app may take to answer 200 again once its database answers."""

NEW_USER = {"name": "Ada"}
"""A body every app accepts (R10-R14) on an empty database."""


@dataclass
class Patience:
    """Sends each request in a thread of its own and waits GIVE_UP seconds at most.

    In-process transports call the app in the caller's thread and ignore httpx's
    timeouts, so a request the app never answers would hang the test.
    """

    waiting: list[threading.Thread] = field(default_factory=list)

    def __call__(
        self, send: Callable[[], httpx.Response]
    ) -> tuple[httpx.Response, float]:
        """The response ``send`` gets, and the seconds it took."""
        answered: list[httpx.Response] = []
        failed: list[BaseException] = []

        def run() -> None:
            try:
                answered.append(send())
            except BaseException as error:  # handed to the test, not lost in the thread
                failed.append(error)

        thread = threading.Thread(target=run, daemon=True)
        self.waiting.append(thread)
        started = time.monotonic()
        thread.start()
        thread.join(timeout=GIVE_UP)
        seconds = time.monotonic() - started
        if failed:
            raise failed[0]
        if not answered:
            pytest.fail(f"no answer in {GIVE_UP:.0f} s", pytrace=False)
        return answered[0], seconds


@pytest.fixture
def ask() -> Iterator[Patience]:
    """Sends the test's requests. Any still running when the test ends is waited for
    after the relay (set up later, so closed first) has ended its connections: no
    request outlives its test."""
    patience = Patience()
    yield patience
    for thread in patience.waiting:
        thread.join(timeout=GIVE_UP)
        assert not thread.is_alive(), "a request outlived the relay's connections"


@pytest.fixture(scope="session")
def timeouts_database(implementation: str) -> Iterator[str]:
    """The implementation's own PostgreSQL database for these tests, migrated
    directly (not through the relay); dropped after the run."""
    with own_postgres_database(
        implementation, "timeouts", "no database to break"
    ) as url:
        yield url


@dataclass
class Relay:
    """The black hole in front of the test's database, and the URL through it."""

    hole: BlackHole
    url: str


@pytest.fixture
def relay(timeouts_database: str, ask: Patience) -> Iterator[Relay]:
    """A relay, forwarding, to the implementation's database with no users."""
    empty_users(timeouts_database)
    url = make_url(timeouts_database)
    with BlackHole(url.host or "127.0.0.1", url.port or 5432) as hole:
        yield Relay(hole, render(url.set(host="127.0.0.1", port=hole.port)))


def assert_answers_in_time(
    ask: Patience, send: Callable[[], httpx.Response], name: str
) -> None:
    """Twice, since the second request finds what the first left: each answers the
    problem ``name`` within the deadline."""
    for attempt in ("first", "second"):
        response, seconds = ask(send)
        assert_problem(response, name)
        assert seconds < DEADLINE, f"{attempt} answer after {seconds:.1f} s"


SILENT_DATABASE = {
    # operation: (its request, the problem it answers when the database is silent)
    "health": (("GET", "/healthz"), "service-unavailable"),  # R24
    "list": (("GET", "/forge/users"), "internal-error"),  # R25
    "create": (("POST", "/forge/users"), "internal-error"),  # R25
}


@pytest.mark.parametrize("operation", SILENT_DATABASE)
def test_database_not_answering_is_a_problem_in_time(
    client_factory: ClientFactory, relay: Relay, ask: Patience, operation: str
) -> None:
    """R24, R25: when the database stops answering, /healthz is the 503 problem and
    the API's operations the 500 problem, each within the deadline."""
    (method, path), problem = SILENT_DATABASE[operation]
    body = {"json": NEW_USER, "headers": JSON} if method == "POST" else {}
    with client_factory(relay.url) as client:
        assert ask(lambda: client.get(path))[0].status_code == 200
        relay.hole.mode = Mode.SWALLOW

        assert_answers_in_time(
            ask,
            lambda: client.request(method, path, **body),  # type: ignore[arg-type]
            problem,
        )


def test_check_health_database_answering_again_is_ok_without_restart(
    client_factory: ClientFactory, relay: Relay, ask: Patience
) -> None:
    """R24: once the database answers again, the same app serves again."""
    with client_factory(relay.url) as client:
        assert ask(lambda: client.get("/healthz"))[0].status_code == 200
        relay.hole.mode = Mode.SWALLOW
        assert_problem(ask(lambda: client.get("/healthz"))[0], "service-unavailable")

        relay.hole.mode = Mode.FORWARD
        deadline = time.monotonic() + RECOVERY
        health, _ = ask(lambda: client.get("/healthz"))
        while health.status_code != 200:
            assert time.monotonic() < deadline, f"still {health.status_code}"
            time.sleep(0.2)
            health, _ = ask(lambda: client.get("/healthz"))
        listed, _ = ask(lambda: client.get("/forge/users"))

        assert health.json() == {"status": "ok"}
        assert listed.status_code == 200


def test_create_user_replies_lost_is_500_and_not_committed(
    client_factory: ClientFactory, relay: Relay, ask: Patience
) -> None:
    """R25: a create whose replies are all lost is the 500 problem, in time, and was
    not committed: the user is not listed, and the same create then succeeds (R15).

    The server receives everything but the app hears nothing from the request's
    start, so the first reply it waits for never comes: a new connection's start-up
    (a connection per request) or, on a pooled connection, BEGIN's. Nothing is sent
    after a statement that has not answered, so the INSERT never reaches the server.
    A reply lost later, COMMIT's, would leave the user created after all.
    """
    with client_factory(relay.url) as client:

        def create() -> httpx.Response:
            return client.post("/forge/users", json=NEW_USER, headers=JSON)

        assert ask(lambda: client.get("/forge/users"))[0].status_code == 200
        relay.hole.mode = Mode.DROP_REPLIES

        lost, seconds = ask(create)
        assert_problem(lost, "internal-error")
        assert seconds < DEADLINE, f"answer after {seconds:.1f} s"

        relay.hole.mode = Mode.FORWARD
        listed, _ = ask(lambda: client.get("/forge/users"))
        retried, _ = ask(create)

        assert listed.status_code == 200
        assert listed.json()["total"] == 0
        assert retried.status_code == 201


@pytest.fixture
def locked_database(database_url: str) -> Iterator[str]:
    """A migrated SQLite database whose file another connection holds locked."""
    path = database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path, isolation_level=None)) as holder:
        # In WAL mode (every app's, issue 16) BEGIN EXCLUSIVE alone still lets
        # readers read: the exclusive locking mode keeps them out too.
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")  # no other connection reads or writes
        yield database_url
        holder.execute("ROLLBACK")


def test_check_health_database_locked_is_503_in_time(
    client_factory: ClientFactory, locked_database: str, ask: Patience
) -> None:
    """R24: an SQLite file locked by another writer is the 503 problem, in time."""
    with client_factory(locked_database) as client:
        assert_answers_in_time(
            ask, lambda: client.get("/healthz"), "service-unavailable"
        )


def test_create_user_database_locked_is_500_in_time(
    client_factory: ClientFactory, locked_database: str, ask: Patience
) -> None:
    """R25: a create on an SQLite file locked by another writer is the 500 problem,
    in time."""
    with client_factory(locked_database) as client:
        assert_answers_in_time(
            ask,
            lambda: client.post("/forge/users", json=NEW_USER, headers=JSON),
            "internal-error",
        )
