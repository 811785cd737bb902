"""In-process cost: the CPU one request takes in an app, with no server and no socket.

Each rung runs in a process of its own (``python -m forge.bench.inprocess RUNG``):
Django allows one settings module per process, and a fresh process keeps one rung's
caches and garbage from another's figures. The app is called directly through its
interface, ASGI or WSGI, with a request built once per scenario, so what is measured
is the framework, the app and its database, and only this driver besides (the raw
rungs show what the driver and the interface cost together).

A scenario is measured in batches: the process's CPU time (every thread, the
database's too) over a batch, divided by its requests, is one figure; the median of
the batches is the result. The output is JSON on stdout.
"""

import argparse
import asyncio
import cProfile
import importlib
import io
import json
import os
import pstats
import resource
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from forge.bench import machine
from forge.bench.ladder import RUNG_NAMES, SCENARIOS, Rung, Scenario

HOST = b"localhost"
"""A host every app serves (R28's default)."""

Request = tuple[str, str, bytes]
"""Method, path with query, body."""
Send = Callable[[list[Request]], list[int]]
"""Sends requests one after the other and answers their statuses."""


class Counter:
    """Numbers that make every created name unique in this process."""

    def __init__(self) -> None:
        self.value = 0

    def next(self) -> int:
        self.value += 1
        return self.value


def load(rung: Rung) -> Any:
    module_name, _, attribute = rung.target.partition(":")
    application = getattr(importlib.import_module(module_name), attribute)
    return application() if rung.factory else application


def asgi_sender(app: Any) -> tuple[Send, Callable[[], None]]:
    """A sender that calls an ASGI app on one event loop, after its lifespan startup."""
    loop = asyncio.new_event_loop()
    lifespan_in: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    lifespan_out: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def lifespan() -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        await app(scope, lifespan_in.get, lifespan_out.put)

    async def start() -> "asyncio.Task[None]":
        task = asyncio.create_task(lifespan())
        await lifespan_in.put({"type": "lifespan.startup"})
        message = await lifespan_out.get()
        if message["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"lifespan startup failed: {message}")
        return task

    lifespan_task = loop.run_until_complete(start())

    async def call(method: str, target: str, body: bytes) -> int:
        path, _, query = target.partition("?")
        headers = [(b"host", HOST)]
        if body:
            headers += [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ]
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": method, "scheme": "http", "path": path,
            "raw_path": path.encode(), "query_string": query.encode(),
            "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000),
            "server": ("localhost", 80), "state": {},
        }  # fmt: skip
        sent = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.Event().wait()  # the client stays until the answer
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(scope, receive, send)
        return status

    def stop() -> None:
        async def shutdown() -> None:
            await lifespan_in.put({"type": "lifespan.shutdown"})
            await lifespan_task

        loop.run_until_complete(shutdown())
        loop.close()

    async def batch(requests: list[Request]) -> list[int]:
        return [await call(*request) for request in requests]

    return (lambda requests: loop.run_until_complete(batch(requests))), stop


def wsgi_sender(app: Any) -> tuple[Send, Callable[[], None]]:
    """A sender that calls a WSGI app, reading its whole answer as a server would."""

    def call(method: str, target: str, body: bytes) -> int:
        path, _, query = target.partition("?")
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
            "SCRIPT_NAME": "", "SERVER_NAME": "localhost", "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": HOST.decode(),
            "REMOTE_ADDR": "127.0.0.1", "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr, "wsgi.multithread": False,
            "wsgi.multiprocess": True, "wsgi.run_once": False,
        }  # fmt: skip
        if body:
            environ["CONTENT_TYPE"] = "application/json"
            environ["CONTENT_LENGTH"] = str(len(body))
        status = ""

        def start_response(line: str, headers: Any, exc_info: Any = None) -> Any:
            nonlocal status
            status = line
            return lambda data: None

        answer = app(environ, start_response)
        try:
            for _ in answer:
                pass
        finally:
            if hasattr(answer, "close"):
                answer.close()
        return int(status.split(" ", 1)[0])

    return (lambda requests: [call(*request) for request in requests]), lambda: None


