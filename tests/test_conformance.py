"""Every case of ``contract/cases/`` against every implementation (all rules).

In-process, each app runs every case for its mode twice: started without an API token
and with one (R26). Live, the servers have the mode ``--forge-token`` says.
"""

import httpx
import pytest

from forge_conformance.cases import Case, describe_failure, load_cases, run_case

CASES = load_cases()


@pytest.mark.token_modes
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_conformance_case(
    implementation: str, client: httpx.Client, case: Case, api_token: str | None
) -> None:
    """The implementation answers the case's request with the case's response."""
    if not case.applies(api_token):
        pytest.skip(f"a case for a server {'without' if api_token else 'with'} a token")
    outcome = run_case(client, case, api_token)
    assert outcome.passed, describe_failure(outcome, implementation)
