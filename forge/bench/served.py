"""Served cost: the apps under real servers on real sockets, driven by wrk.

Every Forge app runs under the command ``forge serve`` runs (``forge.servers``, as
with ``--proxy none``: the proxy is not what is measured) and under the other
servers its framework deploys on; the ladder's references run under their
interface's default server. A Forge server is measured only if it has just passed
every conformance case (``forge conformance``'s runner, on that very server): the
gate. A run is good only if every answer had its scenario's status and no socket
failed; a failed run is reported with why, never ranked.
"""

import os
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from forge.bench import machine, wrk
from forge.bench.ladder import RUNG_NAMES as RUNGS
from forge.bench.ladder import SCENARIOS, Rung, Scenario
from forge.launch import free_port
from forge.servers import SERVERS
from forge_conformance.cases import load_cases
from forge_conformance.suite import run as conformance

HOST = "127.0.0.1"
WORKERS = 2
"""forge serve's default: worker processes per server."""
THREADS = 4
"""Threads per worker for gunicorn's gthread worker."""
STARTUP_SECONDS = 60


@dataclass(frozen=True)
class Config:
    """One app under one server."""

    app: Rung
    server: str
    """``uvicorn``, ``granian``, ``gunicorn sync``, ``gunicorn gthread``."""
    default: bool = False
    """Whether this is the command ``forge serve`` runs for the app."""
    threads: int = THREADS

    @property
    def name(self) -> str:
        return f"{self.app.name} · {self.server}"

    def command(self, port: int, workers: int = WORKERS) -> list[str]:
        """The server's command line, forge serve's own for a default Forge one."""
        rung = self.app
        if rung.forge and self.default:
            return SERVERS[rung.framework].serve_command(workers, HOST, port)
        python = [sys.executable, "-m"]
        target = rung.target
        factory = ["--factory"] if rung.factory else []
        if self.server.startswith("uvicorn"):
            if rung.framework == "django" and rung.forge:
                target = "django_forge.asgi:application"
            return [
                *python, "uvicorn", target, *factory, "--host", HOST,
                "--port", str(port), "--workers", str(workers),
            ]  # fmt: skip
        if self.server == "granian":
            return [
                *python, "granian", "--interface", rung.interface, *factory,
                "--host", HOST, "--port", str(port), "--workers", str(workers),
                "--access-log", target,
            ]  # fmt: skip
        threads = ["--worker-class", "gthread", "--threads", str(self.threads)]
        return [
            *python, "gunicorn", "-c", "python:forge.gunicorn_hooks",
            "--bind", f"{HOST}:{port}", "--workers", str(workers),
            "--access-logfile", "-", "--no-control-socket",
            *(threads if self.server == "gunicorn gthread" else []),
            f"{target}()" if rung.factory else target,
        ]  # fmt: skip


FORGE_CONFIGS = (
    Config(RUNGS["fastapi_forge"], "uvicorn", default=True),
    Config(RUNGS["fastapi_forge"], "granian"),
    Config(RUNGS["flask_forge"], "gunicorn sync", default=True),
    Config(RUNGS["flask_forge"], "gunicorn gthread"),
    Config(RUNGS["flask_forge"], "granian"),
    Config(RUNGS["django_forge"], "gunicorn sync", default=True),
    Config(RUNGS["django_forge"], "gunicorn gthread"),
    Config(RUNGS["django_forge"], "granian"),
    Config(RUNGS["django_forge"], "uvicorn (ASGI)"),
)
REFERENCE_CONFIGS = (
    Config(RUNGS["raw_asgi"], "uvicorn"),
    Config(RUNGS["raw_wsgi"], "gunicorn sync"),
    Config(RUNGS["fastapi_database"], "uvicorn"),
    Config(RUNGS["flask_database"], "gunicorn sync"),
    Config(RUNGS["django_database"], "gunicorn sync"),
)
"""The ladder under each interface's default server: the database rungs, because a
dict is per worker (a user created in one is unknown to the other)."""


@dataclass
class Started:
    """A running server: its process group, its URL, its log."""

    config: Config
    process: subprocess.Popen[bytes]
    url: str
    log: Path
    user_id: int = 0
    """A user seeded for the ``get`` scenario."""
    gate: str | None = None
    """Why the conformance gate refused it, or None once it passed (or has none)."""
    database_pid: int | None = None
    """The PostgreSQL server it uses, when that runs on this machine: its CPU is
    measured beside the app server's."""
    runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def pids(self) -> list[int]:
        return machine.descendants(self.process.pid)

    def peak_rss_per_worker(self) -> int:
        """The largest peak memory of one worker (the master's excluded)."""
        workers = [pid for pid in self.pids() if pid != self.process.pid]
        return max((machine.peak_rss_bytes(pid) for pid in workers), default=0)


