"""``forge serve`` as a user runs it: a process on real sockets, stopped by its pid.

Used by ``forge reliability``, which measures the served stack, and by the tests:
those of ``forge serve`` itself and ``pytest --forge-serve``, which runs the suite
against the three servers it starts.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from forge.servers import SERVERS, check_host

READY = "Ctrl-C stops every server"
"""The end of the line forge serve prints under its table once every app is healthy."""

STARTUP_SECONDS = 60
"""Generous: three servers migrate and boot at once on a busy two-core machine."""


def free_port() -> int:
    """A port nobody listens on right now, on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Served:
    """A running ``forge serve``: its process, its apps' URLs and its output file."""

    process: subprocess.Popen[bytes]
    urls: dict[str, str]
    log: Path
    data_dir: Path
    playground: str = ""
    """The playground's base URL, or empty when it is turned off."""

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    @property
    def behind_proxy(self) -> bool:
        """Whether HAProxy stands in front of the app servers (forge serve says so)."""
        return "in front: HAProxy" in self.output()


def command(
    apps: Iterable[str], ports: dict[str, int], data_dir: Path, *options: str
) -> list[str]:
    """The ``forge serve`` command line for ``apps`` on ``ports``."""
    return [
        sys.executable, "-m", "forge", "serve", *apps,
        *(f"--port={name}={port}" for name, port in ports.items()),
        f"--data-dir={data_dir}", "--workers=1", *options,
    ]  # fmt: skip


@contextmanager
def forge_serve(
    directory: Path,
    apps: Iterable[str] = tuple(SERVERS),
    *options: str,
    database_url: str = "",
    environment: dict[str, str] | None = None,
    wait: bool = True,
) -> Iterator[Served]:
    """Start ``forge serve`` for ``apps`` on free ports; always stop it by its pid.

    Its data folder and log file are in ``directory``. With ``wait``, returns once
    every app's ``/healthz`` answers 200. The playground gets a free port too, unless
    ``--no-playground`` is one of ``options``.
    """
    apps = list(apps)
    ports = {name: free_port() for name in apps}
    playground = "--no-playground" not in options
    page_port = free_port() if playground else 0
    data_dir = directory / "data"  # does not exist yet, as on a fresh clone
    log = directory / "forge-serve.log"
    variables = {**os.environ, "DATABASE_URL": database_url, **(environment or {})}
    with log.open("wb") as output:
        page = (f"--port=playground={page_port}",) if playground else ()
        process = subprocess.Popen(
            command(apps, ports, data_dir, *page, *options),
            env=variables,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    served = Served(
        process,
        {name: f"http://127.0.0.1:{port}" for name, port in ports.items()},
        log,
        data_dir,
        f"http://127.0.0.1:{page_port}" if playground else "",
    )
    try:
        if wait:
            wait_until_healthy(served, check_host(variables))
        yield served
    finally:
        stop(served.process)


def wait_until_healthy(served: Served, host: str = "localhost") -> None:
    """Poll every /healthz, naming ``host`` (R28), until each answers 200 and forge
    serve has printed its table.

    Raises with forge serve's output if that does not happen in time.
    """
    deadline = time.monotonic() + STARTUP_SECONDS
    waiting = dict(served.urls)
    while waiting or READY not in served.output():
        if served.process.poll() is not None:
            raise RuntimeError(f"forge serve exited:\n{served.output()}")
        for name, url in list(waiting.items()):
            try:
                health = httpx.get(f"{url}/healthz", headers={"Host": host}, timeout=1)
                if health.status_code == 200:
                    del waiting[name]
            except httpx.TransportError:
                pass
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{', '.join(waiting) or 'forge serve'} not ready within"
                f" {STARTUP_SECONDS} s:\n"
                f"{served.output()}"
            )
        time.sleep(0.1)


def stop(process: subprocess.Popen[bytes], signum: int = signal.SIGTERM) -> None:
    """Ask ``forge serve`` to stop; kill it if it does not within its own bound."""
    if process.poll() is None:
        process.send_signal(signum)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
