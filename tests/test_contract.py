"""Tests of the contract documents themselves, against the rules of contract/README.md.

They talk to no app: they check that openapi.json, problems.json and the case files
say what the README says, so the conformance suite can trust them.
"""

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from forge_conformance.paths import CONTRACT
from tests import markdown
from tests.contract import (
    ALLOW,
    OTHER_MEMBER,
    r2_methods,
    readme_error_details,
    readme_rules,
    readme_table,
    readme_tiers,
    wrong_in_example,
)
from tests.fuzz.model import name_error
from tests.openapi_normal import resolved

CASE_FILES = sorted((CONTRACT / "cases").glob("*.json"))

# Rules no case file can check, because a case cannot break the implementation.
# tests/test_failures.py covers them instead (and R24's 503, which cases cannot reach).
RULES_WITHOUT_CASES = {
    "R25": "its 500 needs an unforeseen failure in the app (flow tests)",
    "R27": "the server in front answers, not the implementation (tests/test_proxy.py)",
}

HTTP_METHODS = {"get", "head", "post", "put", "patch", "delete", "options", "trace"}

# A decoded JSON object: json.loads gives no finer type than this.
JsonObject = dict[str, Any]


def test_openapi_document_is_valid_openapi_3_1() -> None:
    """openapi.json is a valid OpenAPI 3.1 document."""
    document = load_json(CONTRACT / "openapi.json")
    assert document["openapi"].startswith("3.1.")
    validate(document, cls=OpenAPIV31SpecValidator)


def test_openapi_paths_match_r2_table() -> None:
    """openapi.json has exactly the paths of R2, each with exactly its methods."""
    paths = load_json(CONTRACT / "openapi.json")["paths"]
    documented = {
        path: {key for key in item if key in HTTP_METHODS}
        for path, item in paths.items()
    }
    expected = {
        path: {method.lower() for method in methods}
        for path, methods in r2_methods().items()
    }
    assert documented == expected


def test_openapi_allow_headers_match_r2_table() -> None:
    """Each OPTIONS 204 names its path's R2 Allow value; the 405 allows all three."""
    document = load_json(CONTRACT / "openapi.json")
    for path, allow in ALLOW.items():
        no_content = document["paths"][path]["options"]["responses"]["204"]
        header = resolved(document, no_content["headers"]["Allow"])
        assert header["schema"]["const"] == allow, path
    not_allowed = document["components"]["responses"]["MethodNotAllowed"]
    header = resolved(document, not_allowed["headers"]["Allow"])
    assert set(header["schema"]["enum"]) == set(ALLOW.values())


def test_openapi_tier_enum_matches_r1_tiers() -> None:
    """openapi.json's Tier enum lists the tiers of R1, in order."""
    tier = load_json(CONTRACT / "openapi.json")["components"]["schemas"]["Tier"]
    assert tier["enum"] == readme_tiers()


def test_openapi_problem_responses_match_problems_json() -> None:
    """Every problem of problems.json is a response of openapi.json, values and all."""
    document = load_json(CONTRACT / "openapi.json")
    documented: set[tuple[Any, ...]] = set()
    for response in document["components"]["responses"].values():
        schema = resolved(document, response["content"]["application/problem+json"])
        # A response that may be either of two problems lists both (R3's 404s).
        for branch in schema["schema"].get("oneOf", [schema["schema"]]):
            members = branch["properties"]
            documented.add(tuple(members[name]["const"] for name in PROBLEM_MEMBERS))
    assert documented == problem_set()


@pytest.mark.parametrize("case_file", CASE_FILES, ids=lambda path: path.name)
def test_case_file_valid_against_case_schema(case_file: Path) -> None:
    """A case file validates against case.schema.json (JSON Schema 2020-12)."""
    schema = load_json(CONTRACT / "case.schema.json")
    Draft202012Validator.check_schema(schema)
    errors = Draft202012Validator(schema).iter_errors(load_json(case_file))
    assert [f"{error.json_path}: {error.message}" for error in errors] == []


def test_case_ids_unique_across_files() -> None:
    """No two cases, in one file or in two, share an id."""
    seen: dict[str, str] = {}
    duplicates = []
    for file_name, case in all_cases():
        if case["id"] in seen:
            duplicates.append(f"{case['id']} in {seen[case['id']]} and {file_name}")
        seen.setdefault(case["id"], file_name)
    assert duplicates == []


def test_case_rules_defined_in_readme() -> None:
    """Every rule a case cites is a rule of the README."""
    defined = set(readme_rules())
    cited = {(case["id"], rule) for _, case in all_cases() for rule in case["rules"]}
    assert sorted(pair for pair in cited if pair[1] not in defined) == []


def test_readme_rules_numbered_r1_to_r28() -> None:
    """The README defines the rules R1 to R28, once each and in order."""
    assert readme_rules() == [f"R{number}" for number in range(1, 29)]


def test_readme_rules_cited_by_cases_or_exempted() -> None:
    """Every rule is cited by a case or exempted here with a reason, never both."""
    cited = {rule for _, case in all_cases() for rule in case["rules"]}
    exempted = set(RULES_WITHOUT_CASES)
    assert exempted <= set(readme_rules())
    assert sorted(set(readme_rules()) - cited - exempted, key=rule_number) == []
    assert sorted(exempted & cited, key=rule_number) == []


def test_case_problem_bodies_use_problems_json() -> None:
    """Every problem body a case expects is one of problems.json, with its status."""
    unknown = []
    for _, case in all_cases():
        body = case["response"].get("json")
        if isinstance(body, dict) and {"type", "title"} <= body.keys():
            problem = tuple(body.get(name) for name in PROBLEM_MEMBERS)
            if (
                problem not in problem_set()
                or body["status"] != case["response"]["status"]
            ):
                unknown.append(f"{case['id']}: {problem}")
    assert unknown == []


