"""``forge serve``, run as a user runs it: real servers on real sockets, then stopped.

Every test proves that nothing it started survives: ``processes_using`` finds any
server or worker still running with the test's data folder.
"""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from rich.console import Console

from forge.databases import drop_database
from forge.serve import Plan, ServeError, serve
from forge.servers import SERVERS, app_database_url, environment
from tests.contract import API_TOKEN, JSON, assert_problem
from tests.databases import NO_POSTGRES, POSTGRES_URL, connect
from tests.live import (
    Served,
    forge_serve,
    free_port,
    kill_processes_using,
    processes_using,
    stop,
    wait_until_healthy,
)

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/environ").exists(),
    reason="finding leftover servers reads /proc (Linux)",
)


def test_serve_runs_the_three_apps_until_sigterm(tmp_path: Path) -> None:
    """Each app answers under its own server on SQLite; SIGTERM stops them all."""
    with forge_serve(tmp_path) as served:
        for name, url in served.urls.items():
            created = httpx.post(
                f"{url}/forge/users", json={"name": name}, headers=JSON
            )
            head = httpx.head(f"{url}/forge/users")

            assert created.status_code == 201, name
            assert created.json()["name"] == name
            assert head.status_code == 200
            assert head.content == b""
        stop(served.process, signal.SIGTERM)

        assert served.process.returncode == 0
    output = served.output()
    for name, server in SERVERS.items():
        assert (served.data_dir / f"{name}.sqlite3").is_file()
        # The table: one row per app, naming its URL, server and pid.
        row = next(
            line for line in output.splitlines() if line.startswith(f"│ {name} ")
        )
        assert served.urls[name] + "/forge/users" in row
        assert served.urls[name] + "/docs" in row
        assert server.server in row
        # Log lines are streamed with the app's name in front.
        assert f"{name:>7} | " in output
    assert re.search(r"^healthy \d+\.\d s after start; database: SQLite", output, re.M)
    assert processes_using(served.data_dir) == []


def test_serve_with_an_api_token_guards_every_apps_writes(tmp_path: Path) -> None:
    """`forge serve --api-token`: each app refuses a write without it (R26), takes
    one with it, and nothing prints the token."""
    with forge_serve(tmp_path, SERVERS, f"--api-token={API_TOKEN}") as served:
        for name, url in served.urls.items():
            refused = httpx.post(
                f"{url}/forge/users", json={"name": name}, headers=JSON
            )
            created = httpx.post(
                f"{url}/forge/users",
                json={"name": name},
                headers={**JSON, "Authorization": f"Bearer {API_TOKEN}"},
            )

            # R26: spaces after the value are not part of it; uvicorn keeps them and
            # no HTTP client sends them, so this one goes out over a raw socket.
            padded = raw_status(
                url,
                b"POST /forge/users HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 13\r\n"
                + f"Authorization: Bearer {API_TOKEN}  \r\n".encode()
                + b"Connection: close\r\n\r\n"
                + b'{"name": "x"}',
            )

            assert refused.status_code == 401, name
            assert refused.headers["WWW-Authenticate"] == "Bearer", name
            assert created.status_code == 201, name
            assert padded == 201, name
            assert httpx.get(f"{url}/forge/users").json()["total"] == 2, name
    output = served.output()
    assert "writes need the API token" in output
    assert API_TOKEN not in output


def raw_status(url: str, request: bytes) -> int:
    """The status a server answers ``request``, sent byte for byte."""
    parsed = httpx.URL(url)
    with socket.create_connection((parsed.host, parsed.port), timeout=10) as sock:
        sock.sendall(request)
        status_line = sock.makefile("rb").readline()
    return int(status_line.split()[1])


