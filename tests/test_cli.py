"""The ``forge`` command, run as a user runs it: as a process, on real sockets."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.contract import JSON

STARTUP_SECONDS = 30


def free_port() -> int:
    """A port nobody listens on right now, on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """``forge serve`` on a free port and an empty data folder; stopped by pid after."""
    port = free_port()
    # A data folder that does not exist yet, as on a fresh clone.
    data = tmp_path / "data"
    environment = {**os.environ, "FORGE_DATA_DIR": str(data), "DATABASE_URL": ""}
    process = subprocess.Popen(
        [sys.executable, "-m", "forge", "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base, process)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        assert process.stdout is not None
        process.stdout.close()


def wait_until_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    """Poll /healthz until it answers 200, or fail with what the server printed."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            assert process.stdout is not None
            pytest.fail(f"forge serve exited: {process.stdout.read().decode()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"forge serve was not healthy within {STARTUP_SECONDS}s")


def test_serve_answers_on_a_real_socket(served: str, tmp_path: Path) -> None:
    """`forge serve` migrates its embedded database and serves the API over TCP."""
    created = httpx.post(f"{served}/forge/users", json={"name": "Ada"}, headers=JSON)
    head = httpx.head(f"{served}/forge/users")

    assert created.status_code == 201
    assert created.json()["name"] == "Ada"
    assert head.status_code == 200
    assert head.content == b""
    assert (tmp_path / "data" / "fastapi.sqlite3").is_file()


def test_help_lists_serve() -> None:
    """`forge --help` names its commands."""
    result = subprocess.run(
        [sys.executable, "-m", "forge", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )

    assert "serve" in result.stdout
