"""``forge serve``: migrate, start and watch the three apps' production servers.

Each server runs in its own process group, so that stopping one stops its workers too.
Every failure (a port in use, a missing package, a migration that fails, a server that
dies or never answers ``/healthz``) stops everything already started and ends in one
line that names the app and the cause: :class:`ServeError`.
"""

import contextlib
import ctypes
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

import httpx
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy.engine import make_url

from forge import playground, proxy
from forge.databases import ensure_database, migration_lock
from forge.servers import SERVERS, app_database_url, check_host, environment

STOP_SECONDS = 10
"""How long a server may take to finish its requests after SIGTERM before SIGKILL."""

RESTARTS = 5
"""How many times, with several instances, one that died is started again before
forge serve gives up: a server that keeps dying has a cause to fix."""

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""Ctrl-C, a stop request, a closed terminal: the servers run in their own sessions,
so forge serve must stop them itself or they would outlive it."""

SignalHandler = Callable[[int, FrameType | None], None]

COLOURS = {"fastapi": "green", "flask": "cyan", "django": "magenta"}


class ServeError(Exception):
    """Why ``forge serve`` stopped: one line, naming the app."""


class Stop(Exception):  # noqa: N818 (a request, not an error)
    """Ctrl-C, SIGTERM or SIGHUP: stop every server and exit cleanly."""


@dataclass(frozen=True)
class Plan:
    """What to serve, and where: everything ``forge serve``'s options decide."""

    apps: Sequence[str]
    host: str
    ports: Mapping[str, int]
    workers: int
    database_url: str
    data_dir: Path
    timeout: float
    api_token: str | None = None
    """R26: the token every app requires on writes, or None for none."""
    proxy: str | None = None
    """The HAProxy executable to put in front of the app servers, or None for none."""
    instances: int = 1
    """Servers per app, behind the proxy's balancer (one without a proxy)."""
    playground: bool = False
    """Whether to serve the playground too, on ``ports["playground"]``."""
    elsewhere: Mapping[str, str] = field(default_factory=dict)
    """Implementations served elsewhere, by name, that the playground compares too."""


@dataclass
class Running:
    """One started process: an app's server, or the proxy in front of them all."""

    name: str
    """The app's name, with the instance's number if there are several; or "proxy"."""
    program: str
    process: subprocess.Popen[bytes]
    socket: Path | None = None
    """The Unix socket an app server listens on behind the proxy, or None."""
    last_lines: list[str] = field(default_factory=list)
    log: threading.Thread = field(default_factory=threading.Thread)