def requests(
    scenario: Scenario, user_ids: list[int], counter: Counter
) -> Iterable[Request]:
    """An endless stream of the scenario's requests, on the seeded users in turn."""
    index = 0
    while True:
        user_id = user_ids[index % len(user_ids)]
        index += 1
        path = scenario.path.replace("{id}", str(user_id))
        body = scenario.body or ""
        # A PATCH that changes nothing may write nothing: each pass flips the tier.
        body = body.replace("{tier}", ("Pro", "Enterprise")[index // len(user_ids) % 2])
        if "{n}" in body:
            body = body.replace("{n}", str(counter.next()))
        yield scenario.method, path, body.encode()


def seed(send: Send, users: int, counter: Counter) -> list[int]:
    """Create ``users`` users, whose ids are 1 to ``users`` on a fresh database."""
    bodies = [b'{"name": "seed %d"}' % counter.next() for _ in range(users)]
    statuses = send([("POST", "/forge/users", body) for body in bodies])
    if unexpected := {status for status in statuses if status != 201}:
        raise RuntimeError(f"seeding users answered {sorted(unexpected)}, not 201")
    return list(range(1, users + 1))


def measure(
    send: Send,
    scenario: Scenario,
    expected: int,
    stream: Iterable[Request],
    batches: int,
    size: int,
) -> dict[str, Any]:
    """CPU and wall microseconds per request, one figure per batch, after a warm-up."""
    iterator = iter(stream)
    statuses: dict[str, int] = {}
    # A warm-up first: lazy imports, caches, the database's first pages.
    send([next(iterator) for _ in range(max(size // 5, 5))])
    cpu, wall = [], []
    for _ in range(batches):
        batch = [next(iterator) for _ in range(size)]
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        answered = send(batch)
        cpu.append((time.process_time() - started_cpu) / size * 1e6)
        wall.append((time.perf_counter() - started_wall) / size * 1e6)
        for status in answered:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
    unexpected = {s: n for s, n in statuses.items() if s != str(expected)}
    return {
        "cpu_us": cpu,
        "wall_us": wall,
        "expected": expected,
        "statuses": statuses,
        "unexpected": unexpected,
    }


def profile(
    send: Send, stream: Iterable[Request], size: int, sort: str, lines: int
) -> str:
    """The top ``lines`` functions by ``sort`` (pstats' own time, ``tottime``, or
    ``cumulative``, which lines up two apps' calls) over ``size`` requests."""
    iterator = iter(stream)
    batch = [next(iterator) for _ in range(size)]
    profiler = cProfile.Profile()
    profiler.enable()
    send(batch)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(lines)
    return out.getvalue()


def run(
    rung: Rung,
    batches: int,
    size: int,
    users: int,
    profiled: str | None,
    sort: str = "tottime",
    lines: int = 15,
) -> Any:
    app = load(rung)
    send, stop = (asgi_sender if rung.interface == "asgi" else wsgi_sender)(app)
    counter = Counter()
    try:
        user_ids = seed(send, users, counter)
        if profiled is not None:
            scenario = next(s for s in SCENARIOS if s.name == profiled)
            return {
                "profile": profile(
                    send, requests(scenario, user_ids, counter), size, sort, lines
                )
            }
        # Creating last keeps the list at the seeded size for every other scenario.
        ordered = sorted(SCENARIOS, key=lambda s: s.name == "create")
        return {
            scenario.name: measure(
                send,
                scenario,
                rung.statuses[scenario.name],
                requests(scenario, user_ids, counter),
                batches,
                size,
            )
            for scenario in ordered
        }
    finally:
        stop()


# The parent's side: one process per rung and round, alternated.


def child(rung: Rung, folder: Path, arguments: list[str]) -> tuple[Any, float]:
    """One run of ``rung`` in a fresh process on a fresh database: its JSON, and the
    cores of other work while it ran."""
    data_dir = folder / f"{rung.name}-{secrets.token_hex(3)}"
    data_dir.mkdir(parents=True)
    environment = rung.environment(data_dir, os.environ)
    command = rung.prepare_command()
    if command is not None:
        subprocess.run(command, env=environment, check=True, capture_output=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with machine.Watch([]) as watch:
        done = subprocess.run(
            [sys.executable, "-m", "forge.bench.inprocess", rung.name, *arguments],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"{rung.name}: the in-process run failed: {last[0]}")
    own = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return json.loads(done.stdout), watch.other_cores(own)


def measure_rungs(
    rungs: Sequence[Rung],
    folder: Path,
    rounds: int,
    batches: int,
    size: int,
    users: int,
    progress: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    """Every rung, ``rounds`` times in alternating order (A B C, then C B A), each
    scenario's figure the median of every batch of every round."""
    arguments = ["--batches", str(batches), "--size", str(size), "--users", str(users)]
    runs: dict[str, list[Any]] = {rung.name: [] for rung in rungs}
    conditions: dict[str, list[dict[str, Any]]] = {rung.name: [] for rung in rungs}
    for number in range(rounds):
        for rung in rungs if number % 2 == 0 else rungs[::-1]:
            progress(f"in-process, round {number + 1}/{rounds}: {rung.name}")
            load_before = machine.load_average()
            result, other = child(rung, folder, arguments)
            if other > machine.DISTURBED_CORES:  # again, once
                result, other = child(rung, folder, arguments)
            runs[rung.name].append(result)
            conditions[rung.name].append(
                {
                    "load_average": load_before,
                    "other_cores": round(other, 2),
                    "disturbed": other > machine.DISTURBED_CORES,
                }
            )
    return {
        name: {
            "runs": conditions[name],
            "scenarios": {
                scenario: combined([run[scenario] for run in rung_runs])
                for scenario in rung_runs[0]
            },
        }
        for name, rung_runs in runs.items()
    }


def combined(results: list[dict[str, Any]]) -> dict[str, Any]:
    """One scenario over every round: the median batch, and any unexpected status."""
    unexpected: dict[str, int] = {}
    for result in results:
        for status, count in result["unexpected"].items():
            unexpected[status] = unexpected.get(status, 0) + count
    return {
        "cpu_us": statistics.median(b for r in results for b in r["cpu_us"]),
        "wall_us": statistics.median(b for r in results for b in r["wall_us"]),
        "batches": [b for r in results for b in r["cpu_us"]],
        "expected": results[0]["expected"],
        "unexpected": unexpected,
        "failed": f"unexpected statuses {unexpected}" if unexpected else None,
    }


def profile_rung(
    rung: Rung,
    scenario: str,
    folder: Path,
    size: int,
    users: int,
    sort: str = "tottime",
    lines: int = 15,
) -> str:
    """cProfile's top functions of ``rung`` answering ``scenario``."""
    arguments = ["--size", str(size), "--users", str(users), "--profile", scenario]
    arguments += ["--sort", sort, "--lines", str(lines)]
    result, _ = child(rung, folder, arguments)
    text: str = result["profile"]
    return text


def main(arguments: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("rung", choices=sorted(RUNG_NAMES))
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--size", type=int, default=200, help="requests per batch")
    parser.add_argument("--users", type=int, default=1000, help="users seeded first")
    parser.add_argument("--profile", metavar="SCENARIO", help="profile this one")
    parser.add_argument("--sort", choices=("tottime", "cumulative"), default="tottime")
    parser.add_argument("--lines", type=int, default=15, help="functions shown")
    options = parser.parse_args(arguments)
    rung = RUNG_NAMES[options.rung]
    result = run(
        rung, options.batches, options.size, options.users, options.profile,
        options.sort, options.lines,
    )  # fmt: skip
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
