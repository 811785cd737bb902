"""The ``client`` fixture: one HTTP client per implementation, on a fresh database.

In-process by default: every implementation in ``inprocess.IMPLEMENTATIONS``, on SQLite
(each test on a copy of a database migrated once per session) and on PostgreSQL when
``FORGE_TEST_POSTGRES_URL`` names a server (each implementation in its own database
there, emptied before each test); without it the PostgreSQL runs are reported skipped.

Against live servers instead, of any language: ``--forge-url NAME=URL`` (repeatable),
or ``--forge-serve [DATABASE_URL]``, which starts ``forge serve`` on free ports for the
session. The suite then deletes every user through the API before each test, so point
it only at a database you can lose.
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
import time_machine
from time_machine import Traveller as Clock

from forge.databases import drop_database, ensure_database
from forge.servers import SERVERS, app_database_url
from forge_conformance.cases import delete_every_user
from forge_conformance.suite import health_problem, unreachable
from forge_conformance.urls import parse_named_urls
from tests.contract import API_TOKEN
from tests.databases import NO_POSTGRES, POSTGRES_URL, empty_users
from tests.inprocess import IMPLEMENTATIONS, ClientFactory
from tests.live import forge_serve

pytest_plugins = ["tests.reporting"]

BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            not POSTGRES_URL,
            reason=NO_POSTGRES,
        ),
    ),
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--forge-url",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="test a live server instead of the in-process apps (repeatable); "
        "the suite deletes every user before each test",
    )
    parser.addoption(
        "--forge-token",
        default=None,
        metavar="TOKEN",
        help="the API token the live servers were started with (R26): the suite "
        "then runs the cases for a server with a token; with --forge-serve, start "
        "them with it",
    )
    parser.addoption(
        "--forge-serve",
        nargs="?",
        const="",
        default=None,
        metavar="DATABASE_URL",
        help="start `forge serve` (SQLite, or on DATABASE_URL) for the session and "
        "test its three live servers",
    )
    parser.addoption(
        "--forge-instances",
        type=int,
        default=1,
        metavar="N",
        help="with --forge-serve, start N servers per app behind HAProxy's balancer",
    )


def pytest_configure(config: pytest.Config) -> None:
    """With ``--forge-serve``, start the servers before collection needs their URLs;
    then check that every live server answers, before any test runs."""
    database_url = config.getoption("forge_serve")
    if database_url is not None:
        stack = ExitStack()
        config.stash[SERVING] = stack
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        token = config.getoption("forge_token")
        options = [f"--api-token={token}"] if token else []
        instances = config.getoption("forge_instances")
        if instances > 1:
            options.append(f"--instances={instances}")
        served = stack.enter_context(
            forge_serve(directory, SERVERS, *options, database_url=database_url)
        )
        config.option.forge_url += [
            f"{name}={url}" for name, url in served.urls.items()
        ]
    config.stash[STOPPED] = {}
    # One line per server that cannot be judged, rather than an error per test.
    problems = unreachable(live_urls(config))
    if problems:
        raise pytest.UsageError(
            "\n".join(f"--forge-url {p}" for p in problems.values())
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the servers ``--forge-serve`` started, whatever happened."""
    stack = config.stash.get(SERVING, None)
    if stack is not None:
        stack.close()


SERVING = pytest.StashKey[ExitStack]()
STOPPED = pytest.StashKey[dict[str, str]]()
"""The live servers that stopped answering during the run, each with why."""


def live_urls(config: pytest.Config) -> dict[str, str]:
    """The ``--forge-url`` options as {name: base URL}."""
    try:
        return parse_named_urls(config.getoption("forge_url"))
    except ValueError as error:
        raise pytest.UsageError(f"--forge-url: {error}") from None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "implementation" not in metafunc.fixturenames:
        return
    live = list(live_urls(metafunc.config))
    metafunc.parametrize(
        "implementation", live or list(IMPLEMENTATIONS), scope="session"
    )
    if "client" in metafunc.fixturenames and not live:
        metafunc.parametrize("backend", BACKENDS, scope="session")
    if metafunc.definition.get_closest_marker("token_modes") and not live:
        # In-process, each app is started both ways; live servers have one mode.
        metafunc.parametrize(
            "api_token", [None, API_TOKEN], ids=["no-token", "token"], scope="session"
        )


