"""``docker-compose.yml`` says what ``forge serve`` does, and its commands run.

There is no Docker engine on this project's machines, so the compose file is checked
here: each app's service runs ``forge serve APP`` on the app's port (so the commands
live in ``forge/servers.py`` alone), waits for PostgreSQL, and has a healthcheck on
``/healthz``; then each service's own command and healthcheck are run, without Docker,
on a free port, behind HAProxy as in the containers.
"""

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from forge.databases import drop_database
from forge.proxy import INSTALL, find_haproxy
from forge.servers import SERVERS, app_database_url
from tests.databases import POSTGRES_URL
from tests.live import Served, free_port, processes_using, stop, wait_until_healthy

ROOT = Path(__file__).resolve().parents[1]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
DEFAULTED = re.compile(r"\$\{(\w+):-([^}]*)\}")


def interpolated(value: str) -> str:
    """A value as compose reads it: ``${NAME:-default}`` from the environment."""
    return DEFAULTED.sub(lambda m: os.environ.get(m[1]) or m[2], value)


def test_every_app_and_postgresql_is_a_service() -> None:
    """One service per app of forge/servers.py, plus PostgreSQL; nothing else."""
    assert set(SERVICES) == {*SERVERS, "postgres"}
    assert SERVICES["postgres"]["image"].startswith("postgres:")
    assert "pg_isready" in SERVICES["postgres"]["healthcheck"]["test"]


@pytest.mark.parametrize("name", list(SERVERS))
def test_service_runs_forge_serve_of_its_app(name: str) -> None:
    """The service builds this repository and runs `forge serve APP` on its port."""
    service = SERVICES[name]
    port = SERVERS[name].default_port

    assert service["build"] == "."
    # One app a container: the playground, which compares apps, is the laptop's.
    assert service["command"] == [
        "forge", "serve", name, "--host=0.0.0.0", f"--port={name}={port}",
        "--no-playground",
    ]  # fmt: skip
    assert service["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert service["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert f"http://127.0.0.1:{port}/healthz" in " ".join(
        service["healthcheck"]["test"]
    )
    database = service["environment"]["DATABASE_URL"]
    assert database.startswith("postgresql://")
    assert "@postgres:5432/" in database
    # The production topology, always: HAProxy in front, or no start at all.
    assert service["environment"]["FORGE_PROXY"] == "haproxy"
    assert service["environment"]["FORGE_INSTANCES"] == "2"


def test_dockerfile_installs_as_the_readme_does() -> None:
    """The image installs the repository and serves with `forge serve` by default."""
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "python -m pip install -e ." in dockerfile
    assert "apt-get install --yes --no-install-recommends haproxy" in dockerfile
    assert 'CMD ["forge", "serve", "--host", "0.0.0.0"]' in dockerfile
    # Every folder `forge serve` imports or reads from is in the image.
    for folder in ("contract", "forge", "forge_conformance", "apps"):
        assert f"COPY {folder} ./{folder}\n" in dockerfile, folder


def without_docker(command: list[str], port: int) -> list[str]:
    """A service's command for this machine: this Python, loopback, a free port."""
    executable, *arguments = command
    assert executable in ("forge", "python")
    swapped = (
        [sys.executable] if executable == "python" else [sys.executable, "-m", "forge"]
    )
    for part in arguments:
        if part == "--host=0.0.0.0":
            part = "--host=127.0.0.1"
        elif part.startswith("--port="):
            name = part.removeprefix("--port=").split("=")[0]
            part = f"--port={name}={port}"
        swapped.append(part)
    return swapped


@pytest.mark.parametrize("name", list(SERVERS))
def test_service_command_and_healthcheck_run_without_docker(
    name: str, tmp_path: Path
) -> None:
    """The service's command serves its app behind HAProxy; its healthcheck passes
    (and fails after)."""
    if find_haproxy() is None:
        pytest.skip(f"the services run HAProxy, which is not installed: {INSTALL}")
    service = SERVICES[name]
    port = free_port()
    default = SERVERS[name].default_port
    healthcheck = without_docker(
        [
            part.replace(f"127.0.0.1:{default}", f"127.0.0.1:{port}")
            for part in service["healthcheck"]["test"][1:]  # after "CMD"
        ],
        port,
    )
    # PostgreSQL where the suite has one (a scratch database), else SQLite.
    database = app_database_url(POSTGRES_URL, "compose") if POSTGRES_URL else ""
    if database:
        drop_database(app_database_url(database, name))
    data_dir = tmp_path / "data"
    environment = {
        **{key: interpolated(value) for key, value in service["environment"].items()},
        "DATABASE_URL": database,
        "FORGE_DATA_DIR": str(data_dir),
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            without_docker(service["command"], port),
            env={**os.environ, **environment},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_healthy(
            Served(process, {name: f"http://127.0.0.1:{port}"}, log, data_dir)
        )
        healthy = subprocess.run(healthcheck, capture_output=True, check=False)
    finally:
        stop(process)
    after = subprocess.run(healthcheck, capture_output=True, check=False)

    assert healthy.returncode == 0, healthy.stderr
    assert "in front: HAProxy" in log.read_text()
    assert f"haproxy, 2 x {SERVERS[name].server}" in log.read_text()
    assert after.returncode != 0  # the healthcheck can fail: nothing listens now
    assert processes_using(data_dir) == []
    if database:
        drop_database(app_database_url(database, name))