@pytest.mark.parametrize("name", SERVERS)
def test_an_app_given_a_bad_token_does_not_start(tmp_path: Path, name: str) -> None:
    """R26: each production server, given a short token, exits at start, and says
    why in one line rather than a traceback."""
    server = SERVERS[name]
    variables = environment(name, "", tmp_path, "127.0.0.1", os.environ, "too-short")
    process = subprocess.Popen(
        server.serve_command(1, "127.0.0.1", free_port()),
        env=variables,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        output, _ = process.communicate(timeout=60)
    finally:
        stop(process)  # by its pid, had it started after all

    text = output.decode(errors="replace")
    assert process.returncode != 0, text
    assert "Traceback" not in text
    reason = "FORGE_API_TOKEN must be at least 32 characters long; this one has 9"
    assert [line for line in text.splitlines() if reason in line], text


def test_each_server_reduces_a_target_to_its_origin_form(tmp_path: Path) -> None:
    """The target forms the contract leaves to the server reach every app under
    `forge serve` as the plain path, a list: an absolute-form target, and, without
    HAProxy, a fragment, which HAProxy refuses as invalid HTTP/1.1 by closing the
    connection (R27)."""
    with forge_serve(tmp_path) as served:
        for name, url in served.urls.items():
            for target in (f"{url}/forge/users", "/forge/users#top"):
                with httpx.Client(base_url=url) as client:
                    request = client.build_request("GET", "/forge/users")
                    request.extensions["target"] = target.encode()
                    if served.behind_proxy and "#" in target:
                        with pytest.raises(httpx.RemoteProtocolError):
                            client.send(request)
                        continue
                    response = client.send(request)

                assert response.status_code == 200, (name, target)
                assert response.json()["items"] == [], (name, target)


def test_serve_without_the_proxy_serves_each_server_directly(tmp_path: Path) -> None:
    """`--proxy none`: each app's server listens on its port itself, and forge serve
    says, in one line, what serving without HAProxy costs."""
    with forge_serve(tmp_path, ["fastapi", "flask"], "--proxy=none") as served:
        answers = {
            name: httpx.get(f"{url}/healthz") for name, url in served.urls.items()
        }

        assert not served.behind_proxy
    assert "no HAProxy: serving the app servers directly" in served.output()
    assert {name: answer.json() for name, answer in answers.items()} == {
        name: {"status": "ok"} for name in served.urls
    }
    assert "  proxy | " not in served.output()


def test_a_killed_forge_serve_takes_its_servers_with_it(tmp_path: Path) -> None:
    """SIGKILL of `forge serve` (no stop of its own can run) still ends every server
    and worker, and frees the ports for the next run."""
    with forge_serve(tmp_path, SERVERS, "--workers=2") as served:
        try:
            served.process.kill()
            served.process.wait()
            deadline = time.monotonic() + 15
            while processes_using(served.data_dir) and time.monotonic() < deadline:
                time.sleep(0.2)

            assert processes_using(served.data_dir) == []
            for url in served.urls.values():
                with pytest.raises(httpx.TransportError):
                    httpx.get(f"{url}/healthz", timeout=1)
        finally:
            kill_processes_using(served.data_dir)  # had they outlived it


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP])
def test_ctrl_c_or_a_closed_terminal_stops_every_server(
    tmp_path: Path, signum: signal.Signals
) -> None:
    """SIGINT (Ctrl-C) or SIGHUP (the terminal closed) stops servers and workers."""
    with forge_serve(tmp_path, ["fastapi", "django"], "--workers=2") as served:
        stop(served.process, signum)

        assert served.process.returncode == 0
    assert "stopping every server" in served.output()
    assert processes_using(served.data_dir) == []


