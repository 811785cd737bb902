"""``forge report``: the seed question's rows, each backed by a measurement.

"FastAPI, Flask or Django REST Framework?" is usually answered with adjectives: data
validation, documentation, performance, database layer, admin, learning curve. Here
each row is a figure: what ``forge ledger`` measured out of the box, the lines of the
concern map (``concerns.py``), the Forge apps served now (cold start, memory per
worker, their OpenAPI documents beside the contract's and beside their own answers),
and the latest ``forge bench`` JSON for speed, or "not measured" when there is none.
"""

import json
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx

from forge.concerns import APPS, Concern, Source
from forge.ledger import FORGE, MINIMAL
from forge_conformance.cases import Case, load_cases
from forge_conformance.paths import CONTRACT

NOT_MEASURED = "not measured"
VALIDATION_RULES = ("R9", "R10", "R11", "R12", "R13", "R14")
"""The rules of a body's validation: I-JSON, an object, the errors, each member."""
SCHEMA_CONCERNS = ("shapes", "defaults", "validation")
DATABASE_CONCERNS = ("session", "table", "migrations")
DOCUMENTATION_CONCERNS = ("openapi", "docs")
STACKS = {
    "fastapi": ("fastapi", "uvicorn", "pydantic-settings", "sqlalchemy", "aiosqlite",
                "asyncpg", "alembic"),
    "flask": ("flask", "flask-sqlalchemy", "flask-migrate", "marshmallow", "apispec",
              "gunicorn", "psycopg"),
    "django": ("django", "djangorestframework", "drf-spectacular", "dj-database-url",
               "gunicorn", "psycopg"),
}  # fmt: skip
"""Each app's own requirements in pyproject.toml, without its admin's, Swagger UI's
files and forge's tools: what an app of its kind needs."""
ADMINS = {
    "fastapi": ("sqladmin", "wtforms"),
    "flask": ("flask-admin", "wtforms"),
    "django": ("django-axes",),
}
ORM = {
    "fastapi": "SQLAlchemy 2 (async), Alembic",
    "flask": "Flask-SQLAlchemy, Alembic through Flask-Migrate",
    "django": "the Django ORM, Django's migrations",
}
REQUIREMENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_closure(roots: Iterable[str]) -> set[str]:
    """Every distribution installed to satisfy ``roots``, themselves included;
    optional extras are left out, except those a root names itself."""
    seen: set[str] = set()
    waiting = list(roots)
    while waiting:
        requirement = waiting.pop()
        name = normal(REQUIREMENT_NAME.match(requirement)[0])  # type: ignore[index]
        if name in seen:
            continue
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        wanted = (
            set(re.findall(r"\[([^\]]*)\]", requirement)[0].split(","))
            if ("[" in requirement)
            else set()
        )
        for each in requires:
            marker = each.partition(";")[2]
            extra = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", marker)
            if extra and extra[1] not in {w.strip() for w in wanted}:
                continue
            waiting.append(each.partition(";")[0].strip())
    return seen


def pyproject_requirement(name: str) -> str:
    """The requirement pyproject.toml writes for ``name``, extras included."""
    import tomllib

    project = tomllib.loads(
        (CONTRACT.parent / "pyproject.toml").read_text(encoding="utf-8")
    )["project"]
    for requirement in project["dependencies"]:
        if normal(REQUIREMENT_NAME.match(requirement)[0]) == normal(name):  # type: ignore[index]
            return str(requirement).split(">")[0].split("<")[0].split("=")[0]
    return name


def packages(app: str) -> int:
    return len(installed_closure(pyproject_requirement(n) for n in STACKS[app]))


@dataclass
class Served:
    """What one Forge app measured under forge serve's server, two workers."""

    cold_start_s: float
    peak_rss_mib: float
    passed: int
    ran: int
    documented: tuple[int, int, int]
    """The contract's (operation, status) pairs the app documents, of how many, and
    how many it documents besides."""
    answers: tuple[int, int]
    """The cases' answers whose status the app's own document lists, of how many."""


def operation(case: Case) -> tuple[str, str] | None:
    """The path template and method of a case's request, if it is an operation of
    the contract's document (not a wrong path, a lower-case method...)."""
    path = case.request["path"].partition("?")[0]
    method = case.request["method"]
    if method != method.upper():
        return None
    if path in ("/forge/users", "/healthz"):
        return path, method.lower()
    if re.fullmatch(r"/forge/users/[^/]+", path):
        return "/forge/users/{id}", method.lower()
    return None


def responses(document: Mapping[str, Any]) -> set[tuple[str, str, str]]:
    """Every (path, method, status) a document lists."""
    found = set()
    for path, operations in document.get("paths", {}).items():
        for method, spec in operations.items():
            if isinstance(spec, dict) and "responses" in spec:
                found |= {(path, method, status) for status in spec["responses"]}
    return found


