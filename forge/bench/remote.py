"""The remote-database question: WSGI against ASGI when every query crosses a network.

The Forge apps run on PostgreSQL behind ``delay.DelayProxy``, which holds every
answer for 0, 5 or 50 ms, and wrk drives ``get`` at 256 connections. A request can
be served no faster than its round trips to the database allow: with ``budget``
database connections in use at once and ``round_trips`` per request, at most
``budget / (round_trips * delay)`` requests a second. The report gives, per app
and delay, that bound beside the measured rate, and the connections and workers or
threads each server used: what the WSGI servers need to come near the async one.

The same servers first answer ``get`` through the proxy at 0 ms with the served
part's 32 connections, beside their framework's database rung under the same server
and workers: the Forge apps served on PostgreSQL, against a newcomer's database
access (issue 16: at least 70 % of the rung's requests/s).
"""

import secrets
import signal
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import URL, make_url

from forge.bench import served
from forge.bench.delay import DelayProxy
from forge.bench.ladder import RUNG_NAMES as RUNGS
from forge.bench.ladder import SCENARIOS
from forge.databases import drop_database, ensure_database, server_process
from forge.servers import app_database_url, render

DELAYS_MS = (0, 5, 50)
GET = next(scenario for scenario in SCENARIOS if scenario.name == "get")
CONNECTIONS = 256
DRAIN_SECONDS = 30
"""How long a server may take to finish what the last run left queued."""
QUIET_SECONDS = 0.5
CALIBRATION_REQUESTS = 5
THREADS = 15
"""gunicorn gthread's threads per worker here: 30 requests in flight on two workers,
each with its connection, the budget the FastAPI app's pool gives it (SQLAlchemy's
default, 5 + 10 overflow per worker; the run measures what it really held)."""

CONFIGS = (
    served.Config(RUNGS["fastapi_forge"], "uvicorn", default=True),
    served.Config(RUNGS["flask_forge"], "gunicorn sync", default=True),
    served.Config(RUNGS["flask_forge"], "gunicorn gthread", threads=THREADS),
    served.Config(RUNGS["django_forge"], "gunicorn sync", default=True),
    served.Config(RUNGS["django_forge"], "gunicorn gthread", threads=THREADS),
    # The database rungs, under the Forge defaults' servers: served at 0 ms only,
    # what the Forge apps' PostgreSQL access costs over a newcomer's.
    served.Config(RUNGS["fastapi_database"], "uvicorn"),
    served.Config(RUNGS["flask_database"], "gunicorn sync"),
    served.Config(RUNGS["django_database"], "gunicorn sync"),
)


@contextmanager
def fresh_databases(
    server: URL, proxies: Mapping[served.Config, DelayProxy]
) -> Iterator[dict[served.Config, str]]:
    """A new database per config on the PostgreSQL server at ``server`` (whose own
    database name is ignored), each URL with its app's driver and through the config's
    own proxy; all dropped after."""
    name = f"forge_bench_{secrets.token_hex(3)}"
    databases = {
        config: app_database_url(
            render(server.set(database=f"{name}_{index}")), config.app.framework
        )
        for index, config in enumerate(proxies)
    }
    try:
        for database in databases.values():
            ensure_database(database)
        yield {
            config: render(make_url(database).set(host="127.0.0.1", port=proxy.port))
            for (config, database), proxy in zip(
                databases.items(), proxies.values(), strict=True
            )
        }
    finally:
        for database in databases.values():
            drop_database(database)


def budget(config: served.Config, workers: int = served.WORKERS) -> int | None:
    """Database connections a WSGI server can use at once: one per request in
    flight, so its workers times threads. An async server's is its pool's, which the
    benchmark measures (the most connections open at once) instead of assuming."""
    if config.app.interface == "asgi":
        return None
    return workers * (config.threads if config.server == "gunicorn gthread" else 1)


def bench(
    postgres_url: str,
    folder: Path,
    seconds: int,
    delays: Sequence[int] = DELAYS_MS,
    connections: int = CONNECTIONS,
    configs: Sequence[served.Config] = CONFIGS,
    progress: Callable[[str], None] = lambda line: None,
    served_connections: int = 32,
) -> list[dict[str, Any]]:
    """Each config on its own fresh database behind a delay proxy of its own, gated;
    then ``get`` at 0 ms with ``served_connections`` (the served part's), for the
    Forge defaults and the database rungs; then, for the Forge apps, ``get`` at every
    delay with ``connections``. The databases are dropped at the end."""
    url = make_url(postgres_url)
    with ExitStack() as stack:
        # A proxy per server: the connections one counts are that server's alone,
        # not those the others keep open while it is measured.
        proxies = {
            config: stack.enter_context(
                DelayProxy(url.host or "127.0.0.1", url.port or 5432)
            )
            for config in configs
        }
        urls = stack.enter_context(fresh_databases(url, proxies))
        servers = stack.enter_context(served.started(configs, folder, urls.get))
        postgres = server_process(postgres_url)
        for server in servers:
            server.database_pid = postgres
        progress("conformance gate on PostgreSQL")
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(served.gate, servers))
        for server in servers:
            if server.gate is None:
                served.seed(server)
        run = Run(proxies, connections, served_connections, seconds, folder, progress)
        return [measure(server, run, delays) for server in servers]


