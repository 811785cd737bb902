"""Each implementation's own /openapi.json against ``contract/openapi.json``.

Both documents are compared in the normal form of ``tests/openapi_normal.py``, what a
client relies on; every remaining difference must be explained by
``tests/openapi_gaps.py``. Then each
document must be valid OpenAPI, and describe what its app really answers: every
conformance case is replayed and openapi-core validates each answer against the app's
own document.
"""

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from openapi_spec_validator import (
    OpenAPIV30SpecValidator,
    OpenAPIV31SpecValidator,
    validate,
)

from forge_conformance.cases import (
    Case,
    delete_every_user,
    load_cases,
    run_case,
)
from forge_conformance.paths import CONTRACT
from tests import markdown
from tests.contract import JSON, openapi_document
from tests.openapi_check import load, response_mismatch
from tests.openapi_gaps import GAPS, explained, explains
from tests.openapi_normal import JsonObject, differences, normalized

MAX_ID = 2**63 - 1
README = CONTRACT.parent / "README.md"


def app_document(client: httpx.Client) -> JsonObject:
    """The implementation's own OpenAPI document."""
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document: JsonObject = response.json()
    return document


def test_openapi_matches_contract(implementation: str, client: httpx.Client) -> None:
    """Every difference from the contract's document is a documented gap, and back."""
    found = dict(
        differences(
            normalized(openapi_document()), normalized(app_document(client)), ""
        )
    )
    unexplained = [
        f"{place}: {values}"
        for place, values in found.items()
        if not explained(implementation, place)
    ]
    unused = [
        gap.where
        for gap in GAPS
        if gap.app == implementation
        and not any(explains(gap, place) for place in found)
    ]
    assert unexplained == [], "\n".join(unexplained)
    assert unused == []


def test_openapi_states_the_contracts_version(
    implementation: str, client: httpx.Client
) -> None:
    """The app's document says which contract it implements."""
    expected = openapi_document()["info"]["version"]

    assert app_document(client)["info"]["version"] == expected


def test_openapi_document_valid(implementation: str, client: httpx.Client) -> None:
    """The document is valid OpenAPI 3.1 (3.0 where the gap table says so)."""
    document = app_document(client)
    version_gaps = explained(implementation, "openapi version")
    if version_gaps:
        assert document["openapi"].startswith("3.0.")
        validate(document, cls=OpenAPIV30SpecValidator)
    else:
        assert document["openapi"].startswith("3.1.")
        validate(document, cls=OpenAPIV31SpecValidator)


def one_case_per_answer(api_token: str | None) -> list[Case]:
    """The first case of each method, path, query or not, and status, for a server
    with ``api_token`` or none: the variety of the answers at a tenth of the cost."""
    kinds: dict[tuple[str, str, bool, int], Case] = {}
    for case in filter(lambda case: case.applies(api_token), load_cases()):
        path, query, _ = case.request["path"].partition("?")
        path = re.sub(r"\{[^}]+\}", "{id}", path)
        kind = (case.request["method"], path, bool(query), case.response["status"])
        kinds.setdefault(kind, case)
    return list(kinds.values())


@pytest.mark.token_modes
def test_openapi_describes_answers(
    implementation: str, client: httpx.Client, api_token: str | None
) -> None:
    """Replaying cases, each answer of a documented operation fits the app's own
    document, in status, headers and body, with an API token (its 401s) or none."""
    document = app_document(client)
    # A canonical id (R3); others are the route 404, which no operation answers.
    paths = {
        re.sub(r"\{[^}]+\}", "([1-9][0-9]{0,18})", path): path
        for path in document["paths"]
    }
    api = load(document)
    answers: list[httpx.Response] = []
    client.event_hooks["response"].append(answers.append)
    for case in one_case_per_answer(api_token):
        delete_every_user(client, api_token)  # so that each case's setup can succeed
        run_case(client, case, api_token)
    mismatches = []
    for answer in answers:
        answer.read()
        # As sent: the case runner's target, which httpx's URL would have tidied.
        target = answer.request.extensions.get("target", answer.request.url.raw_path)
        path = unquote(target.decode("ascii").partition("?")[0])
        method = answer.request.method.lower()
        template = next(
            (
                p
                for regex, p in paths.items()
                if (match := re.fullmatch(regex, path))
                and all(int(id) <= MAX_ID for id in match.groups())
            ),
            None,
        )
        if template is None or method not in document["paths"][template]:
            continue  # an undocumented route: the route 404 or a 405
        mismatch = response_mismatch(
            api,
            method,
            path,
            answer.status_code,
            answer.headers.items(),
            answer.content,
        )
        if mismatch is not None:
            mismatches.append(
                f"{method.upper()} {path} {answer.status_code}: {mismatch}"[:400]
            )
    assert sorted(set(mismatches)) == [], "\n".join(sorted(set(mismatches)))


def test_readme_shows_gap_table() -> None:
    """The README's section on OpenAPI shows exactly the gap table."""
    section = markdown.section(
        markdown.read(README), "## What each framework's OpenAPI says"
    )
    rows = [f"| {gap.app} | `{gap.where}` | {gap.reason} |" for gap in GAPS]
    table = "\n".join(
        ["| app | differences (fnmatch) | why |", "| --- | --- | --- |", *rows]
    )
    assert table in section


def test_openapi_document_passes_the_validator_command_line(
    client: httpx.Client, tmp_path: Path
) -> None:
    """The served document, saved as a file, passes openapi-spec-validator as a user
    runs it, which reads the file as text (a raw control character breaks it)."""
    document = tmp_path / "openapi.json"
    document.write_bytes(client.get("/openapi.json").content)

    result = subprocess.run(
        [sys.executable, "-m", "openapi_spec_validator", str(document)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("method", ["GET", "HEAD", "PATCH", "DELETE", "OPTIONS"])
def test_route_404_under_an_id_fits_both_documents(
    client: httpx.Client, method: str
) -> None:
    """/forge/users/abc is the route 404 (R3), and OpenAPI tools read it as the {id}
    operation, matching by template: both documents must allow that answer there."""
    answer = client.request(method, "/forge/users/abc", headers=JSON, content=b"{}")
    assert answer.status_code == 404

    contract = openapi_document()
    assert method.lower() in contract["paths"]["/forge/users/{id}"]
    for document in (app_document(client), contract):
        if method.lower() not in document["paths"]["/forge/users/{id}"]:
            continue  # an operation the app's generator cannot write (openapi_gaps.py)
        mismatch = response_mismatch(
            load(document),
            method,
            "/forge/users/abc",
            answer.status_code,
            answer.headers.items(),
            answer.content,
        )
        assert mismatch is None, mismatch