def test_port_in_use_stops_before_starting(tmp_path: Path) -> None:
    """A port already taken is one line naming the app and the port, and exit 1."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with forge_serve(
            tmp_path, ["fastapi", "flask"], f"--port=flask={port}", wait=False
        ) as served:
            served.process.wait(timeout=30)

    assert served.process.returncode == 1
    last = served.output().strip().splitlines()[-1]
    assert last == (
        f"forge serve: flask: port {port} on 127.0.0.1 is already in use"
        " (choose another with --port flask=PORT)"
    )
    assert processes_using(served.data_dir) == []


def broken_django_database(data_dir: Path) -> None:
    """Django's SQLite file, migrated, whose users table is then a view of a table
    that is gone: the app starts, and /healthz answers 503 (R24).

    Migrated for real, every app's migrations recorded (the admin's included): one
    still to apply would rebuild a table, and SQLite refuses that beside a broken view.
    """
    data_dir.mkdir()
    variables = environment("django", "", data_dir, "127.0.0.1", os.environ)
    migrate = SERVERS["django"].migrate_command()
    subprocess.run(migrate, env=variables, check=True, capture_output=True)
    with sqlite3.connect(data_dir / "django.sqlite3") as connection:
        connection.executescript(
            "DROP TABLE users; CREATE VIEW users AS SELECT * FROM gone;"
        )


def test_app_never_healthy_stops_the_others(tmp_path: Path) -> None:
    """One app failing its health check stops the apps already running, exit 1."""
    broken_django_database(tmp_path / "data")
    with forge_serve(tmp_path, SERVERS, "--timeout=5", wait=False) as served:
        served.process.wait(timeout=60)

    assert served.process.returncode == 1
    last = served.output().strip().splitlines()[-1]
    assert last.startswith(
        "forge serve: django: /healthz did not answer 200 within 5 s"
    )
    # FastAPI and Flask had started: they were stopped too.
    assert "Listening at" in served.output() or "Uvicorn running" in served.output()
    assert processes_using(served.data_dir) == []


def test_apps_told_their_hosts_serve_those_only(tmp_path: Path) -> None:
    """FORGE_ALLOWED_HOSTS reaches every app (R28), and forge serve's own health
    checks name a host there, so the apps start."""
    hosts = {"FORGE_ALLOWED_HOSTS": "forge.example,*.nope"}
    with forge_serve(tmp_path, SERVERS, environment=hosts, wait=False) as served:
        served.process.wait(timeout=60)
    assert served.process.returncode == 1  # a pattern is no host: refused at start
    assert "FORGE_ALLOWED_HOSTS: '*.nope' is not a host name" in served.output()

    hosts = {"FORGE_ALLOWED_HOSTS": "forge.example"}
    (tmp_path / "named").mkdir()
    with forge_serve(tmp_path / "named", SERVERS, environment=hosts) as served:
        for name, url in served.urls.items():
            named = httpx.get(f"{url}/healthz", headers={"Host": "forge.example"})
            loopback = httpx.get(f"{url}/healthz")  # Host: 127.0.0.1:port

            assert named.status_code == 200, name
            assert_problem(loopback, "host-not-served")


def test_a_server_dying_stops_the_others(tmp_path: Path) -> None:
    """A server that dies while serving stops forge serve and every other server."""
    with forge_serve(tmp_path, ["fastapi", "flask"]) as served:
        row = next(
            line for line in served.output().splitlines() if line.startswith("│ flask ")
        )
        master = int(row.strip("│ ").split("│")[-1])
        os.kill(master, signal.SIGKILL)
        served.process.wait(timeout=30)

    assert served.process.returncode == 1
    last = served.output().strip().splitlines()[-1]
    assert last.startswith("forge serve: flask: gunicorn exited with code -9")
    assert processes_using(served.data_dir) == []


def failed_serve(tmp_path: Path, app: str, database_url: str) -> tuple[Served, str]:
    """``forge serve APP`` on a database that fails it: exit 1, and its last line."""
    with forge_serve(tmp_path, [app], database_url=database_url, wait=False) as served:
        served.process.wait(timeout=60)
    assert served.process.returncode == 1
    return served, served.output().strip().splitlines()[-1]


def test_database_unreachable_is_one_line(tmp_path: Path) -> None:
    """A PostgreSQL server that does not answer stops forge serve before any server."""
    nowhere = f"postgresql://forge@127.0.0.1:{free_port()}/forge"
    served, last = failed_serve(tmp_path, "flask", nowhere)

    assert last.startswith("forge serve: flask: cannot create its database:")
    assert "connection" in last
    assert processes_using(served.data_dir) == []


def test_failing_migration_is_one_line(tmp_path: Path) -> None:
    """A migration that fails (here: its SQLite file is a folder) names the app."""
    (tmp_path / "forge_django.sqlite3").mkdir()
    database = f"sqlite:///{tmp_path / 'forge.sqlite3'}"
    served, last = failed_serve(tmp_path, "django", database)

    assert last.startswith("forge serve: django: migrations failed: ")
    assert processes_using(served.data_dir) == []


def test_missing_package_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that is not installed stops everything before anything starts."""
    real = __import__("importlib.util").util.find_spec
    monkeypatch.setattr(
        "importlib.util.find_spec",
        lambda name, *args: None if name == "gunicorn" else real(name, *args),
    )
    plan = Plan(["fastapi", "flask"], "127.0.0.1", {"fastapi": free_port(),
                "flask": free_port()}, 1, "", tmp_path, 5)  # fmt: skip

    with open(os.devnull, "w") as nowhere, pytest.raises(ServeError) as raised:
        serve(plan, Console(file=nowhere))

    assert str(raised.value) == (
        "flask: the package 'gunicorn' is not installed (pip install -e \".[dev]\")"
    )


@pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)
def test_serve_on_postgresql_creates_a_database_per_app(tmp_path: Path) -> None:
    """With --database-url, each app gets its own database there, created if missing."""
    base = app_database_url(POSTGRES_URL, "serve")  # test_serve, say
    for name in SERVERS:
        drop_database(app_database_url(base, name))

    with forge_serve(tmp_path, database_url=base) as served:
        for name, url in served.urls.items():
            created = httpx.post(
                f"{url}/forge/users", json={"name": name}, headers=JSON
            )
            assert created.status_code == 201, name

    for name in SERVERS:
        with connect(app_database_url(base, name)) as database:
            rows = database.execute("SELECT name FROM users").fetchall()
        assert rows == [(name,)]
        assert f"created the database {app_database_url(base, name)}" in served.output()
        drop_database(app_database_url(base, name))
    assert processes_using(served.data_dir) == []


@pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)
def test_two_forge_serves_started_together_share_fresh_databases(
    tmp_path: Path,
) -> None:
    """Two `forge serve` on one fresh PostgreSQL server at once: one creates and
    migrates each database, the other waits, and both serve."""
    base = app_database_url(POSTGRES_URL, "serve_race")
    for name in SERVERS:
        drop_database(app_database_url(base, name))
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    try:
        with (
            forge_serve(tmp_path / "one", database_url=base, wait=False) as one,
            forge_serve(tmp_path / "two", database_url=base, wait=False) as two,
        ):
            for served in (one, two):
                wait_until_healthy(served)
                for name, url in served.urls.items():
                    health = httpx.get(f"{url}/healthz")
                    assert health.status_code == 200, (name, served.output())
            created = [
                line
                for line in one.output().splitlines() + two.output().splitlines()
                if "created the database" in line
            ]
            assert len(created) == len(SERVERS), created
    finally:
        for name in SERVERS:
            drop_database(app_database_url(base, name))