def shown(config: Config) -> str:
    """The config's command as a person would type it (``python -m`` left out)."""
    port = 65535  # a stand-in, shown as PORT
    words = config.command(port)[2:]
    return " ".join(words).replace(str(port), "PORT")


def prepare(rung: Rung, data_dir: Path, environment: Mapping[str, str]) -> None:
    """Make the rung's tables, as forge serve migrates before it serves."""
    command = rung.prepare_command()
    if command is None:
        return
    done = subprocess.run(
        command, env=dict(environment), capture_output=True, text=True
    )
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:]
        raise RuntimeError(f"{rung.name}: preparing its database failed: {last}")


@contextmanager
def started(
    configs: Sequence[Config],
    folder: Path,
    database_url: Callable[[Config], str | None] = lambda config: None,
    workers: int = WORKERS,
) -> Iterator[list[Started]]:
    """Start every config's server on a free port, wait until each answers /healthz,
    and stop them all (their process groups, by pid) however the block ends."""
    servers: list[Started] = []
    with ExitStack() as stack:
        stack.callback(stop_all, servers)
        for index, config in enumerate(configs):
            data_dir = folder / f"{index}-{config.app.name}"
            data_dir.mkdir(parents=True)
            environment = config.app.environment(data_dir, os.environ)
            if url := database_url(config):
                environment["DATABASE_URL"] = url
            prepare(config.app, data_dir, environment)
            port = free_port()
            log = data_dir / "server.log"
            with log.open("wb") as output:
                process = subprocess.Popen(
                    config.command(port, workers),
                    env=environment,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            servers.append(Started(config, process, f"http://{HOST}:{port}", log))
        for server in servers:
            wait_until_healthy(server)
        yield servers


def wait_until_healthy(server: Started) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{server.config.name} exited {server.process.returncode}: "
                f"{last_lines(server.log)}"
            )
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{server.config.name} did not answer /healthz in time")


def last_lines(log: Path, count: int = 3) -> str:
    return " | ".join(log.read_text(errors="replace").strip().splitlines()[-count:])


