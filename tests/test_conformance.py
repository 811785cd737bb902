"""Every case of ``contract/cases/`` against every implementation (all rules)."""

import httpx
import pytest

from forge.cases import Case, Outcome, load_cases, run_case

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_conformance_case(client: httpx.Client, case: Case) -> None:
    """The implementation answers the case's request with the case's response."""
    outcome = run_case(client, case)
    assert outcome.passed, report(outcome)


def report(outcome: Outcome) -> str:
    """The case, the request sent and every difference, one per line."""
    case = outcome.case
    lines = [f"{case.id} ({', '.join(case.rules)}, {case.source}): {case.title}"]
    lines.append(f"request: {outcome.request}")
    lines += [f"  - {difference}" for difference in outcome.differences]
    return "\n".join(lines)
