"""What a ``forge bench`` run shows a person: tables in the terminal, the Markdown
report (``docs/benchmarks.md``), and ``--compare``'s ratios between two JSON runs.

Every figure printed comes from the run's JSON; a failed measurement is printed as
failed with its reason, never as a number.
"""

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rich.table import Table

from forge.bench import imports, targets
from forge.bench.ladder import FRAMEWORKS, SCENARIO_NAMES, ladder
from forge.bench.machine import DISTURBED_CORES
from forge.bench.run import CLEARLY

Result = dict[str, Any]


def number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def inprocess_rows(result: Result) -> Iterator[list[str]]:
    """Per framework, its ladder bottom up, CPU µs per request per scenario; then the
    Forge app over the minimal app."""
    costs = result["inprocess"]
    for framework in FRAMEWORKS:
        for rung in ladder(framework):
            scenarios = costs[rung.name]["scenarios"]
            cells = [
                "failed" if scenarios[s]["failed"] else number(scenarios[s]["cpu_us"])
                for s in SCENARIO_NAMES
            ]
            yield [framework, rung.name, *cells]
        for key, label in (("ratios", "minimal"), ("ratios_to_database", "database")):
            ratios = result[key][framework]
            yield [
                framework, f"Forge / {label}",
                *(f"{number(ratios[s], 2)}×" if ratios[s] else "n/a"
                  for s in SCENARIO_NAMES),
            ]  # fmt: skip


SERVED_KEYS = tuple(
    f"{scenario} keep-alive {state}"
    for scenario in ("get", "create", "invalid")
    for state in ("on", "off")
)


def served_cell(record: Result, key: str) -> str:
    if record["gate"]:
        return "not measured"
    value = record["results"].get(key)
    if value is None:
        return "-"
    if value["failed"]:
        return "failed"
    flag = " (disturbed)" if value["disturbed"] else ""
    return f"{number(value['requests_per_second'])}{flag}"


def served_rows(result: Result) -> Iterator[list[str]]:
    for record in result["served"]:
        yield [
            record["config"] + (" (forge serve)" if record["default"] else ""),
            *(served_cell(record, key) for key in SERVED_KEYS),
            number(record["peak_rss_per_worker_mib"], 1),
        ]


def latency_rows(result: Result) -> Iterator[list[str]]:
    """p50 / p99 in ms and server CPU per request, keep-alive on."""
    for record in result["served"]:
        if record["gate"]:
            continue
        cells = []
        for scenario in ("get", "create", "invalid"):
            value = record["results"].get(f"{scenario} keep-alive on")
            if value is None or value["failed"]:
                cells.append("failed" if value else "-")
                continue
            cells.append(
                f"{number(value['p50_ms'], 1)} / {number(value['p99_ms'], 1)}"
                f" / {number(value['server_cpu_us'])}"
            )
        yield [record["config"], *cells]


def remote_rows(result: Result) -> Iterator[list[str]]:
    for record in result.get("remote") or []:
        if record["gate"]:
            yield [record["config"], "not measured: " + record["gate"], *[""] * 8]
            continue
        for delay, value in record["results"].items():
            if "requests" not in value:
                yield [record["config"], delay, "failed: " + value["failed"], *[""] * 7]
                continue
            measured = number(value["requests_per_second"])
            if value["failed"]:
                measured = f"failed ({measured}): {value['failed']}"
            yield [
                record["config"], delay,
                f"{record['workers']} × {record['threads']}",
                "its pool's" if record["budget"] is None else str(record["budget"]),
                number(value["round_trips_per_request"], 1),
                str(value["peak_database_connections"]),
                number(value["bound_per_second"]),
                measured,
                "n/a" if value["failed"] else number(value["p99_ms"]),
                database_cpu(value),
            ]  # fmt: skip


def database_cpu(value: dict[str, Any]) -> str:
    """PostgreSQL's CPU per request, when it ran on this machine (bench 1.2 on)."""
    cpu = value.get("database_cpu_us")
    return "n/a" if cpu is None else number(cpu)


def postgres_rows(result: Result) -> Iterator[list[str]]:
    """``get`` on PostgreSQL at the served connections: each Forge default, each
    database rung."""
    for record in result.get("remote") or []:
        value = record.get("served")
        if value is None:
            continue
        if "requests" not in value or value["failed"]:
            yield [record["config"], "failed: " + str(value["failed"]), *[""] * 6]
            continue
        yield [
            record["config"] + (" (forge serve)" if record["default"] else ""),
            number(value["requests_per_second"]),
            f"{number(value['p50_ms'], 1)} / {number(value['p99_ms'], 1)}",
            number(value["server_cpu_us"]),
            database_cpu(value),
            number(value["round_trips_per_request"], 1),
            number(value["connections_opened_per_request"], 2),
            str(value["peak_database_connections"]),
        ]


