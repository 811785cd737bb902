"""One ``forge bench`` run: in-process, served, remote database; every figure with
its conditions, in one JSON-ready dictionary.

A full run takes under ten minutes on two cores; ``--quick`` runs every part with
fewer requests and servers, to check that the instrument works, not to rank.
"""

import importlib.util
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from forge.bench import (
    imports,
    inprocess,
    machine,
    memory,
    remote,
    served,
    sqlite,
    targets,
    wrk,
)
from forge.bench.ladder import FRAMEWORKS, RUNG_NAMES, RUNGS, SCENARIO_NAMES

BENCH_VERSION = "1.6"
"""The instrument's version: a change to what it measures or how changes it."""
MISS_PROFILE_LINES = 30
"""Functions shown of each rung's profile for a missed in-process target."""
MEMORY_FOLDER = Path("/dev/shm")
"""Where the in-process rungs keep their SQLite files, if it exists: in memory, the
disk's syncs on every commit take the run's time but none of the CPU measured. The
served apps keep theirs on disk, as deployed."""


@dataclass(frozen=True)
class Settings:
    """How much of everything a run does."""

    rounds: int
    """Served runs of each server and scenario, alternated."""
    inprocess_rounds: int
    """Processes per rung in-process, alternated: the same code measured in two
    processes here has differed by a third, more than within one process."""
    batches: int
    batch_size: int
    users: int
    seconds: int
    connections: int
    remote_seconds: int
    remote_connections: int
    delays_ms: tuple[int, ...]
    sqlite_seconds: float
    keep_alive: tuple[bool, ...]
    memory_scenarios: tuple[str, ...]
    """Served scenarios that load the minimal apps before their memory is read."""
    forge_configs: tuple[str, ...]
    reference_configs: tuple[str, ...]
    remote_configs: tuple[str, ...]


FULL = Settings(
    rounds=2, inprocess_rounds=3, batches=3, batch_size=100, users=1000, seconds=1,
    connections=32,
    remote_seconds=4, remote_connections=remote.CONNECTIONS, delays_ms=remote.DELAYS_MS,
    sqlite_seconds=3, keep_alive=(True, False),
    memory_scenarios=tuple(s.name for s in served.SERVED_SCENARIOS),
    forge_configs=tuple(c.name for c in served.FORGE_CONFIGS),
    # The ceilings and the database rungs (what the Forge apps are judged against);
    # the minimal apps cannot be served (a dict per worker): memory.py loads them.
    reference_configs=tuple(c.name for c in served.REFERENCE_CONFIGS),
    remote_configs=tuple(config.name for config in remote.CONFIGS),
)  # fmt: skip
QUICK = Settings(
    rounds=1, inprocess_rounds=1, batches=2, batch_size=30, users=100, seconds=1,
    connections=16,
    remote_seconds=1, remote_connections=16, delays_ms=(5,), sqlite_seconds=1,
    keep_alive=(True,), memory_scenarios=("get",),
    forge_configs=tuple(c.name for c in served.FORGE_CONFIGS if c.default),
    reference_configs=("raw_asgi · uvicorn", "raw_wsgi · gunicorn sync"),
    remote_configs=tuple(
        c.name for c in remote.CONFIGS if c.default or not c.app.forge
    ),
)  # fmt: skip


BENCH_EXTRA = "python -m pip install -e '.[bench]'"
"""What installs the packages of ``missing_packages``: pyproject.toml's bench extra."""


def missing_packages(settings: Settings, charts: bool) -> list[str]:
    """The bench extra's packages this run needs and cannot import: granian when it
    serves an app under granian, matplotlib when it draws the report's charts."""
    chosen = settings.forge_configs + settings.reference_configs
    needed = ["granian"] if any("granian" in name for name in chosen) else []
    needed += ["matplotlib"] if charts else []
    return [name for name in needed if importlib.util.find_spec(name) is None]


def configs(names: tuple[str, ...], pool: tuple[served.Config, ...]) -> list[Any]:
    return [config for config in pool if config.name in names]


