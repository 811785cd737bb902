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
    outcomes: dict[str, list[Outcome]] = field(default_factory=dict)

    def failures(self, name: str) -> list[Outcome]:
        return [outcome for outcome in self.outcomes[name] if not outcome.passed]

    @property
    def passed(self) -> bool:
        return not any(self.failures(name) for name in self.urls)


def select(cases: Iterable[Case], patterns: Iterable[str]) -> list[Case]:
    """The cases whose id matches one of ``patterns`` (globs), or all without any."""
    patterns = list(patterns)
    return [
        case
        for case in cases
        if not patterns or any(fnmatch.fnmatchcase(case.id, p) for p in patterns)
    ]


def run(
    urls: Mapping[str, str],
    cases: list[Case],
    timeout: float = 10,
    advance: Callable[[], None] = lambda: None,
) -> Report:
    """Run ``cases`` against each server; ``advance`` is called after each run."""
    report = Report(urls, cases)
    for name, url in urls.items():
        outcomes = report.outcomes[name] = []
        with httpx.Client(base_url=url, timeout=timeout) as client:
            for case in cases:
                outcomes.append(run_on_empty_server(client, case))
                advance()
    return report


def run_on_empty_server(client: httpx.Client, case: Case) -> Outcome:
    """One case on a server emptied first; a transport failure is a difference too."""
    try:
        delete_every_user(client)
        return run_case(client, case)
    except (httpx.HTTPError, RuntimeError, ValueError, KeyError) as error:
        # Unreachable, a reset, or a list answer too broken to empty the server.
        outcome = Outcome(case)
        outcome.differences.append(f"{type(error).__name__}: {error}")
        return outcome


def matrix(report: Report, failures_only: bool = False) -> Table:
    """Case id by implementation, pass or FAIL."""
    table = Table("case", "rules", *report.urls, title="Conformance")
    for index, case in enumerate(report.cases):
        results = [report.outcomes[name][index].passed for name in report.urls]
        if failures_only and all(results):
            continue
        cells = ["pass" if ok else "[bold red]FAIL[/]" for ok in results]
        table.add_row(case.id, ", ".join(case.rules), *cells)
    return table


def summary(report: Report) -> Table:
    """Per implementation: its URL, and how many cases passed and failed."""
    table = Table("implementation", "URL", "passed", "failed")
    for name, url in report.urls.items():
        failed = len(report.failures(name))
        table.add_row(name, url, str(len(report.cases) - failed), str(failed))
    return table


def write_junit(report: Report, path: Path) -> None:
    """JUnit XML, which CI systems show: one test suite per implementation."""
    suites = ElementTree.Element("testsuites", name="forge conformance")
    for name, url in report.urls.items():
        failures = report.failures(name)
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=name,
            tests=str(len(report.cases)),
            failures=str(len(failures)),
            errors="0",
            skipped="0",
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
            if not outcome.passed:
                failure = ElementTree.SubElement(
                    testcase, "failure", message=outcome.differences[0]
                )
                failure.text = describe_failure(outcome, name)
    ElementTree.indent(suites)
    path.parent.mkdir(parents=True, exist_ok=True)
    ElementTree.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def as_json(report: Report) -> dict[str, Any]:
    """The report as data: the summary, then each case with its result per server."""
    return {
        "implementations": {
            name: {
                "url": url,
                "passed": len(report.cases) - len(report.failures(name)),
                "failed": len(report.failures(name)),
            }
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