def memory_rows(result: Result) -> Iterator[list[str]]:
    """Per framework: the Forge app's peak RSS per worker beside its minimal app's."""
    minimal = {record["rung"]: record for record in result.get("memory") or []}
    for framework in FRAMEWORKS:
        forge = next(
            (r for r in result["served"]
             if r["rung"] == f"{framework}_forge" and r["default"]),
            None,
        )  # fmt: skip
        other = minimal.get(f"{framework}_minimal")
        if forge is None or other is None:
            continue
        database = next(
            (r for r in result["served"] if r["rung"] == f"{framework}_database"), None
        )
        ours = forge["peak_rss_per_worker_mib"]
        theirs = other["peak_rss_per_worker_mib"]
        yield [
            framework, f"{number(ours, 1)}", f"{number(theirs, 1)}",
            f"{number(ours / theirs if theirs else None, 2)}×",
            number(database["peak_rss_per_worker_mib"], 1) if database else "n/a",
            other["command"],
        ]  # fmt: skip


def imports_rows(result: Result) -> Iterator[list[str]]:
    """Per framework: the RSS after loading each rung's app, and by package what
    the Forge app loads beyond its minimal app."""
    for framework, value in (result.get("imports") or {}).items():
        rss = value["rss_mib"]
        yield [
            framework, number(rss["minimal"], 1), number(rss["database"], 1),
            number(rss["forge"], 1), f"{number(rss['forge'] / rss['minimal'], 2)}×",
            imports.summary(value["over_minimal"]),
        ]  # fmt: skip


def sqlite_rows(result: Result) -> Iterator[list[str]]:
    for value in result.get("sqlite") or []:
        yield [
            value["journal_mode"], value["synchronous"],
            number(value["commits_per_second"]), number(value["p50_ms"], 1),
            number(value["p99_ms"], 1), number(value["max_ms"]),
            str(value["failed_commits"]),
        ]  # fmt: skip


POSTGRES_HEADER = [
    "app · server", "req/s", "p50 / p99 ms", "server CPU µs",
    "PostgreSQL CPU µs", "round trips per request", "connections opened per request",
    "peak connections",
]  # fmt: skip
MEMORY_HEADER = [
    "framework", "Forge app, MiB", "minimal app, MiB", "Forge / minimal",
    "database rung, MiB", "minimal app's command",
]  # fmt: skip
IMPORTS_HEADER = [
    "framework", "minimal app, MiB", "database rung, MiB", "Forge app, MiB",
    "Forge / minimal", "what the Forge app loads beyond its minimal app, MiB",
]  # fmt: skip
IMPORTS_TEXT = (
    "Where the difference comes from: each rung's app loaded (imported, its factory"
    " called) in a fresh interpreter, no server and no request, and its RSS read. Then"
    " a process loads the minimal app and imports, one at a time in the order the"
    " Forge app loaded them, the modules the Forge app adds, each module's growth"
    " charged to its top-level package (`forge.bench.imports`)."
)
SQLITE_HEADER = [
    "journal_mode", "synchronous", "commits/s", "p50 ms", "p99 ms", "max ms",
    "failed (database is locked)",
]  # fmt: skip
SQLITE_TEXT = (
    "Two processes of 16 threads (a server's 2 workers, 32 requests in flight), each"
    " thread committing one small insert at a time on its own connection with the"
    " apps' 2 s busy timeout, on the disk the served apps keep their files on. The"
    " Forge apps run SQLite with `journal_mode=WAL` and `synchronous=NORMAL`: WAL lets"
    " readers go on while a writer commits, and NORMAL syncs at checkpoints rather"
    " than at every commit. A crash of the app or its server loses no acknowledged"
    " write; a power loss or an operating system crash may lose the last commits"
    " (the database stays consistent)."
)


