"""``forge ledger``: the cases against each framework's minimal app and the Forge app.

The report is built from outcomes: a minimal app's failed case must show what it
answered beside what the contract wants, a Forge app's failure must be reported, and
the counts must be the outcomes'. A small real run serves the six apps, and the
committed ``docs/ledger.md`` must cover the contract's rules and cases as they are.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import httpx

from forge import ledger
from forge.concerns import APPS
from forge_conformance.cases import Case, Outcome, load_cases

ROOT = Path(__file__).resolve().parents[1]


def case(case_id: str, rules: tuple[str, ...], status: int) -> Case:
    return Case(
        id=case_id,
        rules=rules,
        title=f"the title of {case_id}",
        request={"method": "GET", "path": "/healthz"},
        response={"status": status, "json": {"status": "ok"}},
    )


def outcome(of: Case, status: int, body: bytes, differences: list[str]) -> Outcome:
    return Outcome(
        of,
        request="GET /healthz",
        differences=differences,
        response=httpx.Response(
            status, content=body, headers={"Content-Type": "application/json"}
        ),
    )


def fabricated() -> ledger.Run:
    """Two cases; minimal FastAPI fails one with a 405, Forge Flask fails the other."""
    first, second = case("one-case", ("R2",), 200), case("two-case", ("R4",), 200)
    good = b'{"status":"ok"}'
    outcomes = {}
    for app in APPS:
        outcomes[ledger.MINIMAL[app]] = [
            outcome(first, 200, good, []),
            outcome(second, 200, good, []),
        ]
        outcomes[ledger.FORGE[app]] = [
            outcome(first, 200, good, []),
            outcome(second, 200, good, []),
        ]
    outcomes["fastapi_minimal"][1] = outcome(
        second,
        405,
        b'{"detail":"Method Not Allowed"}',
        ["status: 405, expected 200", "header Allow: None, expected 'GET'"],
    )
    outcomes["flask_forge"][0] = outcome(
        first, 500, b"{}", ["status: 500, expected 200"]
    )
    return ledger.Run([first, second], outcomes, "today", {"fastapi": "1.0"})


def test_ledger_shows_a_failed_answer_beside_the_contract() -> None:
    text = ledger.markdown(fabricated(), "forge ledger --test")
    section = text.split("### R4. ")[1].split("### ")[0]
    fastapi = next(
        line for line in section.splitlines() if line.startswith("| fastapi")
    )

    assert "0/1 (0 the right status)" in fastapi
    assert '`two-case`: `405 {"detail":"Method Not Allowed"}`' in fastapi
    assert "`header Allow: None, expected 'GET'`" in fastapi
    assert '`200 {"status":"ok"}`' in fastapi
    flask = next(line for line in section.splitlines() if line.startswith("| flask"))
    assert "passes every case" in flask


def test_ledger_counts_are_the_outcomes() -> None:
    rows = {row[0]: row for row in ledger.summary_rows(fabricated())}

    assert rows["fastapi"][1:4] == ["1 of 2", "1 of 2", "2 of 2"]
    assert rows["flask"][1:4] == ["2 of 2", "2 of 2", "1 of 2"]
    assert rows["django"][1:4] == ["2 of 2", "2 of 2", "2 of 2"]


def test_ledger_reports_a_forge_app_failing() -> None:
    assert ledger.forge_failures(fabricated()) == [
        "flask_forge failed one-case: status: 500, expected 200"
    ]


def test_ledger_bridge_links_point_at_rule_comments() -> None:
    """Each 'bridged at' link names a line of the app whose comment cites the rule."""
    for app in APPS:
        for rule in ("R4", "R24"):
            for file, line in re.findall(
                r"\[([\w/.]+):(\d+)\]", ledger.links(app, rule)
            ):
                text = (ROOT / "apps" / f"{app}_forge" / file).read_text()
                assert rule in text.splitlines()[int(line) - 1], (app, file, line)


def test_committed_ledger_covers_every_rule_and_case() -> None:
    """docs/ledger.md was made from the cases as they are: regenerate it with them."""
    text = (ROOT / "docs" / "ledger.md").read_text()
    cases = [each for each in load_cases() if each.applies(None)]
    rules = [rule.id for rule in ledger.contract_rules()]

    assert re.findall(r"^### (R\d+)\. ", text, re.MULTILINE) == rules
    assert f": {len(cases)} conformance cases" in text
    kept = json.loads((ROOT / "docs" / "ledger.json").read_text())
    assert kept["cases"] == len(cases)
    assert set(kept["passed"]) == {
        *ledger.MINIMAL.values(),
        *ledger.FORGE.values(),
    }


def test_ledger_small_real_run(tmp_path: Path) -> None:
    """Two cases against the six apps served: the report and JSON agree."""
    markdown, kept = tmp_path / "ledger.md", tmp_path / "ledger.json"
    result = subprocess.run(
        [
            sys.executable, "-m", "forge", "ledger", "--case", "health-get",
            "--case", "health-options", f"--markdown={markdown}", f"--json={kept}",
        ],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    passed = json.loads(kept.read_text())["passed"]
    for app in APPS:
        assert sorted(passed[ledger.FORGE[app]]) == ["health-get", "health-options"]
    text = markdown.read_text()
    assert "2 conformance cases" in text
    for app in APPS:
        good = len(passed[ledger.MINIMAL[app]])
        assert re.search(rf"^\| {app} \| {good} of 2 \| ", text, re.MULTILINE), app


def test_ledger_refuses_a_case_matching_nothing() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "forge", "ledger", "--case", "no-such-*"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "forge ledger: Invalid value for --case: no case matches"
    )


def test_readme_quotes_the_ledger_summary() -> None:
    readme = (ROOT / "README.md").read_text()
    quoted = re.search(
        r"<!-- forge ledger summary -->\n(.*?)<!-- end of forge ledger summary -->",
        readme,
        re.DOTALL,
    )
    assert quoted is not None
    summary = (ROOT / "docs" / "ledger.md").read_text().split("## Summary")[1]

    assert quoted[1] in summary.split("## Rule by rule")[0]
