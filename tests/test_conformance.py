"""Every case of ``contract/cases/`` against every implementation (all rules)."""

import httpx
import pytest

from forge.cases import Case, describe_failure, load_cases, run_case

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_conformance_case(
    implementation: str, client: httpx.Client, case: Case
) -> None:
    """The implementation answers the case's request with the case's response."""
    outcome = run_case(client, case)
    assert outcome.passed, describe_failure(outcome, implementation)