SETTINGS_CHOSEN = [
    "## Settings chosen (issue 16), and the figures behind them",
    "",
    "Each setting the Forge apps run with for speed, and where in this report the"
    " measurement that chose it is (the figures are this run's; the code cites its"
    " rule where a setting keeps one):",
    "",
    "- **SQLite, every app**: `journal_mode=WAL` and `synchronous=NORMAL` on every"
    " connection, the busy timeout kept at 2 s (R24, R25): the SQLite table (commits a"
    " second and commits refused for the lock under each setting). Django's and"
    " Flask's write transactions take the write lock as they begin (`transaction_mode`"
    " `IMMEDIATE`; pysqlite begins before the first write): a transaction begun by a"
    " read would fail at once on its upgrade, without the busy timeout's wait."
    " FastAPI's writes begin no transaction (sqlite3's `isolation_level = None`): each"
    " is one statement, which commits by itself, so the lock is never held across an"
    " `await` while the event loop runs other requests (measured with served creates"
    " at 32 connections: about 850 a second and p99 near 100 ms in a transaction,"
    " about 1,500 and 33-77 ms without; the served table has this run's figures).",
    "- **Connections kept**, where each app opened one per request: Flask's QueuePool"
    " of 1 a sync worker, Django's `CONN_MAX_AGE=None`, FastAPI's pools (SQLite: one"
    " write connection a worker, its writes queued in asyncio, and a read pool beside"
    " it; PostgreSQL: 16 a worker, no overflow). R24 by a check of the file's identity"
    " when a connection is reused, R25 by bounded waits (asyncpg's `command_timeout`,"
    " psycopg's `Connection.wait` timeout). Figures: connections opened per request,"
    " PostgreSQL's CPU per request and round trips in the PostgreSQL table, the"
    " in-process ratios, and POST p99 on SQLite in the served latency table.",
    "- **Reads without a transaction** (FastAPI's read sessions in autocommit,"
    " Flask's GET by id on PostgreSQL in autocommit): round trips per request in the"
    " PostgreSQL table.",
    "- **Lazy imports** of what a worker never uses (the admins' packages when the"
    " admin is off, Alembic outside migrations, swagger-ui-py's module; psycopg on"
    " SQLite in Flask): the memory table.",
    "- **Servers**: unchanged, by the servers section above.",
    "",
]


INPROCESS_HEADER = ["framework", "rung", *SCENARIO_NAMES]
SERVED_HEADER = [
    "app · server",
    *(key.replace(" keep-alive ", ", keep-alive ") for key in SERVED_KEYS),
    "peak RSS per worker (MiB)",
]  # fmt: skip
LATENCY_HEADER = [
    "app · server", "get p50 / p99 ms / CPU µs", "create", "invalid",
]  # fmt: skip
REMOTE_HEADER = [
    "app · server", "delay", "workers × threads", "connection budget",
    "round trips per request", "peak connections", "bound (req/s)", "measured (req/s)",
    "p99 ms", "PostgreSQL CPU µs per request",
]  # fmt: skip


def terminal_tables(result: Result) -> list[Table]:
    """The run's tables for rich."""
    tables = []
    for title, header, rows in (
        ("In-process CPU per request (µs, median)", INPROCESS_HEADER, inprocess_rows),
        ("Served requests/s (wrk)", SERVED_HEADER, served_rows),
        ("Served latency and server CPU, keep-alive on", LATENCY_HEADER, latency_rows),
        ("Remote database: get through a delay", REMOTE_HEADER, remote_rows),
        ("Served on PostgreSQL, get", POSTGRES_HEADER, postgres_rows),
        ("Memory per worker", MEMORY_HEADER, memory_rows),
        ("What a worker loads, MiB", IMPORTS_HEADER, imports_rows),
        ("SQLite commits", SQLITE_HEADER, sqlite_rows),
        ("Issue 16's targets", targets.HEADER, targets.rows),
    ):
        table = Table(*header, title=title, title_justify="left")
        for row in rows(result):
            table.add_row(*row)
        tables.append(table)
    return tables