def stop_all(servers: list[Started]) -> None:
    for server in servers:
        with_group(server.process, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for server in servers:
        try:
            server.process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with_group(server.process, signal.SIGKILL)
            server.process.wait()


def with_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def gate(server: Started) -> None:
    """The conformance gate: every case, on this server, now; a Forge app only."""
    if not server.config.app.forge:
        return
    cases = [case for case in load_cases() if case.applies(None)]
    report = conformance({server.config.name: server.url}, cases)
    failures = report.failures(server.config.name) + report.not_run(server.config.name)
    if failures:
        ids = ", ".join(outcome.case.id for outcome in failures[:3])
        server.gate = f"{len(failures)} conformance cases failed ({ids})"


def seed(server: Started) -> None:
    """The user the ``get`` scenario reads."""
    answer = httpx.post(
        f"{server.url}/forge/users",
        json={"name": f"bench target {secrets.token_hex(4)}"},
        timeout=10,
    )
    if answer.status_code != 201:
        raise RuntimeError(
            f"{server.config.name}: seeding answered {answer.status_code}"
        )
    server.user_id = answer.json()["id"]


def measure(
    server: Started,
    scenario: Scenario,
    keep_alive: bool,
    connections: int,
    seconds: int,
    folder: Path,
) -> dict[str, Any]:
    """One wrk run, with the server's CPU and the machine's other work over it."""
    load = wrk.Load(
        scenario.method,
        scenario.path.replace("{id}", str(server.user_id)),
        scenario.body or "",
        keep_alive,
        connections,
        seconds,
    )
    expected = server.config.app.statuses[scenario.name]
    load_before = machine.load_average()
    # Ours besides the server: wrk (a child) and this process (the delay proxy's
    # thread, on a remote database): neither is other work.
    before = cpu_seconds(resource.RUSAGE_CHILDREN) + cpu_seconds(resource.RUSAGE_SELF)
    with machine.Watch(server.pids(), server.database_pid) as watch:
        result = wrk.run(server.url, load, secrets.token_hex(4), folder)
    after = cpu_seconds(resource.RUSAGE_CHILDREN) + cpu_seconds(resource.RUSAGE_SELF)
    ours = after - before
    requests = result["requests"]
    seconds_taken = result["duration_us"] / 1e6
    database = server.database_pid is not None and requests
    return {
        "requests": requests,
        "requests_per_second": requests / seconds_taken if seconds_taken else 0,
        "p50_ms": result["p50_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "server_cpu_us": watch.own / requests * 1e6 if requests else None,
        "database_cpu_us": watch.database_seconds / requests * 1e6
        if database
        else None,
        "load_average": load_before,
        "other_cores": round(watch.other_cores(ours), 2),
        "expected": expected,
        "statuses": result["statuses"],
        "errors": {kind: n for kind, n in result["errors"].items() if n},
        "failed": verdict(result, expected),
    }


def verdict(result: dict[str, Any], expected: int) -> str | None:
    """Why a wrk run failed (a status not ``expected``, a socket error, no answer at
    all), or None if it did not."""
    unexpected = {s: n for s, n in result["statuses"].items() if s != str(expected)}
    errors = {kind: n for kind, n in result["errors"].items() if n}
    failed = []
    if unexpected:
        failed.append(f"unexpected statuses {unexpected} (expected {expected})")
    if errors:
        failed.append(f"socket errors {errors}")
    if not result["requests"]:
        failed.append("no answer at all")
    return "; ".join(failed) or None


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def measured(
    server: Started,
    scenario: Scenario,
    keep_alive: bool,
    connections: int,
    seconds: int,
    folder: Path,
    settle: Callable[[], object] = lambda: None,
) -> dict[str, Any]:
    """``measure``, repeated once when other work disturbed it; flagged if still so.

    ``settle`` runs before the repeat: a server may first have to finish what the
    first run's closed connections left in its queue."""
    result = measure(server, scenario, keep_alive, connections, seconds, folder)
    if result["other_cores"] > machine.DISTURBED_CORES:
        settle()
        result = measure(server, scenario, keep_alive, connections, seconds, folder)
        result["disturbed"] = result["other_cores"] > machine.DISTURBED_CORES
    return result


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The rounds of one measurement: medians, and failed if any round failed."""
    failed = [run["failed"] for run in runs if run["failed"]]
    good = [run for run in runs if not run["failed"]]
    summary: dict[str, Any] = {"rounds": runs, "failed": failed[0] if failed else None}
    for key in ("requests_per_second", "p50_ms", "p99_ms", "server_cpu_us"):
        values = [run[key] for run in good if run[key] is not None]
        summary[key] = statistics.median(values) if values and not failed else None
    summary["disturbed"] = any(run.get("disturbed") for run in runs)
    return summary


SERVED_SCENARIOS = tuple(scenario for scenario in SCENARIOS if scenario.served)


def bench(
    configs: Sequence[Config],
    folder: Path,
    rounds: int,
    seconds: int,
    connections: int,
    keep_alive: Sequence[bool] = (True, False),
    progress: Callable[[str], None] = lambda line: None,
    scenarios: Sequence[Scenario] = SERVED_SCENARIOS,
    database_url: Callable[[Config], str | None] = lambda config: None,
    database_pid: int | None = None,
) -> list[dict[str, Any]]:
    """Every config, gated, then measured per scenario and keep-alive, the configs'
    order reversed every other round (A B, then B A), so that no config always runs
    right after the same neighbour. One record per config.

    ``database_url`` gives a config a database server's URL (SQLite files of their
    own otherwise); ``database_pid`` is that server's process, if on this machine."""
    with started(configs, folder, database_url) as servers:
        for server in servers:
            server.database_pid = database_pid
        progress(f"conformance gate: {len(servers)} servers")
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(gate, servers))
        for server in servers:
            if server.gate is None:
                seed(server)
        measurable = [server for server in servers if server.gate is None]
        for number in range(rounds):
            order = measurable if number % 2 == 0 else measurable[::-1]
            for scenario in scenarios:
                for alive in keep_alive:
                    for server in order:
                        key = f"{scenario.name} keep-alive {'on' if alive else 'off'}"
                        progress(
                            f"round {number + 1}/{rounds}: {server.config.name}, {key}"
                        )
                        result = measured(
                            server, scenario, alive, connections, seconds, folder
                        )
                        server.runs.setdefault(key, []).append(result)
        return [
            {
                "config": server.config.name,
                "rung": server.config.app.name,
                "server": server.config.server,
                "default": server.config.default,
                "command": shown(server.config),
                "gate": server.gate,
                "peak_rss_per_worker_mib": server.peak_rss_per_worker() / 2**20,
                "results": {key: summarise(runs) for key, runs in server.runs.items()},
            }
            for server in servers
        ]