class Supervisor:
    """Starts the servers of a plan, streams their logs, and stops them all."""

    def __init__(self, plan: Plan, console: Console) -> None:
        self.plan = plan
        self.console = console
        self.running: list[Running] = []
        self.print_lock = threading.Lock()
        self.run_dir: Path | None = None
        """The folder of the servers' sockets and the proxy's files, with a proxy."""
        self.restarts = 0
        self.playground_server: playground.PlaygroundServer | None = None
        self.environments: dict[str, dict[str, str]] = {}
        """Each app's variables, worked out once per run (``environment``)."""

    # Start-up, in the order of the checklist in the module docstring.

    def check(self) -> None:
        """Refuse at once what would fail later: missing packages, ports in use."""
        for name in self.plan.apps:
            server = SERVERS[name]
            for module in (server.package, server.server):
                if importlib.util.find_spec(module) is None:
                    raise ServeError(
                        f"{name}: the package {module!r} is not installed"
                        ' (pip install -e ".[dev]")'
                    )
        for name in [*self.plan.apps, *self.served_playground()]:
            port = self.plan.ports[name]
            if port_in_use(self.plan.host, port):
                raise ServeError(
                    f"{name}: port {port} on {self.plan.host} is already in use"
                    f" (choose another with --port {name}=PORT)"
                )

    def migrate(self, name: str) -> None:
        """Create the app's database if it is missing, then run its migrations."""
        server = SERVERS[name]
        url = (
            app_database_url(self.plan.database_url, name)
            if self.plan.database_url
            else ""
        )
        if url:
            try:
                if ensure_database(url):
                    shown = make_url(url).render_as_string(hide_password=True)
                    self.say(name, f"created the database {shown}")
            except Exception as error:  # psycopg's errors say what went wrong
                cause = " ".join(str(error).split())  # psycopg's span lines
                message = f"{name}: cannot create its database: {cause}"
                raise ServeError(message) from None
        # Another forge serve may be migrating the same database: one at a time.
        with migration_lock(url) if url else contextlib.nullcontext():
            result = subprocess.run(
                server.migrate_command(),
                env=self.environment(name),
                capture_output=True,
                text=True,
                check=False,
            )
        for line in (result.stdout + result.stderr).splitlines():
            self.say(name, line)
        if result.returncode != 0:
            raise ServeError(
                f"{name}: migrations failed: {last_line(result.stderr + result.stdout)}"
            )

    def start(self, name: str) -> None:
        """Start the app's servers, each in its own process group, streaming its log.

        Behind the proxy each instance listens on a Unix socket of the run folder;
        without it, the one instance listens on the app's port.
        """
        server = SERVERS[name]
        for number in range(1, self.plan.instances + 1):
            label = f"{name}-{number}" if self.plan.instances > 1 else name
            if self.run_dir:
                socket = self.run_dir / f"{name}-{number}.sock"
                command = server.serve_command(self.plan.workers, socket=socket)
            else:
                socket = None
                command = server.serve_command(
                    self.plan.workers, self.plan.host, self.plan.ports[name]
                )
            self.launch(
                Running(label, server.server, self.popen(command, name), socket)
            )

    def start_proxy(self) -> None:
        """Start HAProxy on every app's port, in front of the app servers' sockets."""
        assert self.plan.proxy
        assert self.run_dir
        sites = [
            proxy.Site(
                name,
                self.plan.host,
                self.plan.ports[name],
                [running.socket for running in self.servers(name) if running.socket],
                check_host(os.environ),  # R28: one the apps serve
            )
            for name in self.plan.apps
        ]
        sites_file = proxy.write_configuration(self.run_dir, sites)
        command = proxy.command(self.plan.proxy, sites_file)
        self.launch(Running("proxy", "haproxy", self.popen(command, None)))

    def start_playground(self) -> None:
        """Serve the playground from a thread of this process, comparing the apps
        served and the implementations elsewhere."""
        urls = {name: self.url(name) for name in self.plan.apps}
        compared = playground.Playground(
            {**urls, **self.plan.elsewhere},
            served=frozenset(self.plan.apps),
            token=self.plan.api_token,
        )
        port = self.plan.ports[playground.NAME]
        try:
            self.playground_server = playground.start(
                self.plan.host,
                port,
                compared,
                log=lambda line: self.say(playground.NAME, line),
            )
        except OSError as error:  # taken since check(), say
            raise ServeError(
                f"{playground.NAME}: cannot listen on port {port} of"
                f" {self.plan.host}: {error.strerror or error}"
            ) from None

    def served_playground(self) -> list[str]:
        """The playground's name, once, if it is served."""
        return [playground.NAME] if self.plan.playground else []

    def popen(self, command: list[str], name: str | None) -> subprocess.Popen[bytes]:
        """Start ``command`` with the app's variables (the proxy: the data folder's)."""
        variables = self.environment(name) if name else self.proxy_environment()
        return subprocess.Popen(
            command,
            env=variables,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches forge, which stops the group
            preexec_fn=end_with_parent,
        )

    def launch(self, running: Running) -> None:
        """Stream a started process's log and watch it."""
        assert running.process.stdout is not None
        running.log = threading.Thread(
            target=self.stream, args=(running, running.process.stdout), daemon=True
        )
        running.log.start()
        self.running.append(running)

    def wait_until_healthy(self, through_proxy: bool = False) -> None:
        """Poll each server's ``/healthz`` (on its socket, or its port) until each
        answers 200, or each app's through the proxy; or fail."""
        deadline = time.monotonic() + self.plan.timeout
        host = check_host(os.environ)  # R28: one the apps serve
        if through_proxy:
            proxy_process = self.proxy_process()
            waiting = [
                (proxy_process, probe(None, self.url(name), host))
                for name in self.plan.apps
            ]
        else:
            waiting = [
                (running, probe(running.socket, self.url(running.name), host))
                for running in self.running
            ]
        while waiting:
            running, (client, url) = waiting[0]
            for process in self.running:
                self.check_alive(process)
            with contextlib.suppress(httpx.TransportError):
                if client.get(f"{url}/healthz").status_code == 200:
                    client.close()
                    waiting.pop(0)
                    continue
            if time.monotonic() > deadline:
                raise ServeError(
                    f"{running.name}: /healthz did not answer 200 within"
                    f" {self.plan.timeout:g} s"
                    + (f"; its last log line: {running.last_lines[-1]}"
                       if running.last_lines else "")
                )  # fmt: skip
            time.sleep(0.1)

    def watch(self) -> None:
        """Block until a server dies (an error) or a stop is requested (Stop).

        With several instances of each app, one that dies is started again instead,
        while the balancer sends its requests to the others (RESTARTS times at most).
        """
        while True:
            for running in list(self.running):
                if running.process.poll() is not None and self.restartable(running):
                    self.restart(running)
                else:
                    self.check_alive(running)
            time.sleep(0.2)

    def restartable(self, running: Running) -> bool:
        return self.plan.instances > 1 and running.socket is not None

    def restart(self, running: Running) -> None:
        """Start a dead instance again on its socket, after its workers are gone."""
        self.restarts += 1
        if self.restarts > RESTARTS:
            self.check_alive(running)  # raises, naming the server and its last line
        signal_group(running.process, signal.SIGKILL)  # workers it left behind
        running.log.join(timeout=1)
        self.say(
            running.name,
            f"{running.program} exited with code {running.process.returncode};"
            " starting it again, the other instances serve meanwhile",
        )
        assert running.socket is not None
        running.socket.unlink(missing_ok=True)  # a killed server leaves its socket
        name = running.name.rpartition("-")[0]
        command = SERVERS[name].serve_command(self.plan.workers, socket=running.socket)
        self.running.remove(running)
        process = self.popen(command, name)
        self.launch(Running(running.name, running.program, process, running.socket))
        self.say(running.name, f"started again, pid {process.pid}")

    def check_alive(self, running: Running) -> None:
        """Raise if a process has exited: each runs until it is told to stop."""
        code = running.process.poll()
        if code is not None:
            running.log.join(timeout=1)  # its last lines say why
            why = f": {running.last_lines[-1]}" if running.last_lines else ""
            raise ServeError(
                f"{running.name}: {running.program} exited with code {code}{why}"
            )

    def stop(self) -> None:
        """SIGTERM every server's process group, then SIGKILL what outlives the wait."""
        if self.playground_server:
            playground.stop(self.playground_server)
            self.playground_server = None
        for running in self.running:
            signal_group(running.process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for running in self.running:
            try:
                running.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                signal_group(running.process, signal.SIGKILL)
                running.process.wait()
            # Workers the master left behind are in its group too.
            signal_group(running.process, signal.SIGKILL)
            running.log.join(timeout=1)
        self.running.clear()
        if self.run_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)
            self.run_dir = None

    # Helpers.

    def environment(self, name: str) -> dict[str, str]:
        # Once per app and run: its migration and every instance get the same fresh
        # secret key, so that an admin session one signed is good on the others.
        if name not in self.environments:
            self.environments[name] = environment(
                name,
                self.plan.database_url,
                self.plan.data_dir,
                self.plan.host,
                os.environ,
                self.plan.api_token,
            )
        return dict(self.environments[name])

    def proxy_environment(self) -> dict[str, str]:
        # The data folder marks every process of this run, the proxy's too
        # (tests/live.py finds leftovers by it).
        return {**os.environ, "FORGE_DATA_DIR": str(self.plan.data_dir)}

    def servers(self, name: str) -> list[Running]:
        """The app's running servers: one, or its instances."""
        return [
            running
            for running in self.running
            if running.name == name or running.name.startswith(f"{name}-")
        ]

    def proxy_process(self) -> Running:
        return next(running for running in self.running if running.name == "proxy")

    def url(self, name: str) -> str:
        """Where clients reach the app ``name`` (a server's own name: its app's)."""
        host = self.plan.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"  # listening everywhere: reachable on loopback
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.plan.ports[name.partition('-')[0]]}"

    def stream(self, running: Running, output: IO[bytes]) -> None:
        """Print a process's output line by line, prefixed with its name."""
        for raw in output:
            line = raw.decode(errors="replace").rstrip()
            running.last_lines = [*running.last_lines[-4:], line]
            self.say(running.name, line)
        output.close()

    def say(self, name: str, line: str) -> None:
        app = name.partition("-")[0]
        prefix = Text(f"{name:>7} | ", style=COLOURS.get(app, "bold"))
        with self.print_lock:
            self.console.print(prefix + Text(line), soft_wrap=True, highlight=False)

    def table(self) -> Table:
        """The apps as they are served: where, by what, with which pid."""
        table = Table("app", "API", "docs", "server", "workers", "pid")
        for name in self.plan.apps:
            base = self.url(name)
            servers = self.servers(name)
            server = SERVERS[name].server
            if self.plan.proxy:
                server = f"haproxy, {len(servers)} x {server}"
            table.add_row(
                name,
                f"{base}/forge/users",
                f"{base}/docs",
                server,
                str(self.plan.workers),
                ", ".join(str(running.process.pid) for running in servers),
            )
        if self.playground_server:
            table.add_row(
                playground.NAME,
                f"{self.url(playground.NAME)}/",
                "",
                "forge (http.server)",
                "threads",
                str(os.getpid()),
            )
        for name, url in self.plan.elsewhere.items():
            table.add_row(name, f"{url}/forge/users", "", "elsewhere, compared", "", "")
        return table