def markdown_table(header: list[str], rows: Iterable[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += [
        "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"
        for row in rows
    ]
    return "\n".join(lines)


def headline(result: Result) -> str:
    """The report's first table: per framework, the Forge app under forge serve's
    server, and what the contract costs over the minimal app."""
    rows = []
    for framework in FRAMEWORKS:
        rung = f"{framework}_forge"
        record = next(
            (r for r in result["served"] if r["rung"] == rung and r["default"]), None
        )
        costs = result["inprocess"][rung]["scenarios"]
        get = (
            record and not record["gate"] and record["results"].get("get keep-alive on")
        )
        create = (
            record
            and not record["gate"]
            and record["results"].get("create keep-alive on")
        )
        rows.append(
            [
                framework,
                record["server"] if record else "n/a",
                number(costs["get"]["cpu_us"]),
                number(costs["create"]["cpu_us"]),
                served_text(get),
                served_text(create),
                span(result["ratios"][framework]),
                span(result["ratios_to_database"][framework]),
            ]
        )
    header = [
        "Forge app", "forge serve's server", "get, CPU µs in-process",
        "create, CPU µs", "get, req/s served", "create, req/s served",
        "CPU over the minimal app", "CPU over the minimal app + database",
    ]  # fmt: skip
    return markdown_table(header, rows)


def span(ratios: dict[str, float | None]) -> str:
    """The lowest and highest of a framework's ratios over the scenarios."""
    known = [ratio for ratio in ratios.values() if ratio]
    if not known:
        return "n/a"
    return f"{number(min(known), 1)}–{number(max(known), 1)}×"


def served_text(value: Result | bool | None) -> str:
    if not value or not isinstance(value, dict):
        return "not measured"
    return "failed" if value["failed"] else number(value["requests_per_second"])


def conditions_text(result: Result) -> str:
    conditions = result["conditions"]
    packages = ", ".join(
        f"{name} {version}"
        for name, version in conditions["packages"].items()
        if version
    )
    settings = result["settings"]
    return "\n".join(
        [
            f"- Command: `{result['command']}` (bench {result['bench_version']}),"
            f" started {result['started_at']}, took {result['duration_s']} s.",
            f"- Machine: {conditions['cores']} cores ({conditions['cpu']}),"
            f" {conditions['memory_gib']} GiB, {conditions['system']},"
            f" Python {conditions['python']}, {conditions.get('wrk') or 'wrk'}.",
            f"- Load average (1, 5, 15 min) before: {conditions['load_average']},"
            f" after: {conditions['load_average_after']}. Each measurement records its"
            " own, and the cores of other work while it ran, in the JSON.",
            f"- In-process: {settings.get('inprocess_rounds', settings['rounds'])}"
            " rounds in alternating order,"
            f" {settings['batches']} batches of {settings['batch_size']} requests each,"
            f" after {settings['users']} users were created; their SQLite files on"
            f" {conditions.get('inprocess_databases', 'disk')} (the served apps' on"
            " disk).",
            f"- Served: wrk, 1 thread, {settings['connections']} connections,"
            f" {settings['seconds']} s per run, {settings['rounds']} rounds alternated;"
            " every server with forge serve's 2 workers.",
            f"- Versions: {packages}.",
        ]
    )


def disturbed_text(result: Result) -> str:
    """Which measurements other work disturbed even when repeated."""
    found = [
        f"{name} (in-process)"
        for name, cost in result["inprocess"].items()
        if any(run["disturbed"] for run in cost["runs"])
    ]
    for record in result["served"] + (result.get("remote") or []):
        found += [
            f"{record['config']}, {key}"
            for key, value in record["results"].items()
            if value.get("disturbed")
        ]
    total = len(result["inprocess"]) + sum(
        len(record["results"])
        for record in result["served"] + (result.get("remote") or [])
    )
    if not found:
        return (
            f"None of the {total} measurements was disturbed by other work (the JSON"
            " has each one's load average and other work)."
        )
    shown = "; ".join(found[:8]) + ("; ..." if len(found) > 8 else "")
    return (
        f"{len(found)} of the {total} measurements were disturbed by other work (more"
        f" than {DISTURBED_CORES} cores of it while they ran) even when repeated, so"
        f" their figures are high: {shown}."
    )


def miss_profiles(result: Result) -> list[str]:
    """Each in-process target missed, explained: the Forge app's profile beside its
    database rung's, by cumulative time (absent from a run before bench 1.6)."""
    if "miss_profiles" not in result:
        return []
    lines = ["## The in-process targets missed, profiled", ""]
    if not result["miss_profiles"]:
        return [*lines, "Every in-process target was met in this run.", ""]
    lines += [
        "Each Forge app that missed an in-process target, on its worst scenario, and"
        " its framework's database rung on the same requests, by cumulative time: the"
        " functions one calls and the other does not are where the difference is."
        " cProfile slows every call alike, so the times are larger than the table's.",
        "",
    ]
    for miss in result["miss_profiles"]:
        framework, scenario = miss["framework"], miss["scenario"]
        lines += [
            f"### {framework}_forge, {scenario}: {number(miss['ratio'], 2)}× its"
            f" database rung (at most {number(miss['bound'], 1)}×)",
            "",
        ]
        for layer in ("forge", "database"):
            profile = miss[layer].strip()
            lines += [f"`{framework}_{layer}`:", "", "```", profile, "```", ""]
    return lines


def markdown(result: Result, charts: list[Path], docs: Path) -> str:
    """The whole report, for ``docs/benchmarks.md``."""
    profile = result.get("profile")
    sections = [
        "# Benchmarks: what each framework costs, measured side by side",
        "",
        "Generated by `forge bench` from one run on one machine; do not edit by hand"
        " (run the command below again). Every figure is from that run.",
        "",
        conditions_text(result),
        "",
        "## Headline",
        "",
        headline(result),
        "",
        disturbed_text(result),
        "",
        "## Issue 16's targets",
        "",
        "Each Forge app against its framework's database rung (the minimal app plus"
        " a newcomer's database access) and its minimal app, from this run"
        " (`forge/bench/targets.py`). That a refused request (400, 413, 415, 422)"
        " does no database work is a test: `tests/test_refused_requests.py`.",
        "",
        markdown_table(targets.HEADER, targets.rows(result)),
        "",
        "## In-process: CPU microseconds per request",
        "",
        "Each app called through its interface (ASGI or WSGI) with no server and no"
        " socket; the process's CPU time over a batch divided by its requests, the"
        " median batch. Rungs: `raw` is the bare interface; `minimal` the framework's"
        " tutorial app (users in a dict); `database` the same on SQLite; `forge` the"
        " Forge app. The ladder's apps are in `bench/`.",
        "",
        markdown_table(INPROCESS_HEADER, inprocess_rows(result)),
        "",
    ]
    if profile:
        sections += [
            f"## The Forge apps' worst ratio, profiled: {profile['rung']},"
            f" {profile['scenario']} ({number(profile['ratio'], 2)}× its minimal app)",
            "",
            "```",
            profile["top"].strip(),
            "```",
            "",
        ]
    sections += miss_profiles(result)
    sections += [
        "## Served: requests per second",
        "",
        "Each server started exactly as listed (the `(forge serve)` rows are the"
        " commands `forge serve --proxy none` runs). A Forge app is measured only after"
        " it passed every conformance case on that very server; a run with any"
        " unexpected status or socket error is `failed`, never ranked.",
        "",
        markdown_table(SERVED_HEADER, served_rows(result)),
        "",
        markdown_table(LATENCY_HEADER, latency_rows(result)),
        "",
        "Commands:",
        "",
        *[
            f"- {record['config']}: `{record['command']}`"
            for record in result["served"]
        ],
        *[
            f"- {record['config']}: not measured, {record['gate']}"
            for record in result["served"]
            if record["gate"]
        ],
        "",
        "## Servers: is forge serve's default the right one?",
        "",
        servers_text(result),
        "",
        "## Remote database: WSGI against ASGI when every query crosses a network",
        "",
    ]
    if result.get("remote"):
        sections += [
            "The Forge apps on PostgreSQL behind a proxy that holds every answer for"
            f" the delay, `get` driven at {result['settings']['remote_connections']}"
            " connections. Bound = connection budget /"
            " (round trips × delay). A WSGI server's budget is its workers × threads"
            " (a"
            " connection per request in flight); an async one's is its pool's, measured"
            " as the most connections it held open at once. PostgreSQL's CPU per"
            " request is its server's, every backend's (those that ended during the"
            " run too, and any other client's of that server), measured when it runs"
            " on this machine.",
            "",
            markdown_table(REMOTE_HEADER, remote_rows(result)),
            "",
        ]
        sections += [
            "### Served on PostgreSQL: the Forge apps against their database rung",
            "",
            f"`get` at {result['settings']['connections']} connections through the"
            " same proxy at 0 ms, each Forge app under forge serve's server and its"
            " framework's database rung under the same server and workers (the rungs"
            " keep their framework's defaults: SQLAlchemy's pool, Django's connection"
            " per request).",
            "",
            markdown_table(POSTGRES_HEADER, postgres_rows(result)),
            "",
        ]
    else:
        sections += [f"Not measured: {result.get('remote_not_measured')}.", ""]
    sections += [
        *SETTINGS_CHOSEN,
        "## Memory per worker",
        "",
        "Each Forge app's peak RSS per worker after the served runs, beside its"
        " framework's minimal app's under the same server and workers after the same"
        " scenarios (its answers are not checked: a dict per worker).",
        "",
        markdown_table(MEMORY_HEADER, memory_rows(result)),
        "",
        "### What a worker loads",
        "",
        IMPORTS_TEXT,
        "",
        markdown_table(IMPORTS_HEADER, imports_rows(result)),
        "",
        "## SQLite: journal mode and synchronous setting",
        "",
        SQLITE_TEXT,
        "",
        markdown_table(SQLITE_HEADER, sqlite_rows(result)),
        "",
    ]
    if charts:
        sections += ["## Charts", ""]
        sections += [
            f"![{chart.stem}]({chart.relative_to(docs).as_posix()})" for chart in charts
        ]
        sections.append("")
    return "\n".join(sections)


def servers_text(result: Result) -> str:
    lines = []
    for rung, verdict in result["servers"].items():
        parts = []
        for server, other in verdict["others"].items():
            if "gate" in other:
                parts.append(f"{server}: not measured ({other['gate']})")
                continue
            known = [s for s in other["speedups"].values() if s is not None]
            spread = (
                f", {number(min(known), 2)}–{number(max(known), 2)}×" if known else ""
            )
            parts.append(
                f"{server}: {number(other['median_speedup'], 2)}× the default's"
                f" requests/s (median over the measures{spread})"
                + (", clearly faster on every one" if other["clearly_faster"] else "")
            )
        lines.append(
            f"- {rung} (default {verdict['default']}): " + "; ".join(parts) + "."
        )
    if not lines:
        return "No other server was measured in this run."
    faster = [
        f"{server} for {rung}"
        for rung, verdict in result["servers"].items()
        for server, other in verdict["others"].items()
        if other.get("clearly_faster")
    ]
    if faster:
        lines.append(
            f"\nClearly faster than forge serve's default ({CLEARLY}× or more on every"
            f" measure, at equal behaviour: it passed the gate): {', '.join(faster)}."
        )
    else:
        lines.append(
            f"\nNo server beat forge serve's default clearly ({CLEARLY}× or more on"
            " every measure) in this run, so forge serve keeps its servers: "
            + ", ".join(
                f"{verdict['default']} for {rung}"
                for rung, verdict in result["servers"].items()
            )
            + "."
        )
    return "\n".join(lines)


def compare(old: Result, new: Result) -> Table:
    """New over old, figure by figure, for the measurements both runs have."""
    table = Table(
        "measurement", "old", "new", "new / old", title="forge bench --compare"
    )
    for name, before, after in paired(old, new):
        ratio = after / before if before and after is not None else None
        table.add_row(name, number(before, 1), number(after, 1), number(ratio, 2) + "×")
    return table


def paired(
    old: Result, new: Result
) -> Iterator[tuple[str, float | None, float | None]]:
    for rung, cost in old["inprocess"].items():
        for scenario, value in cost["scenarios"].items():
            other = new["inprocess"].get(rung, {}).get("scenarios", {}).get(scenario)
            if other is not None:
                yield f"{rung} {scenario} CPU µs", value["cpu_us"], other["cpu_us"]
    new_served = {record["config"]: record for record in new["served"]}
    for record in old["served"]:
        match = new_served.get(record["config"])
        if match is None:
            continue
        for key, value in record["results"].items():
            other = match["results"].get(key)
            if other is not None:
                yield (
                    f"{record['config']} {key} req/s",
                    value["requests_per_second"],
                    other["requests_per_second"],
                )
                yield (
                    f"{record['config']} {key} p99 ms",
                    value["p99_ms"],
                    other["p99_ms"],
                )
    new_remote = {record["config"]: record for record in new.get("remote") or []}
    for record in old.get("remote") or []:
        match = new_remote.get(record["config"])
        served, other = record.get("served"), (match or {}).get("served")
        if served and other:
            for key, unit in REMOTE_FIGURES.items():
                name = f"{record['config']} PostgreSQL get {unit}"
                yield name, served.get(key), other.get(key)
        for delay, value in record["results"].items():
            other = (match or {}).get("results", {}).get(delay)
            if other is None:
                continue
            name = f"{record['config']} remote {delay}"
            for key, unit in REMOTE_FIGURES.items():
                yield f"{name} {unit}", value.get(key), other.get(key)


REMOTE_FIGURES = {
    "requests_per_second": "req/s",
    "p99_ms": "p99 ms",
    "database_cpu_us": "PostgreSQL CPU µs",
}


def load(path: Path) -> Result:
    try:
        result: Result = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: not a forge bench JSON file ({error})") from None
    if not isinstance(result, dict) or "bench_version" not in result:
        raise ValueError(f"{path}: not a forge bench JSON file (no bench_version)")
    return result
