"""``forge conformance``: the contract's cases against running servers, any language.

Each case runs on every implementation in turn, after the implementation's users are
deleted through its own API (so point it only at data you can lose). The result is a
matrix of case by implementation, and optionally JUnit XML and JSON reports for CI.
"""

import fnmatch
import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.table import Table

from forge.cases import Case, Outcome, delete_every_user, describe_failure, run_case


@dataclass
class Report:
    """Every case's outcome on every implementation, in case order."""

    urls: Mapping[str, str]
    cases: list[Case]
    with_token: bool = False
    """Whether the servers were judged as started with an API token (R26)."""
    outcomes: dict[str, list[Outcome]] = field(default_factory=dict)

    def failures(self, name: str) -> list[Outcome]:
        """The cases that ran on ``name`` and failed."""
        return [
            outcome
            for outcome in self.outcomes[name]
            if outcome.differences and not outcome.not_run
        ]

    def not_run(self, name: str) -> list[Outcome]:
        """The cases never sent to ``name``: it had stopped answering."""
        return [outcome for outcome in self.outcomes[name] if outcome.not_run]

    @property
    def passed(self) -> bool:
        return all(o.passed for outcomes in self.outcomes.values() for o in outcomes)


def select(cases: Iterable[Case], patterns: Iterable[str]) -> list[Case]:
    """The cases whose id matches one of ``patterns`` (globs), or all without any."""
    patterns = list(patterns)
    return [
        case
        for case in cases
        if not patterns or any(fnmatch.fnmatchcase(case.id, p) for p in patterns)
    ]


def health_problem(client: httpx.Client) -> str | None:
    """Why the server behind ``client`` cannot be judged, or None: /healthz is 200."""
    try:
        response = client.get("/healthz")
    except httpx.TransportError as error:
        return f"does not answer ({error or type(error).__name__})"
    if response.status_code != 200:
        return f"answers GET /healthz with {response.status_code}, not 200"
    return None


def unreachable(urls: Mapping[str, str], timeout: float = 10) -> dict[str, str]:
    """The servers that cannot be judged at all, each with one line saying why."""
    problems = {}
    for name, url in urls.items():
        with httpx.Client(base_url=url, timeout=timeout) as client:
            problem = health_problem(client)
        if problem is not None:
            problems[name] = f"{name}: {url} {problem}"
    return problems


def run(
    urls: Mapping[str, str],
    cases: list[Case],
    timeout: float = 10,
    token: str | None = None,
    advance: Callable[[], None] = lambda: None,
    stopped: Callable[[str], None] = lambda line: None,
) -> Report:
    """Run ``cases`` against each server, started with the API ``token`` or none;
    ``advance`` is called after each run.

    A server that stops answering (a transport error, then no /healthz) gets its
    remaining cases marked as not run, and ``stopped`` is told once, in one line.
    """
    report = Report(urls, cases, with_token=token is not None)
    for name, url in urls.items():
        outcomes = report.outcomes[name] = []
        with httpx.Client(base_url=url, timeout=timeout) as client:
            for case in cases:
                outcome = run_on_empty_server(client, case, token)
                outcomes.append(outcome)
                advance()
                if outcome.differences and (problem := gone(client, outcome)):
                    line = f"{name}: {url} {problem} after case {case.id}"
                    stopped(line)
                    for left in cases[len(outcomes) :]:
                        outcomes.append(Outcome(left, not_run=line))
                        advance()
                    break
    return report


def gone(client: httpx.Client, outcome: Outcome) -> str | None:
    """Why the server no longer answers, when the case ended in a transport error."""
    transport = any(d.startswith(TRANSPORT_ERROR) for d in outcome.differences)
    return health_problem(client) if transport else None


TRANSPORT_ERROR = "transport error: "


