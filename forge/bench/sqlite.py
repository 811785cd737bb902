"""SQLite's settings, chosen by measurement: concurrent commits under each journal mode
and synchronous setting, on the disk the served apps keep their files on.

Two processes (a server's two workers) of ``WRITERS`` threads each commit one small
insert at a time, each thread on its own connection, with the apps' busy timeout; a
commit's latency includes its wait for the file's write lock. ``DELETE`` + ``FULL`` is
SQLite's default; ``WAL`` lets readers go on while a writer commits, and ``NORMAL``
in WAL mode syncs at checkpoints only: a process crash loses nothing, a power loss may
lose the last commits (SQLite's documentation: "durability is lost").
"""

import multiprocessing
import os
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SETTINGS = (("delete", "full"), ("wal", "full"), ("wal", "normal"))
"""(journal_mode, synchronous), SQLite's default first."""
PROCESSES = 2
WRITERS = 16
"""Threads per process: 32 commits in flight, the served runs' connections."""
BUSY_TIMEOUT_SECONDS = 2.0
"""The apps' wait for another connection's lock (their QUERY_TIMEOUT_SECONDS)."""


def writer(
    path: Path, journal: str, synchronous: str, seconds: float
) -> dict[str, Any]:
    """``WRITERS`` threads committing for ``seconds``: latencies and failures."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def commit_until_deadline(number: int) -> None:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS)
        ready = False
        while not ready and time.monotonic() < deadline:
            try:  # reads the schema: in the rollback journal, refused past the timeout
                connection.execute(f"PRAGMA synchronous={synchronous}")
                ready = True
            except sqlite3.OperationalError as error:
                with lock:
                    failures.append(str(error))
        mine: list[float] = []
        count = 0
        while ready and time.monotonic() < deadline:
            count += 1
            name = f"{os.getpid()}-{number}-{count}"
            began = time.perf_counter()
            try:
                with connection:  # a transaction, committed at the end
                    connection.execute("INSERT INTO users (name) VALUES (?)", (name,))
            except sqlite3.OperationalError as error:
                with lock:
                    failures.append(str(error))
                continue
            mine.append(time.perf_counter() - began)
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [
        threading.Thread(target=commit_until_deadline, args=(number,))
        for number in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"latencies": latencies, "failures": failures}


def measure(
    folder: Path, journal: str, synchronous: str, seconds: float
) -> dict[str, Any]:
    """One setting on a fresh file in ``folder``: commits a second, p50, p99."""
    path = folder / f"{journal}-{synchronous}.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA journal_mode={journal}")  # kept by the file (WAL)
        connection.execute(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)"
        )
    connection.close()
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        began = time.monotonic()
        results = pool.starmap(
            writer, [(path, journal, synchronous, seconds)] * PROCESSES
        )
        elapsed = time.monotonic() - began
    latencies = sorted(value for result in results for value in result["latencies"])
    failures = [failure for result in results for failure in result["failures"]]
    return {
        "journal_mode": journal,
        "synchronous": synchronous,
        "commits": len(latencies),
        "commits_per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else None,
        "p99_ms": percentile(latencies, 0.99) * 1000 if latencies else None,
        "max_ms": latencies[-1] * 1000 if latencies else None,
        "failed_commits": len(failures),
        "failures": sorted(set(failures))[:3],
    }


def percentile(ordered: list[float], rank: float) -> float:
    """The nearest-rank percentile of sorted values."""
    return ordered[min(len(ordered) - 1, max(0, round(rank * len(ordered)) - 1))]


def bench(
    folder: Path,
    seconds: float,
    progress: Callable[[str], None] = lambda line: None,
) -> list[dict[str, Any]]:
    """Every setting, in turn, on files in a fresh folder under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as name:
        results = []
        for journal, synchronous in SETTINGS:
            progress(f"SQLite commits: journal {journal}, synchronous {synchronous}")
            results.append(measure(Path(name), journal, synchronous, seconds))
        return results
