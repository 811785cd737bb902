"""``forge report``: the seed question's rows, each a measurement or "not measured".

The rows are built from what was measured: with no ledger or benchmark JSON they
must say "not measured", never a figure; a benchmark whose server failed its gate
must not be quoted. The packages counted must follow requirements but not extras
nobody asked for, and one app really served must be measured.
"""

import json
import re
from pathlib import Path
from typing import Any

from forge import comparison, concerns
from forge.comparison import NOT_MEASURED, Served
from forge.concerns import APPS
from forge_conformance.cases import Case, load_cases
from forge_conformance.paths import CONTRACT

ROOT = Path(__file__).resolve().parents[1]


def served() -> dict[str, Served]:
    return {
        app: Served(
            cold_start_s=1.25,
            peak_rss_mib=50,
            passed=10,
            ran=11,
            documented=(30, 56, 2),
            answers=(7, 9),
        )
        for app in APPS
    }


def bench(gate: str | None = None, failed: str | None = None) -> dict[str, Any]:
    return {
        "started_at": "then",
        "inprocess": {
            f"{app}_forge": {"scenarios": {"get": {"cpu_us": 1234.4}}} for app in APPS
        },
        "served": [
            {
                "rung": f"{app}_forge",
                "default": True,
                "gate": gate,
                "results": {
                    "get keep-alive on": {
                        "requests_per_second": 987.6,
                        "failed": failed,
                    }
                },
            }
            for app in APPS
        ],
    }


def cell(table: list[list[str]], question: str, app: str) -> str:
    row = next(row for row in table if row[0] == question)
    return row[1 + list(APPS).index(app)]


def test_rows_say_not_measured_without_the_reports() -> None:
    table = comparison.rows(concerns.load(), served(), None, None)

    assert cell(table, "performance", "flask") == (
        f"get: {NOT_MEASURED} CPU in-process, {NOT_MEASURED} served"
    )
    assert cell(table, "data validation", "django").startswith(
        f"out of the box, {NOT_MEASURED} validation cases passed"
    )
    assert cell(table, "cold start", "fastapi") == "1.2 s to the first /healthz"
    assert cell(table, "conformance, served now", "flask") == "10 of 11 cases"
    assert "7 of 9 answers documented" in cell(table, "documentation", "django")


def test_rows_quote_the_benchmark_only_when_it_held() -> None:
    loaded = concerns.load()
    good = comparison.rows(loaded, served(), None, bench())
    gated = comparison.rows(loaded, served(), None, bench(gate="3 cases failed"))
    failed = comparison.rows(loaded, served(), None, bench(failed="2 errors"))

    assert cell(good, "performance", "django") == (
        "get: 1,234 µs CPU in-process, 988 req/s served"
    )
    assert cell(gated, "performance", "django").endswith(f"{NOT_MEASURED} served")
    assert cell(failed, "performance", "django").endswith("failed: 2 errors served")


def test_rows_count_out_of_the_box_from_the_ledger() -> None:
    validation = [
        case
        for case in load_cases()
        if case.applies(None) and set(case.rules) & set(comparison.VALIDATION_RULES)
    ]
    ledger: dict[str, dict[str, list[str]]] = {
        "passed": {f"{app}_minimal": [] for app in APPS},
        "right_status": {f"{app}_minimal": [] for app in APPS},
    }
    ledger["passed"]["flask_minimal"] = [validation[0].id, "not-a-validation-case"]
    ledger["right_status"]["flask_minimal"] = [case.id for case in validation[:3]]
    table = comparison.rows(concerns.load(), served(), ledger, None)

    assert cell(table, "data validation", "flask").startswith(
        f"out of the box, 1 of {len(validation)} validation cases passed"
        f" (3 of {len(validation)} with the right status)"
    )


def test_packages_follow_requirements_not_unasked_extras() -> None:
    plain = comparison.installed_closure(["uvicorn"])
    standard = comparison.installed_closure(["uvicorn[standard]"])

    assert {"uvicorn", "click", "h11"} <= plain
    assert "uvloop" not in plain
    assert "uvloop" in standard
    assert plain < standard


def test_operation_of_a_case_request() -> None:
    by_path = {
        case.request["path"]: comparison.operation(case) for case in load_cases()
    }

    health = by_path["/healthz"]
    assert health is not None
    assert health[0] == "/healthz"
    for path, found in by_path.items():
        if found is not None:
            assert found[0] in ("/forge/users", "/forge/users/{id}", "/healthz"), path
    lower = Case("lower", ("R4",), "", {"method": "get", "path": "/healthz"}, {})
    wrong = Case("wrong", ("R2",), "", {"method": "GET", "path": "/forge/user"}, {})
    assert comparison.operation(lower) is None
    assert comparison.operation(wrong) is None


def test_one_app_served_is_measured(tmp_path: Path) -> None:
    """Flask under gunicorn: a cold start, its workers' memory, two cases judged."""
    cases = [
        c for c in load_cases() if c.id in ("health-get", "create-user-defaults-tier")
    ]
    measured = comparison.measure_app("flask", cases, tmp_path)
    contract = comparison.responses(json.loads((CONTRACT / "openapi.json").read_text()))

    assert measured.cold_start_s > 0
    assert measured.peak_rss_mib > 1
    assert (measured.passed, measured.ran) == (2, 2)
    assert measured.documented[1] == len(contract)
    assert measured.answers[1] == 2


def test_readme_quotes_the_report_headline() -> None:
    report = (ROOT / "docs" / "comparison.md").read_text()
    readme = (ROOT / "README.md").read_text()
    pattern = re.compile(
        re.escape(comparison.HEADLINE_START)
        + r"\n(.*?)"
        + re.escape(comparison.HEADLINE_END),
        re.DOTALL,
    )
    quoted, measured = pattern.search(readme), pattern.search(report)

    assert quoted is not None
    assert measured is not None
    assert quoted[1] == measured[1]
    for question in ("data validation", "documentation", "performance",
                     "database layer", "admin", "learning curve"):  # fmt: skip
        assert f"| {question} |" in measured[1]
