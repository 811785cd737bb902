"""Issue 16's targets ("Make the apps fast"), judged from one ``forge bench`` run.

Each target is a figure of the run set against its bound, per Forge app: met, missed
(with the figure), or not measured (the run lacks it: ``--quick`` serves fewer
apps, no ``--postgres-url`` leaves PostgreSQL out). The targets live here, beside
the figures they read, so that the report says which hold after every run.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from forge.bench.ladder import FRAMEWORKS

Result = dict[str, Any]
Figure = tuple[float, str] | None
"""A target's figure and how it reads ("1.42×"), or None when not measured."""

INPROCESS_BOUND = 1.5
INPROCESS_INVALID_BOUND = 1.3
SERVED_SHARE = 0.7
DATABASE_CPU_US = 500
CREATE_P99_MS = 100
REMOTE_SHARE = 0.8
REMOTE_DELAY = "50 ms"
MEMORY_BOUND = 1.5


@dataclass(frozen=True)
class Target:
    """What is promised, and how to read its figure from a run for one framework."""

    promise: str
    figure: Callable[[Result, str], Figure]
    met: Callable[[float], bool]


def worst_ratio(result: Result, framework: str, scenarios: tuple[str, ...]) -> Figure:
    ratios = result.get("ratios_to_database", {}).get(framework, {})
    known = [(ratios[s], s) for s in scenarios if ratios.get(s)]
    if len(known) < len(scenarios):
        return None
    ratio, scenario = max(known)
    return ratio, f"{ratio:.2f}× ({scenario})"


INPROCESS_TARGETS = (
    (("get", "create", "patch", "missing"), INPROCESS_BOUND),
    (("invalid",), INPROCESS_INVALID_BOUND),
)
"""The in-process targets: the scenarios each bounds, and its bound."""


def inprocess_misses(result: Result) -> list[tuple[str, str, float, float]]:
    """Each in-process target a Forge app missed: its framework, its worst scenario,
    that ratio and the bound, which ``forge bench`` then profiles on both rungs."""
    misses = []
    for framework in FRAMEWORKS:
        for scenarios, bound in INPROCESS_TARGETS:
            figure = worst_ratio(result, framework, scenarios)
            if figure is not None and figure[0] > bound:
                ratios = result["ratios_to_database"][framework]
                scenario = max(scenarios, key=lambda name: ratios[name])
                misses.append((framework, scenario, figure[0], bound))
    return misses


def served_record(
    result: Result, rung: str, server: str | None = None
) -> Result | None:
    """A served record of ``rung`` (its forge serve config, or under ``server``)."""
    records: list[Result] = result.get("served") or []
    for record in records:
        if record["rung"] == rung and (
            record["server"] == server if server else record["default"]
        ):
            return record
    return None


def figure_of(record: Result | None, key: str) -> Result | None:
    if record is None or record["gate"]:
        return None
    value: Result | None = record["results"].get(key)
    return None if value is None or value["failed"] else value


def served_share_sqlite(result: Result, framework: str) -> Figure:
    forge = served_record(result, f"{framework}_forge")
    if forge is None:
        return None
    rung = served_record(result, f"{framework}_database", forge["server"])
    ours, theirs = (figure_of(r, "get keep-alive on") for r in (forge, rung))
    return share(ours, theirs)


def remote_record(result: Result, rung: str) -> Result | None:
    records: list[Result] = result.get("remote") or []
    for record in records:
        if record["rung"] == rung and (record["default"] or rung.endswith("_database")):
            return record
    return None


def served_share_postgres(result: Result, framework: str) -> Figure:
    ours, theirs = (
        (remote_record(result, f"{framework}_{layer}") or {}).get("served")
        for layer in ("forge", "database")
    )
    return share(ours, theirs)


def share(ours: Result | None, theirs: Result | None) -> Figure:
    if not ours or not theirs or theirs["failed"]:
        return None
    if ours["failed"]:
        return failed(ours)
    ratio = ours["requests_per_second"] / theirs["requests_per_second"]
    return ratio, (
        f"{ratio:.0%} ({ours['requests_per_second']:,.0f} of"
        f" {theirs['requests_per_second']:,.0f} req/s)"
    )


def database_cpu(result: Result, framework: str) -> Figure:
    served = (remote_record(result, f"{framework}_forge") or {}).get("served")
    if not served or served["failed"] or served.get("database_cpu_us") is None:
        return None
    cpu = served["database_cpu_us"]
    return cpu, f"{cpu:,.0f} µs"