@pytest.fixture(scope="session")
def api_token(request: pytest.FixtureRequest) -> str | None:
    """The API token of the implementation under test (R26): live, the one
    ``--forge-token`` names; in-process, none, unless a test asks for both modes
    (``@pytest.mark.token_modes``)."""
    token: str | None = request.config.getoption("forge_token")
    return token


@pytest.fixture(scope="session")
def template(implementation: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once per session; each test gets a copy of it."""
    if implementation not in IMPLEMENTATIONS:
        pytest.skip(f"{implementation} is a live server: no database to prepare")
    path = tmp_path_factory.mktemp(f"{implementation}-template") / "forge.sqlite3"
    IMPLEMENTATIONS[implementation].migrate(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(template: Path, tmp_path: Path) -> str:
    """A fresh, migrated SQLite database for one test."""
    path = tmp_path / "forge.sqlite3"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_database(implementation: str) -> Iterator[str]:
    """The implementation's own database on the PostgreSQL server, migrated afresh;
    dropped after the run unless ``FORGE_TEST_KEEP_DATABASES=1`` keeps it to look at."""
    url = app_database_url(POSTGRES_URL, f"{implementation}_tests")
    drop_database(url)
    ensure_database(url)
    IMPLEMENTATIONS[implementation].migrate(url)
    yield url
    if os.environ.get("FORGE_TEST_KEEP_DATABASES") != "1":
        drop_database(url)


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    """The implementation's PostgreSQL database with no users, ids starting at 1."""
    empty_users(postgres_database)
    return postgres_database


@pytest.fixture
def client_factory(
    implementation: str, request: pytest.FixtureRequest
) -> ClientFactory:
    """Opens in-process clients on databases a test prepares itself."""
    if implementation in live_urls(request.config):
        pytest.skip("needs the implementation in-process, not a live server")
    return IMPLEMENTATIONS[implementation].client


@pytest.fixture
def clock(implementation: str, request: pytest.FixtureRequest) -> Iterator[Clock]:
    """A clock of the test's own, stopped until the test moves it; in-process only,
    since a live server keeps its own time."""
    if implementation in live_urls(request.config):
        pytest.skip("needs the implementation in-process, not a live server")
    with time_machine.travel(0, tick=False) as traveller:
        yield traveller


@pytest.fixture(scope="session")
def backend() -> str:
    """The database of in-process runs; ``pytest_generate_tests`` parametrizes it."""
    return "sqlite"


@pytest.fixture
def client(
    implementation: str,
    backend: str,
    api_token: str | None,
    request: pytest.FixtureRequest,
) -> Iterator[httpx.Client]:
    """An HTTP client of the implementation under test, with no users yet.

    Where the server has an API token, the client sends it on every request (R26:
    then every answer is contract 1.0's), except in the tests that send each
    request's credentials themselves (``@pytest.mark.token_modes``).
    """
    sends_its_own = request.node.get_closest_marker("token_modes") is not None
    headers = (
        {"Authorization": f"Bearer {api_token}"}
        if api_token and not sends_its_own
        else {}
    )
    url = live_urls(request.config).get(implementation)
    if url is not None:
        stopped = request.config.stash[STOPPED]
        if implementation in stopped:
            pytest.skip(stopped[implementation])
        with httpx.Client(base_url=url, timeout=10, headers=headers) as live:
            empty_live_server(live, f"{implementation}: {url}", stopped, api_token)
            yield live
        return
    database = request.getfixturevalue(
        "postgres_url" if backend == "postgresql" else "database_url"
    )
    with IMPLEMENTATIONS[implementation].client(database, api_token) as in_process:
        in_process.headers.update(headers)
        yield in_process


def empty_live_server(
    live: httpx.Client, named: str, stopped: dict[str, str], token: str | None
) -> None:
    """Delete every user; a server that no longer answers fails this test once, and
    its remaining tests are reported not run."""
    try:
        delete_every_user(live, token)  # its failure is the test's error
    except httpx.TransportError:
        problem = health_problem(live)
        if problem is None:
            raise
        line = f"{named} {problem}"
        stopped[named.partition(":")[0]] = f"not run: {line}"
        pytest.fail(f"{line}; its remaining tests are not run", pytrace=False)