def serve(plan: Plan, console: Console) -> None:
    """Migrate, start, wait for health, then serve until stopped; always stop all.

    Raises :class:`ServeError` on any failure; returns after Ctrl-C, SIGTERM or SIGHUP.
    """
    supervisor = Supervisor(plan, console)
    started = time.monotonic()
    with handling_signals(request_stop):
        try:
            supervisor.check()
            # Side by side: each is a Python process that mostly imports its stack.
            with ThreadPoolExecutor(max_workers=len(plan.apps)) as pool:
                for migrated in [pool.submit(supervisor.migrate, n) for n in plan.apps]:
                    migrated.result()  # the first failure, in the apps' order
            if plan.proxy:
                supervisor.run_dir = Path(tempfile.mkdtemp(prefix="forge-serve-"))
            else:
                console.print(proxy.DIRECT_WARNING, soft_wrap=True, highlight=False)
            for name in plan.apps:
                supervisor.start(name)
            supervisor.wait_until_healthy()
            if plan.proxy:
                # Once the servers answer: HAProxy would answer R27's 503 till then.
                supervisor.start_proxy()
                supervisor.wait_until_healthy(through_proxy=True)
            if plan.playground:
                supervisor.start_playground()
            console.print(supervisor.table())
            database = plan.database_url or f"SQLite files in {plan.data_dir}"
            writes = "the API token" if plan.api_token else "no token"
            front = "HAProxy" if plan.proxy else "no proxy"
            console.print(
                f"healthy {time.monotonic() - started:.1f} s after start;"
                f" database: {database_text(database)}; writes need {writes};"
                f" in front: {front}; Ctrl-C stops every server",
                soft_wrap=True,
                highlight=False,
            )
            supervisor.watch()
        except Stop:
            console.print("stopping every server ...")
        finally:
            # A second Ctrl-C must not cut the stop short and leave servers behind.
            with handling_signals(signal.SIG_IGN):
                supervisor.stop()


