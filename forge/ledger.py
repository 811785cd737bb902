"""``forge ledger``: what each framework gives out of the box, what the contract costs.

Every conformance case runs against the minimal app each framework's tutorial
teaches (``bench/``: a pydantic model, a marshmallow schema, a DRF serializer, users
in a dict) and against the Forge app, each under its production server on a free
port. Per rule: how many of its cases each minimal app passes, what it answers to
one it fails (status and a short body) beside what the contract wants, and the
lines where the Forge app bridges the gap (its ``# R14: ...`` comments). Per
framework: cases passed out of the box, bridge lines, the rules costing the most.
"""

import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx

from forge.citations import citations, package_folder
from forge.concerns import APPS, Source
from forge_conformance.cases import Case, Outcome
from forge_conformance.paths import CONTRACT

MINIMAL = {
    "fastapi": "fastapi_minimal",
    "flask": "flask_minimal",
    "django": "django_minimal",
}
FORGE = {app: f"{app}_forge" for app in APPS}
SERVER = {"fastapi": "uvicorn", "flask": "gunicorn sync", "django": "gunicorn sync"}
"""Each minimal app's server: its interface's default, as ``forge bench`` runs it."""
NOT_COUNTED = ("contract.py", "ijson.py", "openapi.py", "admin.py")
"""Left out of the bridge lines: the framework-free modules (one file copied into
every app, the same cost in each) and the admin, which is outside the API."""
PACKAGES = {
    "fastapi": ("fastapi", "starlette", "pydantic", "sqlalchemy"),
    "flask": ("flask", "werkzeug", "marshmallow", "flask-sqlalchemy"),
    "django": ("django", "djangorestframework"),
}
RULE_HEADING = re.compile(
    r'^(?:<a id="r\d+"></a>)?\*\*(R\d+)\. (.+?)\*\*', re.MULTILINE
)
"""A rule's bold heading, after the anchor the conformance reports link to."""
SHORT_BODY = 70
TOP_RULES = 3


@dataclass(frozen=True)
class Rule:
    id: str
    title: str


def contract_rules() -> list[Rule]:
    """The rules of ``contract/README.md``, by their bold headings."""
    text = (CONTRACT / "README.md").read_text(encoding="utf-8")
    return [Rule(rule, title.rstrip(".")) for rule, title in RULE_HEADING.findall(text)]


@dataclass
class Run:
    """One ledger run: every case's outcome per app, minimal and Forge."""

    cases: list[Case]
    outcomes: dict[str, list[Outcome]]
    """By rung name: ``fastapi_minimal``, ``fastapi_forge``, ..."""
    when: str
    versions: dict[str, str]

    def verdicts(self, rung: str) -> dict[str, Outcome]:
        return {outcome.case.id: outcome for outcome in self.outcomes[rung]}