def run(
    settings: Settings,
    postgres_url: str | None,
    command: str,
    progress: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    """Every part of the benchmark, in order; the figures and their conditions."""
    if wrk.installed() is None:
        raise RuntimeError(wrk.INSTALL)
    began = time.monotonic()
    result: dict[str, Any] = {
        "bench_version": BENCH_VERSION,
        "command": command,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "conditions": machine.conditions(),
        "settings": asdict(settings),
    }
    result["conditions"]["wrk"] = wrk.version()
    durations = result["durations_s"] = {}
    tmpfs = MEMORY_FOLDER if MEMORY_FOLDER.is_dir() else None
    result["conditions"]["inprocess_databases"] = "tmpfs" if tmpfs else "disk"
    with (
        tempfile.TemporaryDirectory(prefix="forge-bench-") as name,
        tempfile.TemporaryDirectory(prefix="forge-bench-", dir=tmpfs) as in_memory,
    ):
        folder = Path(name)
        part = time.monotonic()
        costs = inprocess.measure_rungs(
            RUNGS, Path(in_memory), settings.inprocess_rounds, settings.batches,
            settings.batch_size, settings.users, progress,
        )  # fmt: skip
        result["inprocess"] = costs
        result["ratios"] = ratios(costs)
        result["ratios_to_database"] = ratios(costs, "database")
        worst = worst_ratio(result["ratios"])
        misses = targets.inprocess_misses(result)
        if worst is not None:
            framework, scenario, ratio = worst
            also = f", and both rungs of {len(misses)} missed" if misses else ""
            progress(f"profiling {framework}_forge, {scenario}{also}")
            result["profile"] = {
                "rung": f"{framework}_forge",
                "scenario": scenario,
                "ratio": ratio,
                "top": inprocess.profile_rung(
                    RUNG_NAMES[f"{framework}_forge"], scenario, folder / "profile",
                    settings.batch_size, settings.users,
                ),
            }  # fmt: skip
        # Each in-process target missed, its Forge app and database rung side by
        # side, by cumulative time, so the calls line up: where the difference is.
        result["miss_profiles"] = [
            {
                "framework": framework,
                "scenario": scenario,
                "ratio": ratio,
                "bound": bound,
                **{
                    layer: inprocess.profile_rung(
                        RUNG_NAMES[f"{framework}_{layer}"], scenario,
                        folder / "profile", settings.batch_size, settings.users,
                        sort="cumulative", lines=MISS_PROFILE_LINES,
                    )
                    for layer in ("forge", "database")
                },
            }
            for framework, scenario, ratio, bound in misses
        ]  # fmt: skip
        durations["inprocess"] = round(time.monotonic() - part, 1)
        part = time.monotonic()
        result["served"] = served.bench(
            configs(settings.forge_configs, served.FORGE_CONFIGS)
            + configs(settings.reference_configs, served.REFERENCE_CONFIGS),
            folder / "served", settings.rounds, settings.seconds,
            settings.connections, settings.keep_alive, progress,
        )  # fmt: skip
        result["servers"] = server_verdicts(result["served"])
        result["memory"] = memory.bench(
            folder / "memory", settings.seconds, settings.connections,
            progress=progress, scenarios=settings.memory_scenarios,
        )  # fmt: skip
        result["imports"] = imports.bench(folder / "imports", progress)
        durations["served"] = round(time.monotonic() - part, 1)
        part = time.monotonic()
        result["sqlite"] = sqlite.bench(folder / "sqlite", settings.sqlite_seconds,
                                        progress)  # fmt: skip
        durations["sqlite"] = round(time.monotonic() - part, 1)
        part = time.monotonic()
        if postgres_url:
            result["remote"] = remote.bench(
                postgres_url, folder / "remote", settings.remote_seconds,
                settings.delays_ms, settings.remote_connections,
                configs(settings.remote_configs, remote.CONFIGS), progress,
                served_connections=settings.connections,
            )  # fmt: skip
        else:
            result["remote"] = None
            result["remote_not_measured"] = (
                "no PostgreSQL URL given (--postgres-url or FORGE_BENCH_POSTGRES_URL)"
            )
        durations["remote"] = round(time.monotonic() - part, 1)
    result["duration_s"] = round(time.monotonic() - began, 1)
    result["conditions"]["load_average_after"] = machine.load_average()
    return result


def ratios(
    costs: dict[str, Any], layer: str = "minimal"
) -> dict[str, dict[str, float | None]]:
    """Per framework and scenario: the Forge app's CPU per request over its minimal
    app's (or another rung's), both from this run."""
    table: dict[str, dict[str, float | None]] = {}
    for framework in FRAMEWORKS:
        forge = costs.get(f"{framework}_forge", {}).get("scenarios", {})
        minimal = costs.get(f"{framework}_{layer}", {}).get("scenarios", {})
        table[framework] = {
            scenario: (
                forge[scenario]["cpu_us"] / minimal[scenario]["cpu_us"]
                if scenario in forge and scenario in minimal
                and not forge[scenario]["failed"] and not minimal[scenario]["failed"]
                else None
            )
            for scenario in SCENARIO_NAMES
        }  # fmt: skip
    return table


def worst_ratio(
    table: dict[str, dict[str, float | None]],
) -> tuple[str, str, float] | None:
    found = [
        (framework, scenario, ratio)
        for framework, row in table.items()
        for scenario, ratio in row.items()
        if ratio is not None
    ]
    return max(found, key=lambda item: item[2], default=None)


def server_verdicts(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per Forge app: each other server's requests/s over the default's, per measure,
    and whether it beats the default clearly (by ``CLEARLY`` or more on every one)."""
    verdicts: dict[str, Any] = {}
    forge = [record for record in records if RUNG_NAMES[record["rung"]].forge]
    for rung in dict.fromkeys(record["rung"] for record in forge):
        default = next((r for r in forge if r["rung"] == rung and r["default"]), None)
        if default is None:
            continue
        others: dict[str, Any] = {}
        for record in forge:
            if record["rung"] != rung or record["default"]:
                continue
            if record["gate"]:
                others[record["server"]] = {"gate": record["gate"]}
                continue
            speedups = {
                key: (
                    value["requests_per_second"]
                    / default["results"][key]["requests_per_second"]
                    if value["requests_per_second"]
                    and default["results"].get(key, {}).get("requests_per_second")
                    else None
                )
                for key, value in record["results"].items()
            }
            known = [ratio for ratio in speedups.values() if ratio is not None]
            others[record["server"]] = {
                "speedups": speedups,
                "median_speedup": statistics.median(known) if known else None,
                "clearly_faster": bool(known) and len(known) == len(speedups)
                and min(known) >= CLEARLY,
            }  # fmt: skip
        verdicts[rung] = {"default": default["server"], "others": others}
    return verdicts


CLEARLY = 1.2
"""A server beats the default clearly when it serves 20 % more on every measure."""


def describe_command() -> str:
    return "forge " + " ".join(sys.argv[1:]) if sys.argv[1:] else "forge bench"


def steps(settings: Settings, remote_too: bool) -> int:
    """How many progress lines a run prints: its progress bar's length."""
    served_configs = len(settings.forge_configs) + len(settings.reference_configs)
    total = len(RUNGS) * settings.inprocess_rounds + 1  # + the profile
    runs = len(served.SERVED_SCENARIOS) * len(settings.keep_alive) * settings.rounds
    total += 1 + served_configs * runs  # the gate, then the runs
    total += len(memory.CONFIGS) + len(FRAMEWORKS) + len(sqlite.SETTINGS)
    if remote_too:
        chosen = configs(settings.remote_configs, remote.CONFIGS)
        total += 1 + sum(  # the gate, then each config's runs
            (config.default or not config.app.forge)
            + (len(settings.delays_ms) if config.app.forge else 0)
            for config in chosen
        )
    return total


def run_with_progress(
    settings: Settings, postgres_url: str | None, command: str, console: Console
) -> dict[str, Any]:
    """``run``, with a progress bar and the step it is on; into a pipe or a log, a
    line per step with the time since the start."""
    if not console.is_terminal:
        began = time.monotonic()
        total = steps(settings, bool(postgres_url))
        done = [0]

        def log(line: str) -> None:
            done[0] += 1
            elapsed = time.monotonic() - began
            console.print(f"[{elapsed:6.1f} s, {done[0]}/{total}] {line}", markup=False)

        return run(settings, postgres_url, command, log)
    columns = (
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
        MofNCompleteColumn(), TimeElapsedColumn(),
    )  # fmt: skip
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(
            "forge bench", total=steps(settings, bool(postgres_url))
        )

        def advance(line: str) -> None:
            progress.update(task, description=line, advance=1)

        result = run(settings, postgres_url, command, advance)
        progress.update(task, description=f"done in {result['duration_s']} s")
    return result


def write_json(result: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n")


def write_markdown(result: dict[str, Any], path: Path) -> list[Path]:
    """The report at ``path``, its charts in the folder beside it of the same name."""
    from forge.bench import charts, report

    path.parent.mkdir(parents=True, exist_ok=True)
    drawn = charts.draw(result, path.parent / path.stem)
    path.write_text(report.markdown(result, drawn, path.parent))
    return drawn
