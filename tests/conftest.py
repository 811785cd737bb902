"""The ``client`` fixture: one HTTP client per implementation, on a fresh database.

In-process by default (every implementation in ``inprocess.IMPLEMENTATIONS``, each test
on a copy of a database migrated once per session). With ``--forge-url NAME=URL``
(repeatable) the same tests run against live servers instead, of any language: the suite
then deletes every user through the API before each test, so point it only at a database
you can lose.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.inprocess import IMPLEMENTATIONS, ClientFactory


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--forge-url",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="test a live server instead of the in-process apps (repeatable); "
        "the suite deletes every user before each test",
    )


def live_urls(config: pytest.Config) -> dict[str, str]:
    """The ``--forge-url`` options as {name: base URL}."""
    urls = {}
    for option in config.getoption("forge_url"):
        name, separator, url = option.partition("=")
        if not separator or not name or not url.startswith(("http://", "https://")):
            raise pytest.UsageError(
                f"--forge-url wants NAME=http://host:port, not {option!r}"
            )
        urls[name] = url.rstrip("/")
    return urls


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "implementation" in metafunc.fixturenames:
        names = list(live_urls(metafunc.config)) or list(IMPLEMENTATIONS)
        metafunc.parametrize("implementation", names, scope="session")


@pytest.fixture(scope="session")
def template(implementation: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated once per session; each test gets a copy of it."""
    if implementation not in IMPLEMENTATIONS:
        pytest.skip(f"{implementation} is a live server: no database to prepare")
    path = tmp_path_factory.mktemp(f"{implementation}-template") / "forge.sqlite3"
    IMPLEMENTATIONS[implementation].migrate(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(template: Path, tmp_path: Path) -> str:
    """A fresh, migrated database for one test."""
    path = tmp_path / "forge.sqlite3"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def client_factory(
    implementation: str, request: pytest.FixtureRequest
) -> ClientFactory:
    """Opens in-process clients on databases a test prepares itself."""
    if implementation in live_urls(request.config):
        pytest.skip("needs the implementation in-process, not a live server")
    return IMPLEMENTATIONS[implementation].client


@pytest.fixture
def client(
    implementation: str, request: pytest.FixtureRequest
) -> Iterator[httpx.Client]:
    """An HTTP client of the implementation under test, with no users yet."""
    url = live_urls(request.config).get(implementation)
    if url is not None:
        with httpx.Client(base_url=url, timeout=10) as live:
            delete_every_user(live)
            yield live
        return
    database = request.getfixturevalue("database_url")
    with IMPLEMENTATIONS[implementation].client(database) as in_process:
        yield in_process


def delete_every_user(client: httpx.Client) -> None:
    """Empty a live server's users through the API itself."""
    while users := client.get("/forge/users", params={"limit": "100"}).json()["items"]:
        for user in users:
            response = client.delete(f"/forge/users/{user['id']}")
            if response.status_code not in (204, 404):
                pytest.fail(f"could not empty the live server: {response.status_code}")