def run_on_empty_server(
    client: httpx.Client, case: Case, token: str | None = None
) -> Outcome:
    """One case on a server emptied first; a transport failure is a difference too."""
    try:
        delete_every_user(client, token)
        return run_case(client, case, token)
    except httpx.TransportError as error:
        # Refused, reset or timed out: the case failed, and maybe the server is gone.
        outcome = Outcome(case)
        outcome.differences.append(f"{TRANSPORT_ERROR}{type(error).__name__}: {error}")
        return outcome
    except (httpx.HTTPError, RuntimeError, ValueError, KeyError) as error:
        # A list answer too broken to empty the server.
        outcome = Outcome(case)
        outcome.differences.append(f"{type(error).__name__}: {error}")
        return outcome


def matrix(report: Report, failures_only: bool = False) -> Table:
    """Case id by implementation: pass, FAIL or not run."""
    table = Table("case", "rules", *report.urls, title=f"Conformance, {mode(report)}")
    for index, case in enumerate(report.cases):
        outcomes = [report.outcomes[name][index] for name in report.urls]
        if failures_only and all(outcome.passed for outcome in outcomes):
            continue
        table.add_row(case.id, ", ".join(case.rules), *map(cell, outcomes))
    return table


def cell(outcome: Outcome) -> str:
    """One outcome in the matrix."""
    if outcome.not_run:
        return "[yellow]not run[/]"
    return "pass" if outcome.passed else "[bold red]FAIL[/]"


def summary(report: Report) -> Table:
    """Per implementation: its URL, and how many cases passed, failed, never ran."""
    table = Table("implementation", "URL", "passed", "failed", "not run")
    for name, url in report.urls.items():
        counts = figures(report, name)
        table.add_row(
            name, url, *(str(counts[key]) for key in ("passed", "failed", "not_run"))
        )
    return table


def figures(report: Report, name: str) -> dict[str, int]:
    """How many cases passed, failed and never ran on ``name``."""
    failed, not_run = len(report.failures(name)), len(report.not_run(name))
    return {
        "passed": len(report.cases) - failed - not_run,
        "failed": failed,
        "not_run": not_run,
    }


def write_junit(report: Report, path: Path) -> None:
    """JUnit XML, which CI systems show: one test suite per implementation."""
    suites = ElementTree.Element("testsuites", name="forge conformance")
    for name, url in report.urls.items():
        counts = figures(report, name)
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=name,
            tests=str(len(report.cases)),
            failures=str(counts["failed"]),
            errors="0",
            skipped=str(counts["not_run"]),
        )
        ElementTree.SubElement(
            ElementTree.SubElement(suite, "properties"),
            "property",
            name="url",
            value=url,
        )
        for outcome in report.outcomes[name]:
            testcase = ElementTree.SubElement(
                suite, "testcase", classname=f"conformance.{name}", name=outcome.case.id
            )
            if outcome.not_run:
                ElementTree.SubElement(testcase, "skipped", message=outcome.not_run)
            elif not outcome.passed:
                failure = ElementTree.SubElement(
                    testcase, "failure", message=outcome.differences[0]
                )
                failure.text = describe_failure(outcome, name)
    ElementTree.indent(suites)
    path.parent.mkdir(parents=True, exist_ok=True)
    ElementTree.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def mode(report: Report) -> str:
    """Which cases were run: those for servers with an API token, or without."""
    return f"servers {'with' if report.with_token else 'without'} an API token"


def as_json(report: Report) -> dict[str, Any]:
    """The report as data: the summary, then each case with its result per server."""
    return {
        "with_api_token": report.with_token,
        "implementations": {
            name: {"url": url, **figures(report, name)}
            for name, url in report.urls.items()
        },
        "cases": [
            {
                "id": case.id,
                "rules": list(case.rules),
                "title": case.title,
                "source": case.source,
                "results": {
                    name: {
                        "passed": report.outcomes[name][index].passed,
                        "request": report.outcomes[name][index].request,
                        "differences": report.outcomes[name][index].differences,
                        "not_run": report.outcomes[name][index].not_run,
                    }
                    for name in report.urls
                },
            }
            for index, case in enumerate(report.cases)
        ],
    }


def write_json(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(as_json(report), indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