def versions() -> dict[str, str]:
    found = {}
    for names in PACKAGES.values():
        for name in names:
            try:
                found[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                found[name] = "not installed"
    return found


def measure(cases: list[Case], advance: Callable[[], None] = lambda: None) -> Run:
    """Serve the six apps on free ports (one worker each: the minimal apps keep
    their users in a dict, one per process) and run ``cases`` against each."""
    from forge.bench.ladder import RUNG_NAMES
    from forge.bench.served import Config, started
    from forge_conformance import suite as conformance

    configs = [
        Config(RUNG_NAMES[rung], SERVER[app], default=rung == FORGE[app])
        for app in APPS
        for rung in (MINIMAL[app], FORGE[app])
    ]
    with (
        tempfile.TemporaryDirectory(prefix="forge-ledger-") as folder,
        started(configs, Path(folder), workers=1) as servers,
    ):
        urls = {server.config.app.name: server.url for server in servers}
        report = conformance.run(urls, cases, advance=advance)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return Run(cases, report.outcomes, when, versions())


def placeholders(value: Any) -> Any:
    """A case's expected JSON with its typed placeholders as a reader names them."""
    if isinstance(value, dict):
        if "$id" in value:
            return "<an id>"
        if "$timestamp" in value:
            return "<a timestamp>"
        if "$ref" in value:
            return f"<{value['$ref']}>"
        return {name: placeholders(member) for name, member in value.items()}
    if isinstance(value, list):
        return [placeholders(each) for each in value]
    return value


def clipped(text: str, length: int = SHORT_BODY) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def answered(outcome: Outcome) -> str:
    """What a failed case got, as a table cell: its status and the start of its
    body, then the first way it differed besides the status."""
    if outcome.not_run:
        return code("not run")
    response = outcome.response
    if response is None:
        return code(clipped(outcome.differences[0]))
    shown = code(f"{response.status_code} {short_body(response)}")
    other = [d for d in outcome.differences if not d.startswith("status: ")]
    return shown + (f"<br>{code(clipped(other[0], 2 * SHORT_BODY))}" if other else "")


def short_body(response: httpx.Response) -> str:
    if not response.content:
        return "(empty)"
    try:
        body = json.loads(response.content)
    except ValueError:
        media = response.headers.get("content-type", "no Content-Type").split(";")[0]
        return clipped(f"{media}: {response.content.decode('utf-8', 'replace')}")
    return clipped(json.dumps(body, ensure_ascii=False, separators=(",", ":")))


def expected(case: Case) -> str:
    """What the contract wants the case answered, in the same short form."""
    response = case.response
    if "json" in response:
        body = clipped(
            json.dumps(
                placeholders(response["json"]),
                ensure_ascii=False,
                separators=(",", ":"),
            )
        )
    elif response.get("empty"):
        body = "(empty)"
    else:
        body = "(any body)"
    return f"{response['status']} {body}"


def code(text: str) -> str:
    """Text as a Markdown code span inside a table cell."""
    text = text.replace("|", "\\|").replace("`", "'")
    return f"`{text}`"


def app_sources(app: str) -> list[tuple[str, Source]]:
    """The app's own Python files (not the shared ones), by path in the package."""
    folder = package_folder(app)
    assert folder is not None
    return [
        (str(path.relative_to(folder)), Source(path))
        for path in sorted(folder.rglob("*.py"))
        if path.name not in NOT_COUNTED
    ]


def bridge_lines_by_rule(app: str) -> tuple[int, dict[str, int]]:
    """The app's bridge lines in all, and how many each rule's comments mark."""
    total = 0
    by_rule: dict[str, int] = {}
    for _, source in app_sources(app):
        total += len(source.bridge_rows)
        for rules in source.bridge_rules.values():
            for rule in rules:
                by_rule[rule] = by_rule.get(rule, 0) + 1
    return total, by_rule


def links(app: str, rule: str, limit: int = 4) -> str:
    """Where the Forge app cites the rule, as links from ``docs/`` to its lines."""
    cited = citations(app).get(rule, [])
    shown = [
        f"[{each.file}:{each.line}](../apps/{app}_forge/{each.file}#L{each.line})"
        for each in cited[:limit]
    ]
    more = len(cited) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "") or "none"


def tally(run: Run, rung: str, cases: list[Case]) -> tuple[int, int]:
    """How many of ``cases`` the rung passed, of how many it ran."""
    verdicts = run.verdicts(rung)
    ran = [verdicts[case.id] for case in cases if case.id in verdicts]
    return sum(outcome.passed for outcome in ran), len(ran)


def right_status(run: Run, rung: str, cases: list[Case]) -> int:
    """How many of ``cases`` got the contract's status, whatever their body."""
    verdicts = run.verdicts(rung)
    return sum(
        1
        for case in cases
        if (answer := verdicts[case.id].response) is not None
        and answer.status_code == case.response["status"]
    )


