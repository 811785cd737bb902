"""``forge/servers.py``: the commands and databases ``forge serve`` derives."""

from pathlib import Path

import pytest
from rich.console import Console

from forge.serve import Plan, Supervisor
from forge.servers import SERVERS, app_database_url, environment


@pytest.mark.parametrize(
    ("host", "bind"), [("127.0.0.1", "127.0.0.1:9000"), ("::1", "[::1]:9000")]
)
def test_gunicorn_binds_ipv6_hosts_in_brackets(host: str, bind: str) -> None:
    """gunicorn reads ``host:port``, so an IPv6 host needs brackets."""
    for name in ("flask", "django"):
        command = SERVERS[name].serve_command(2, host, 9000)

        assert command[command.index("--bind") + 1] == bind


@pytest.mark.parametrize(
    ("database_url", "app", "expected"),
    [
        ("postgresql://me:secret@db:5432/forge", "flask", "postgresql://me:secret@db:5432/forge_flask"),
        ("postgresql://me@db/forge?sslmode=require", "django", "postgresql://me@db/forge_django?sslmode=require"),
        ("sqlite:///data/forge.sqlite3", "fastapi", "sqlite:///data/forge_fastapi.sqlite3"),
    ],
)  # fmt: skip
def test_each_app_gets_its_own_database(
    database_url: str, app: str, expected: str
) -> None:
    """Beside the one named: same server and options, the app's name appended."""
    assert app_database_url(database_url, app) == expected


def test_django_key_is_fresh_unless_set() -> None:
    """forge serve makes a key per run, and keeps one the caller set."""
    first = environment("django", "", Path("data"), "127.0.0.1", {})
    second = environment("django", "", Path("data"), "127.0.0.1", {})
    kept = environment(
        "django", "", Path("data"), "127.0.0.1", {"DJANGO_SECRET_KEY": "mine"}
    )

    assert first["DJANGO_SECRET_KEY"] != second["DJANGO_SECRET_KEY"]
    assert len(first["DJANGO_SECRET_KEY"]) >= 50
    assert kept["DJANGO_SECRET_KEY"] == "mine"
    assert "FORGE_ALLOWED_HOSTS" not in first  # loopback: the apps' defaults hold
    everywhere = environment("django", "", Path("data"), "0.0.0.0", {})
    assert everywhere["FORGE_ALLOWED_HOSTS"] == "*"


@pytest.mark.parametrize("name", SERVERS)
def test_behind_the_proxy_each_server_listens_on_its_socket(name: str) -> None:
    """Behind HAProxy a server listens on a Unix socket only, and gunicorn's own
    request limits are lifted: HAProxy's smaller ones answer first, as problems."""
    socket = Path("/run/forge/app-1.sock")
    command = SERVERS[name].serve_command(2, socket=socket)

    assert str(socket) in " ".join(command)
    assert "--host" not in command
    assert "--port" not in command
    if SERVERS[name].server == "gunicorn":
        assert command[command.index("--bind") + 1] == f"unix:{socket}"
        assert command[command.index("--limit-request-line") + 1] == "0"


@pytest.mark.parametrize("app", ["fastapi", "flask"])
def test_admin_key_is_fresh_unless_set(app: str) -> None:
    """FastAPI and Flask get a FORGE_SECRET_KEY for their admin's sessions too."""
    first = environment(app, "", Path("data"), "127.0.0.1", {})
    kept = environment(app, "", Path("data"), "127.0.0.1", {"FORGE_SECRET_KEY": "k"})

    assert len(first["FORGE_SECRET_KEY"]) >= 50
    assert kept["FORGE_SECRET_KEY"] == "k"


def test_serve_keys_each_app_once_per_run() -> None:
    """Every instance of an app, and its migration, get the run's one key: an admin
    session signed by one instance is good on the others behind the balancer."""
    plan = Plan(
        apps=list(SERVERS),
        host="127.0.0.1",
        ports=dict.fromkeys(SERVERS, 9000),
        workers=1,
        database_url="",
        data_dir=Path("data"),
        timeout=1,
    )
    supervisor = Supervisor(plan, Console())

    for app in SERVERS:
        key = SERVERS[app].secret_key_variable
        assert supervisor.environment(app)[key] == supervisor.environment(app)[key]
    keys = {
        supervisor.environment(app)["FORGE_SECRET_KEY"] for app in ("fastapi", "flask")
    }
    assert len(keys) == 2  # one per app