@dataclass(frozen=True)
class Run:
    """What every server of the remote part is measured with."""

    proxies: Mapping[served.Config, DelayProxy]
    """Each server's own, between it and PostgreSQL."""
    connections: int
    served_connections: int
    seconds: int
    folder: Path
    progress: Callable[[str], None]


def measure(server: served.Started, run: Run, delays: Sequence[int]) -> dict[str, Any]:
    """On one server: ``get`` at 0 ms with the served part's connections (a Forge
    default or a database rung), then at each delay, shortest first (a Forge app);
    then the server is killed, since a server left with a backlog would slow the
    next one's run."""
    config = server.config
    results: dict[str, Any] = {}
    served_result: dict[str, Any] | None = None
    try:
        if server.gate is None and (config.default or not config.app.forge):
            run.progress(f"PostgreSQL, {run.served_connections} connections: "
                         f"{config.name}")  # fmt: skip
            served_result = at_delay(server, run, 0, run.served_connections)
        for delay in delays if server.gate is None and config.app.forge else ():
            run.progress(f"remote database, {delay} ms: {config.name}")
            results[f"{delay} ms"] = at_delay(server, run, delay, run.connections)
        rss = server.peak_rss_per_worker() / 2**20
    finally:
        served.with_group(server.process, signal.SIGKILL)
    return {
        "config": config.name,
        "rung": config.app.name,
        "server": config.server,
        "default": config.default,
        "command": served.shown(config),
        "workers": served.WORKERS,
        "threads": config.threads if config.server == "gunicorn gthread" else 1,
        "budget": budget(config),
        "gate": server.gate,
        "peak_rss_per_worker_mib": rss,
        "served": served_result,
        "results": results,
    }


def at_delay(
    server: served.Started, run: Run, delay: int, connections: int
) -> dict[str, Any]:
    """``get`` through the proxy at ``delay`` ms with ``connections``: the figures,
    the round trips one request makes, the bound they allow, the connections held."""
    proxy = run.proxies[server.config]
    if not drained(proxy):
        return {"failed": "the last run's backlog never drained"}
    proxy.reset(delay / 1000)
    use = calibrate(server, proxy)
    # No warm-up run: a sync server would spend the measured one on the requests a
    # warm-up's closed connections left in its queue.
    proxy.reset(delay / 1000)

    def settle() -> None:
        drained(proxy)
        proxy.reset(delay / 1000)

    result = served.measured(
        server, GET, True, connections, run.seconds, run.folder, settle
    )
    use["peak_database_connections"] = proxy.counts.peak_open
    return {**result, **bound(server.config, delay, use)}


def calibrate(server: served.Started, proxy: DelayProxy) -> dict[str, Any]:
    """Round trips and connections per ``get``, counted at the proxy over a few
    requests sent one at a time: what one request asks of the database, unskewed by
    the requests a loaded run leaves unfinished."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for _ in range(CALIBRATION_REQUESTS):
            client.get(f"/forge/users/{server.user_id}").raise_for_status()
    counts = proxy.counts
    return {
        "delay_ms": round(proxy.delay * 1000),
        "round_trips_per_request": counts.round_trips / CALIBRATION_REQUESTS,
        "connections_opened_per_request": counts.connections / CALIBRATION_REQUESTS,
    }


def bound(config: served.Config, delay: int, use: dict[str, Any]) -> dict[str, Any]:
    """The most requests a second the database's round trips allow: connections in
    use at once over the time each request holds one (its round trips × delay)."""
    used = budget(config) or use["peak_database_connections"]
    round_trips = use["round_trips_per_request"]
    use["bound_per_second"] = (
        used / (round_trips * delay / 1000) if delay and round_trips else None
    )
    return use


def drained(proxy: DelayProxy, seconds: float = DRAIN_SECONDS) -> bool:
    """Wait until no byte has gone to or from the database for a while: the server
    has finished what the last run left queued."""
    deadline = time.monotonic() + seconds
    while proxy.quiet_for() < QUIET_SECONDS and time.monotonic() < deadline:
        time.sleep(0.1)
    return proxy.quiet_for() >= QUIET_SECONDS