def test_case_error_details_match_problems_json() -> None:
    """Every 422 error a case expects has a code its place allows, and that detail."""
    allowed = readme_error_details()
    wrong = []
    for _, case in all_cases():
        body = case["response"].get("json")
        if case["response"]["status"] != 422 or not isinstance(body, dict):
            continue
        for error in body.get("errors", []):
            key = (error_place(error), error["code"])
            if key not in allowed or error["detail"] not in problems_json_details(*key):
                wrong.append(f"{case['id']}: {error}")
    assert wrong == []


def test_problems_json_matches_r5_table() -> None:
    """problems.json holds exactly the rows of R5's problem table: the server's own
    (R27) under server_problems, the implementation's under problems."""
    rows = readme_table(["status", "when", "type", "title", "detail"])
    readme = {
        (int(status), type_, title, detail): when
        for status, when, type_, title, detail in rows
    }
    server = {row for row, when in readme.items() if when == "R27"}

    assert len(readme) == len(rows)
    assert server == problem_set("server_problems")
    assert set(readme) - server == problem_set()


def test_problems_json_error_details_match_r11_table() -> None:
    """problems.json's error_details give exactly the details of R11's table."""
    readme = readme_error_details()
    from_json = {key: problems_json_details(*key) for key in readme}
    assert from_json == readme
    error_details = load_json(CONTRACT / "problems.json")["error_details"]
    every_readme_detail = {detail for details in readme.values() for detail in details}
    assert set(flatten_strings(error_details)) == every_readme_detail


# Helpers

PROBLEM_MEMBERS = ("status", "type", "title", "detail")


@cache
def load_json(path: Path) -> Any:
    """The decoded content of a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))


def all_cases() -> Iterator[tuple[str, JsonObject]]:
    """Every case of every case file, with the name of its file."""
    for case_file in CASE_FILES:
        for case in load_json(case_file)["cases"]:
            yield case_file.name, case


def rule_number(rule: str) -> int:
    """The number of a rule id: 12 for R12."""
    return int(rule.removeprefix("R"))


def problems_json_details(place: str, code: str) -> set[str]:
    """The details problems.json allows for an error code at a place of R11."""
    body = load_json(CONTRACT / "problems.json")["error_details"]["body"]
    query = load_json(CONTRACT / "problems.json")["error_details"]["query"]
    if place == "#":
        candidates = [body["#"]]
    elif place.startswith("#"):
        candidates = [body["field"]]
    else:
        candidates = [query[place], query["repeated"]]
    return {table[code] for table in candidates if code in table}


def error_place(error: JsonObject) -> str:
    """The R11 place of a 422 error item: its pointer or parameter."""
    if "parameter" in error:
        return str(error["parameter"])
    pointer = str(error["pointer"])
    return pointer if pointer in {"#", "#/name", "#/tier"} else OTHER_MEMBER


@cache
def problem_set(section: str = "problems") -> set[tuple[int, str, str, str]]:
    """The (status, type, title, detail) of every problem in a problems.json section:
    the implementation's ``problems``, or the ``server_problems`` of R27."""
    problems = load_json(CONTRACT / "problems.json")[section].values()
    return {tuple(problem[name] for name in PROBLEM_MEMBERS) for problem in problems}


def flatten_strings(value: Any) -> Iterator[str]:
    """Every string value nested in a decoded JSON value (not member names)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from flatten_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from flatten_strings(item)


def test_openapi_examples_are_right_by_the_rules() -> None:
    """Every example of openapi.json, which docs pages show, obeys the contract."""
    examples = list(examples_in(load_json(CONTRACT / "openapi.json")))
    wrong = [w for example in examples for w in wrong_in_example(example)]

    assert any(isinstance(e, dict) and "created_at" in e for e in examples)
    assert any(isinstance(e, dict) and e.get("errors") for e in examples)
    assert wrong == []


def examples_in(node: Any) -> Iterator[Any]:
    """Every value under an ``example`` or ``examples`` member, at any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "example":
                yield value
            elif key == "examples" and isinstance(value, list):
                yield from value
            else:
                yield from examples_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from examples_in(item)


def test_readme_names_exactly_the_headers_the_cases_compare() -> None:
    """The README's list of what implementations share names the headers the cases
    check, no more and no fewer: the rest is the server's business."""
    intro = markdown.read(CONTRACT / "README.md").split("## ", 1)[0]
    compared_line = next(line for line in intro.splitlines() if "the headers" in line)
    named = {name.lower() for name in re.findall(r"`([A-Za-z-]+)`", compared_line)}
    checked = {
        name.lower()
        for _, case in all_cases()
        for name in case["response"].get("headers", {})
    }

    assert named == checked


NAME_CHARACTERS = st.one_of(
    st.sampled_from([chr(c) for c in (*range(0x21), *range(0x7F, 0xA1))]),
    st.sampled_from(" \u1680\u2000\u200a\u200b\u2028\u2029\u202f\u205f\u3000é\u0301"),
    st.characters(),
)


@settings(max_examples=2000, derandomize=True)
@given(
    name=st.one_of(
        st.text(NAME_CHARACTERS, max_size=70),
        st.tuples(
            st.text(" \t\n\u3000", max_size=3), st.text(min_size=60, max_size=66)
        ).map("".join),
    )
)
def test_openapi_name_pattern_is_r12(name: str) -> None:
    """NameInput's pattern accepts exactly the names R12 accepts, after stripping."""
    schema = load_json(CONTRACT / "openapi.json")["components"]["schemas"]["NameInput"]

    assert bool(re.search(schema["pattern"], name)) == (name_error(name) is None)