def summary_rows(run: Run) -> list[list[str]]:
    """Per framework: out of the box, the Forge app, bridge lines, costliest rules."""
    rows = []
    for app in APPS:
        good, ran = tally(run, MINIMAL[app], run.cases)
        forge_good, forge_ran = tally(run, FORGE[app], run.cases)
        total, by_rule = bridge_lines_by_rule(app)
        costly = sorted(by_rule.items(), key=lambda item: (-item[1], int(item[0][1:])))
        statuses = right_status(run, MINIMAL[app], run.cases)
        rows.append(
            [
                app,
                f"{good} of {ran}",
                f"{statuses} of {ran}",
                f"{forge_good} of {forge_ran}",
                str(total),
                ", ".join(f"{rule} ({lines})" for rule, lines in costly[:TOP_RULES]),
            ]
        )
    return rows


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def markdown(run: Run, command: str) -> str:
    """docs/ledger.md: the summary, then a table per rule."""
    lines = [
        "# The ledger: what each framework gives, what the contract costs",
        "",
        f"Generated by `{command}` on {run.when}: {len(run.cases)} conformance cases"
        " (those for a server without an API token) against the minimal app of each"
        " framework (`bench/`: its tutorial's way, users in a dict) and against the"
        " Forge app, each under its production server, one worker. Versions: "
        + ", ".join(f"{name} {version}" for name, version in run.versions.items())
        + ".",
        "",
        "## Summary",
        "",
        "Out of the box, a case passes only if the whole answer is the contract's"
        " (status, headers, body); the right status is the status alone. Bridge"
        " lines are the lines of the Forge app's own modules (not the three shared"
        " ones, nor the admin) under a comment opening with rule ids (`# R14: ...`);"
        " a line under a comment citing two rules counts for each in the costliest"
        " rules.",
        "",
        *table(
            [
                "framework",
                "cases passed out of the box",
                "out of the box, the right status",
                "cases passed by the Forge app",
                "bridge lines",
                "rules costing the most bridge lines",
            ],
            summary_rows(run),
        ),
        "",
        "## Rule by rule",
        "",
        "Out of the box: the minimal app's passes, and for the first case of the rule"
        " it fails, its status and body, then the first other way its answer"
        " differed, beside what the contract wants. Bridged at: the Forge app's"
        " lines citing the rule.",
    ]
    for rule in contract_rules():
        cases = [case for case in run.cases if rule.id in case.rules]
        lines += ["", f"### {rule.id}. {rule.title}", ""]
        if not cases:
            lines.append("No case for a server without an API token cites it.")
            continue
        rows = []
        for app in APPS:
            good, ran = tally(run, MINIMAL[app], cases)
            forge_good, forge_ran = tally(run, FORGE[app], cases)
            verdicts = run.verdicts(MINIMAL[app])
            failed = next(
                (verdicts[c.id] for c in cases if not verdicts[c.id].passed), None
            )
            if failed is None:
                gives, wants = "passes every case", ""
            else:
                gives = f"`{failed.case.id}`: {answered(failed)}"
                wants = code(expected(failed.case))
            statuses = right_status(run, MINIMAL[app], cases)
            rows.append(
                [
                    app,
                    f"{good}/{ran} ({statuses} the right status)",
                    gives,
                    wants,
                    f"{forge_good}/{forge_ran}",
                    links(app, rule.id),
                ]
            )
        lines += table(
            [
                "framework",
                "out of the box",
                "it answers",
                "the contract wants",
                "Forge app",
                "bridged at",
            ],
            rows,
        )
    return "\n".join(lines) + "\n"


def forge_failures(run: Run) -> list[str]:
    """The cases a Forge app failed: each one line; there should be none."""
    return [
        f"{FORGE[app]} failed {outcome.case.id}: {'; '.join(outcome.differences)}"
        for app in APPS
        for outcome in run.outcomes[FORGE[app]]
        if not outcome.passed
    ]


def as_json(run: Run) -> dict[str, Any]:
    """The run's verdicts, kept for ``forge report``."""
    return {
        "when": run.when,
        "versions": run.versions,
        "cases": len(run.cases),
        "passed": {
            rung: [o.case.id for o in outcomes if o.passed]
            for rung, outcomes in run.outcomes.items()
        },
        "right_status": {
            rung: [
                o.case.id
                for o in outcomes
                if o.response is not None
                and o.response.status_code == o.case.response["status"]
            ]
            for rung, outcomes in run.outcomes.items()
        },
    }
