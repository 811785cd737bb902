"""The conditions of every figure: the machine, its load, the versions, and what
processes cost, read from ``/proc`` (Linux; elsewhere those figures are absent).

The load average says how busy the machine was before a run; the *other work* during
a run says whether something else shared its cores: the machine's busy CPU time over
the run minus the benchmark's own processes', in cores. A run with more than
``DISTURBED_CORES`` of other work is repeated, and flagged if it still is. A database
server on this machine is the benchmark's own work too: its CPU (every backend, and
those that ended during the run) is measured, reported per request, and not counted
as other work.
"""

import os
import platform
import time
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
DISTURBED_CORES = 0.3
"""Other work above this, in cores, during a run makes it disturbed."""

PACKAGES = (
    "fastapi", "starlette", "pydantic", "uvicorn", "uvloop", "httptools", "granian",
    "flask", "werkzeug", "marshmallow", "flask-sqlalchemy", "gunicorn", "django",
    "djangorestframework", "sqlalchemy", "aiosqlite", "asyncpg", "psycopg",
)  # fmt: skip


def conditions() -> dict[str, Any]:
    """The machine and software every figure of a run was taken with."""
    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model(),
        "memory_gib": round(memory_bytes() / 2**30, 1) if memory_bytes() else None,
        "load_average": load_average(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "packages": {name: package_version(name) for name in PACKAGES},
    }


def cpu_model() -> str:
    try:
        for line in (PROC / "cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_bytes() -> int:
    try:
        for line in (PROC / "meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def busy_seconds() -> float:
    """CPU time the whole machine has spent busy since boot, every core summed."""
    fields = (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]
    ticks = [int(value) for value in fields]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks[:8]) - idle) / TICKS


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (a server's master and its workers)."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                parent = int(stat_fields(entry)[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def stat_fields(entry: Path) -> list[str]:
    """``/proc/PID/stat`` from the state on (the name in brackets may hold spaces)."""
    text = (entry / "stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def cpu_seconds(pids: Iterable[int]) -> float:
    """User and system CPU time of ``pids`` so far."""
    total = 0
    for pid in pids:
        try:
            fields = stat_fields(PROC / str(pid))
        except OSError:
            continue  # gone since it was listed
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of ``pid``, of its children it has reaped (``cutime`` and ``cstime``:
    a database backend that served one connection and ended) and of those still
    running: the whole cost of a server that forks per connection."""
    try:
        fields = stat_fields(PROC / str(pid))
    except OSError:
        return 0.0
    reaped = (int(fields[13]) + int(fields[14])) / TICKS
    return reaped + cpu_seconds(descendants(pid))


def parent_pid(pid: int) -> int | None:
    try:
        return int(stat_fields(PROC / str(pid))[1])
    except (OSError, IndexError, ValueError):
        return None


def peak_rss_bytes(pid: int) -> int:
    """The most memory ``pid`` has held at once (VmHWM), or 0 if it is gone."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@dataclass
class Watch:
    """CPU spent over a span: by given processes, by a database server on this
    machine (``database``, its main process id), and by everything else."""

    pids: list[int]
    database: int | None = None
    started: float = 0
    busy: float = 0
    own: float = 0
    database_seconds: float = 0

    def __enter__(self) -> "Watch":
        self.started, self.busy = time.perf_counter(), busy_seconds()
        self.own = cpu_seconds(self.pids)
        if self.database is not None:
            self.database_seconds = tree_cpu_seconds(self.database)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.elapsed = time.perf_counter() - self.started
        self.own = cpu_seconds(self.pids) - self.own
        if self.database is not None:
            self.database_seconds = (
                tree_cpu_seconds(self.database) - self.database_seconds
            )
        self.busy = busy_seconds() - self.busy

    def other_cores(self, also_ours: float = 0) -> float:
        """Cores of other work over the span: busy time not ours, per second."""
        ours = self.own + self.database_seconds + also_ours
        return max(0.0, self.busy - ours) / max(self.elapsed, 1e-9)