def create_p99(result: Result, framework: str) -> Figure:
    value = figure_of(
        served_record(result, f"{framework}_forge"), "create keep-alive on"
    )
    if value is None:
        return None
    return value["p99_ms"], f"{value['p99_ms']:,.1f} ms"


def remote_share(result: Result, framework: str) -> Figure:
    record = remote_record(result, f"{framework}_forge")
    value = (record or {}).get("results", {}).get(REMOTE_DELAY)
    if value and value.get("failed"):
        return failed(value)
    if not value or not value.get("bound_per_second"):
        return None
    ratio = value["requests_per_second"] / value["bound_per_second"]
    assert record is not None
    return ratio, (
        f"{ratio:.0%} ({value['requests_per_second']:,.0f} of"
        f" {value['bound_per_second']:,.0f} req/s, {record['workers']} workers ×"
        f" {record['threads']} threads, {value['peak_database_connections']}"
        " connections)"
    )


def failed(value: Result) -> Figure:
    """A run that failed misses its target (never "not measured"): a figure that meets
    no bound, and the reason."""
    return float("nan"), f"the run failed ({value['failed']})"


def memory_ratio(result: Result, framework: str) -> Figure:
    forge = served_record(result, f"{framework}_forge")
    minimal = next(
        (m for m in result.get("memory") or [] if m["rung"] == f"{framework}_minimal"),
        None,
    )
    if forge is None or minimal is None or not minimal["peak_rss_per_worker_mib"]:
        return None
    ours, theirs = forge["peak_rss_per_worker_mib"], minimal["peak_rss_per_worker_mib"]
    ratio = ours / theirs
    text = f"{ratio:.2f}× ({ours:.0f} of {theirs:.0f} MiB"
    # The database rung beside it: how much of the ratio the database access alone
    # takes, before any of the contract (the report's "What a worker loads").
    records: list[Result] = result.get("served") or []
    database = next((r for r in records if r["rung"] == f"{framework}_database"), None)
    if database is not None:
        alone = database["peak_rss_per_worker_mib"] / theirs
        text += f"; the database rung {alone:.2f}×"
    return ratio, text + ")"


TARGETS = (
    Target(
        f"in-process CPU over the database rung, get, create, patch, missing:"
        f" at most {INPROCESS_BOUND}×",
        lambda r, f: worst_ratio(r, f, INPROCESS_TARGETS[0][0]),
        lambda ratio: ratio <= INPROCESS_BOUND,
    ),
    Target(
        f"in-process CPU over the database rung, the 422 path: at most"
        f" {INPROCESS_INVALID_BOUND}×",
        lambda r, f: worst_ratio(r, f, INPROCESS_TARGETS[1][0]),
        lambda ratio: ratio <= INPROCESS_INVALID_BOUND,
    ),
    Target(
        f"served GET by id on SQLite, share of the database rung's req/s (same"
        f" server, workers): at least {SERVED_SHARE:.0%}",
        served_share_sqlite,
        lambda ratio: ratio >= SERVED_SHARE,
    ),
    Target(
        f"served GET by id on PostgreSQL, share of the database rung's req/s: at"
        f" least {SERVED_SHARE:.0%}",
        served_share_postgres,
        lambda ratio: ratio >= SERVED_SHARE,
    ),
    Target(
        f"PostgreSQL CPU per GET: under {DATABASE_CPU_US} µs",
        database_cpu,
        lambda cpu: cpu < DATABASE_CPU_US,
    ),
    Target(
        f"SQLite, POST valid p99 at the served connections: under {CREATE_P99_MS} ms",
        create_p99,
        lambda p99: p99 < CREATE_P99_MS,
    ),
    Target(
        f"database {REMOTE_DELAY} away, 256 connections: at least"
        f" {REMOTE_SHARE:.0%} of budget / (round trips × delay)",
        remote_share,
        lambda ratio: ratio >= REMOTE_SHARE,
    ),
    Target(
        f"peak memory per worker over the minimal app's: at most {MEMORY_BOUND}×",
        memory_ratio,
        lambda ratio: ratio <= MEMORY_BOUND,
    ),
)


def rows(result: Result) -> Iterator[list[str]]:
    """Per target, per framework: met or missed, with the figure."""
    for target in TARGETS:
        cells = []
        for framework in FRAMEWORKS:
            figure = target.figure(result, framework)
            if figure is None:
                cells.append("not measured")
            else:
                value, text = figure
                cells.append(("met: " if target.met(value) else "missed: ") + text)
        yield [target.promise, *cells]


HEADER = ["target (issue 16)", *(f"{framework}_forge" for framework in FRAMEWORKS)]