def probe(socket: Path | None, url: str, host: str) -> tuple[httpx.Client, str]:
    """A client and base URL that reach a server on its Unix ``socket``, or ``url``,
    naming ``host`` in each request's Host."""
    headers = {"Host": host}
    if socket is None:
        return httpx.Client(timeout=1, headers=headers), url
    transport = httpx.HTTPTransport(uds=str(socket))
    return httpx.Client(
        transport=transport, timeout=1, headers=headers
    ), "http://localhost"


def database_text(database_url: str) -> str:
    if "://" not in database_url:
        return database_url
    return make_url(database_url).render_as_string(hide_password=True)


def request_stop(signum: int, frame: FrameType | None) -> None:
    """The handler of STOP_SIGNALS while the servers run."""
    raise Stop(signal.Signals(signum).name)


@contextlib.contextmanager
def handling_signals(handler: signal.Handlers | SignalHandler) -> Iterator[None]:
    """Handle STOP_SIGNALS with ``handler`` for a while."""
    previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def end_with_parent() -> None:
    """In a server's process, before it starts: SIGTERM when ``forge serve`` ends.

    Its own stop covers Ctrl-C, SIGTERM and SIGHUP; this covers a SIGKILL or a crash,
    which would otherwise leave the servers (in their own sessions) serving on and
    holding the ports. Linux only; elsewhere a killed ``forge serve`` leaves them.
    """
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() == 1:  # forge serve ended before the line above ran
            os.kill(os.getpid(), signal.SIGTERM)


def signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    """Send ``signum`` to the process group ``process`` leads, if it still exists."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def port_in_use(host: str, port: int) -> bool:
    """Whether binding ``host:port`` fails now (the servers would fail the same way)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As the servers do: a port in TIME_WAIT is free, a listening one is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def last_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"
