"""The supported versions: the nox sessions' pins and the drift table they feed.

Every package a stack pins must have a lower bound in pyproject.toml, or its oldest
session would silently test the newest; the drift table must list exactly the cases
whose verdict changed between two ledgers, and say "not measured" without them.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from forge import drift
from forge.concerns import APPS
from forge.ledger import FORGE, MINIMAL

ROOT = Path(__file__).resolve().parents[1]


def test_every_pinned_package_has_a_lower_bound() -> None:
    noxfile = pytest.importorskip("noxfile", reason="nox is not installed (.[dev])")
    bounds = noxfile.lower_bounds()

    for app, names in noxfile.STACKS.items():
        for name in names:
            assert name in bounds, (app, name)
    assert set(noxfile.STACKS) == set(APPS)


def ledger(minimal: list[str], forge: list[str]) -> dict[str, Any]:
    passed = {}
    for app in APPS:
        passed[MINIMAL[app]] = minimal
        passed[FORGE[app]] = forge
    return {
        "cases": 3,
        "versions": {"django": "5.1"},
        "passed": passed,
        "right_status": passed,
    }


def test_drift_lists_the_cases_whose_verdict_changed(tmp_path: Path) -> None:
    for app in APPS:
        (tmp_path / f"{app}-oldest.json").write_text(
            json.dumps(ledger(["a", "b"], ["a", "b", "c"]))
        )
        (tmp_path / f"{app}-newest.json").write_text(
            json.dumps(ledger(["b", "c"], ["a", "b", "c"]))
        )

    text = drift.report(tmp_path)
    row = next(line for line in text.splitlines() if line.startswith("| django |"))

    assert "django 5.1, djangorestframework ? → django 5.1" in row
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[2:] == ["1: `c`", "1: `a`", "1: `c` / 1: `a`", "3 and 3 of 3", "none"]


def test_drift_without_ledgers_is_not_measured(tmp_path: Path) -> None:
    (tmp_path / "flask-oldest.json").write_text(json.dumps(ledger([], [])))

    text = drift.report(tmp_path)

    assert "| flask | not measured |" in text
    assert "Not measured (no ledger for both bounds): fastapi, flask, django." in text