def measure_app(app: str, cases: list[Case], folder: Path) -> Served:
    """Serve the app as forge serve does (two workers, its SQLite migrated first):
    its cold start, then every case, then its peak memory per worker."""
    from forge.bench.ladder import RUNG_NAMES
    from forge.bench.served import (
        Config,
        Started,
        prepare,
        stop_all,
        wait_until_healthy,
    )
    from forge.launch import free_port
    from forge_conformance import suite as conformance

    config = Config(RUNG_NAMES[FORGE[app]], "forge serve's", default=True)
    data_dir = folder / app
    data_dir.mkdir()
    environment = config.app.environment(data_dir, os.environ)
    prepare(config.app, data_dir, environment)
    port = free_port()
    log = data_dir / "server.log"
    with log.open("wb") as output:
        began = time.monotonic()
        process = subprocess.Popen(
            config.command(port, 2),
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = Started(config, process, f"http://127.0.0.1:{port}", log)
    try:
        wait_until_healthy(server)
        cold = time.monotonic() - began
        document = httpx.get(f"{server.url}/openapi.json", timeout=10).json()
        report = conformance.run({app: server.url}, cases)
        peak = server.peak_rss_per_worker()
    finally:
        stop_all([server])
    outcomes = report.outcomes[app]
    contract = responses(json.loads((CONTRACT / "openapi.json").read_text()))
    own = responses(document)
    operations = {(path, method) for path, method, _ in contract}
    answered = [
        (found, str(outcome.response.status_code))
        for outcome in outcomes
        if outcome.response is not None
        and (found := operation(outcome.case)) in operations
    ]
    return Served(
        cold_start_s=cold,
        peak_rss_mib=peak / 2**20,
        passed=sum(outcome.passed for outcome in outcomes),
        ran=len(outcomes),
        documented=(len(contract & own), len(contract), len(own - contract)),
        answers=(sum((*op, status) in own for op, status in answered), len(answered)),
    )


def measure(
    cases: list[Case], say: Callable[[str], None] = lambda line: None
) -> dict[str, Served]:
    """Each Forge app in turn, alone on the machine's cores."""
    measured = {}
    with tempfile.TemporaryDirectory(prefix="forge-report-") as folder:
        for app in APPS:
            say(f"measuring {app}_forge")
            measured[app] = measure_app(app, cases, Path(folder))
    return measured


def lines(concerns: list[Concern], app: str, ids: Iterable[str]) -> tuple[int, int]:
    chosen = [c for c in concerns if c.id in set(ids)]
    return (
        sum(c.cells[app].lines_of_code for c in chosen),
        sum(c.cells[app].bridge_lines for c in chosen),
    )


def module_lines(app: str, name: str) -> int:
    from forge.citations import package_folder

    folder = package_folder(app)
    assert folder is not None
    return len(Source(folder / name).code_rows)


def app_lines(app: str) -> tuple[int, int]:
    """Lines of code in the app's own modules, and its modules (as the ledger)."""
    from forge.ledger import app_sources

    sources = app_sources(app)
    return sum(len(source.code_rows) for _, source in sources), len(sources)


def out_of_the_box(
    ledger: Mapping[str, Any] | None,
    app: str,
    rules: Iterable[str],
    kept: str = "passed",
) -> str:
    """The minimal app's passes (or right statuses) of the cases citing ``rules``,
    from the ledger's JSON."""
    if ledger is None or kept not in ledger:
        return NOT_MEASURED
    rules = set(rules)
    cases = [c for c in load_cases() if c.applies(None) and set(c.rules) & rules]
    passed = set(ledger[kept][MINIMAL[app]])
    return f"{sum(c.id in passed for c in cases)} of {len(cases)}"


def bench_figures(bench: Mapping[str, Any] | None, app: str) -> tuple[str, str]:
    """The in-process CPU of a get and the served get req/s under forge serve's
    server, from the latest forge bench JSON."""
    if bench is None:
        return NOT_MEASURED, NOT_MEASURED
    rung = FORGE[app]
    try:
        cpu = bench["inprocess"][rung]["scenarios"]["get"]["cpu_us"]
        cpu_text = f"{cpu:,.0f} µs"
    except KeyError:
        cpu_text = NOT_MEASURED
    record = next(
        (r for r in bench.get("served", []) if r["rung"] == rung and r["default"]),
        None,
    )
    result = (record or {}).get("results", {}).get("get keep-alive on", {})
    if not record or record.get("gate") or "requests_per_second" not in result:
        return cpu_text, NOT_MEASURED
    if result.get("failed"):
        return cpu_text, f"failed: {result['failed']}"
    return cpu_text, f"{result['requests_per_second']:,.0f} req/s"


def rows(
    concerns: list[Concern],
    served: Mapping[str, Served],
    ledger: Mapping[str, Any] | None,
    bench: Mapping[str, Any] | None,
) -> list[list[str]]:
    """The headline: one row per question, one column per framework."""
    table: list[list[str]] = []

    def row(question: str, cell: Callable[[str], str]) -> None:
        table.append([question, *(cell(app) for app in APPS)])

    def schema(app: str) -> str:
        code, bridge = lines(concerns, app, SCHEMA_CONCERNS)
        passed = out_of_the_box(ledger, app, VALIDATION_RULES)
        statuses = out_of_the_box(ledger, app, VALIDATION_RULES, "right_status")
        return (
            f"out of the box, {passed} validation cases passed ({statuses} with the"
            f" right status); {code} lines of schema code ({bridge} bridge)"
        )

    def documentation(app: str) -> str:
        matched, total, extra = served[app].documented
        good, answers = served[app].answers
        code, _ = lines(concerns, app, DOCUMENTATION_CONCERNS)
        return (
            f"{matched} of the contract's {total} responses (path, method, status)"
            f" documented ({extra} more);"
            f" {good} of {answers} answers documented by its own OpenAPI;"
            f" {code} lines"
        )

    def performance(app: str) -> str:
        cpu, served_rate = bench_figures(bench, app)
        return f"get: {cpu} CPU in-process, {served_rate} served"

    def database(app: str) -> str:
        code, bridge = lines(concerns, app, DATABASE_CONCERNS)
        return f"{ORM[app]}: {code} lines ({bridge} bridge)"

    def admin(app: str) -> str:
        stack = installed_closure(pyproject_requirement(n) for n in STACKS[app])
        added = sorted(installed_closure(ADMINS[app]) - stack)
        return (
            f"{module_lines(app, 'admin.py')} lines of admin.py; {len(added)}"
            f" packages added ({', '.join(added)})"
        )

    def learning(app: str) -> str:
        code, modules = app_lines(app)
        mapped = sum(c.cells[app].lines_of_code for c in concerns)
        bridge = sum(c.cells[app].bridge_lines for c in concerns)
        return (
            f"{code} lines in {modules} modules of its own; the concerns'"
            f" {mapped} lines, {bridge} of them bridge lines"
        )

    row("data validation", schema)
    row("documentation", documentation)
    row("performance", performance)
    row("database layer", database)
    row("admin", admin)
    row("learning curve", learning)
    row(
        "conformance, served now",
        lambda app: f"{served[app].passed} of {served[app].ran} cases",
    )
    row("packages installed", lambda app: f"{packages(app)} for its stack")
    row(
        "cold start",
        lambda app: f"{served[app].cold_start_s:.1f} s to the first /healthz",
    )
    row(
        "memory per worker",
        lambda app: f"{served[app].peak_rss_mib:.0f} MiB peak after every case",
    )
    return table


def markdown_table(header: list[str], body: list[list[str]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
    ]
    lines += [
        "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"
        for row in body
    ]
    return "\n".join(lines) + "\n"


HEADER = ["question", *(f"{app}_forge" for app in APPS)]
HEADLINE_START = "<!-- forge report headline -->"
HEADLINE_END = "<!-- end of forge report headline -->"


def markdown(
    table: list[list[str]],
    command: str,
    ledger: Mapping[str, Any] | None,
    bench: Mapping[str, Any] | None,
    load: str = "",
) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    ledger_note = (
        f"`forge ledger`'s run of {ledger['when']} (docs/ledger.json)"
        if ledger
        else "no `forge ledger` run (docs/ledger.json absent): not measured"
    )
    bench_note = (
        f"`forge bench`'s run of {bench['started_at']} (docs/benchmarks.json)"
        if bench
        else "no `forge bench` run (docs/benchmarks.json absent): not measured"
    )
    return "\n".join(
        [
            "# FastAPI, Flask or Django REST Framework? Measured",
            "",
            f"Generated by `{command}` on {when}. Each row is a figure, not an"
            " adjective. Out of the box: "
            + ledger_note
            + ". Speed: "
            + bench_note
            + ". Conformance, documentation, cold start and memory: the Forge apps"
            " served now, one at a time, under `forge serve`'s server with two"
            " workers on fresh SQLite files"
            + (f" (load average {load})" if load else "")
            + ". Lines: the concern map"
            " (`forge compare --list`), lines of code without comments, blank lines"
            " or docstrings; bridge lines are those under a comment opening with"
            " rule ids. Packages: the distributions installed for each app's own"
            " requirements, without its admin's.",
            "",
            HEADLINE_START,
            markdown_table(HEADER, table).rstrip("\n"),
            HEADLINE_END,
            "",
        ]
    )


def load_json(path: Path) -> dict[str, Any] | None:
    """A JSON report, or None when it is absent (then its rows say not measured)."""
    if not path.exists():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded
