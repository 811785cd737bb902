"""Expected values read from ``contract/``, so that tests never restate them.

From ``problems.json`` and ``openapi.json`` as data, and from the rules and tables of
``contract/README.md`` through ``tests/markdown.py``.
"""

import json
import re
from datetime import datetime
from typing import Any

import httpx

from forge_conformance.paths import CONTRACT
from tests import markdown
from tests.fuzz.model import name_error

README = CONTRACT / "README.md"
PROBLEMS: dict[str, dict[str, Any]] = json.loads(
    (CONTRACT / "problems.json").read_text(encoding="utf-8")
)["problems"]
JSON = {"Content-Type": "application/json"}
API_TOKEN = "forge-tests-only-0123456789-abcdefghij"
"""The token the in-process apps are given in token mode (R26): 32+ b64token chars."""
OTHER_MEMBER = "#/<any other member>"
"""The place R11 calls "any other member": a member other than ``name`` and ``tier``."""


def openapi_document() -> dict[str, Any]:
    """contract/openapi.json, decoded afresh each time: the caller may edit it."""
    document: dict[str, Any] = json.loads(
        (CONTRACT / "openapi.json").read_text(encoding="utf-8")
    )
    return document


def problem(name: str) -> dict[str, Any]:
    """The exact body of the problem ``problems.json`` names ``name`` (R5)."""
    row = PROBLEMS[name]
    return {key: row[key] for key in ("type", "title", "status", "detail")}


def assert_problem(response: httpx.Response, name: str) -> None:
    """The response is the problem ``name``: status, then content type, then body."""
    assert response.status_code == PROBLEMS[name]["status"], response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json() == problem(name)


def readme_rules() -> list[str]:
    """The rule ids of the README's bold rule headings, in order."""
    return re.findall(RULE_HEADING, markdown.read(README), flags=re.MULTILINE)


RULE_HEADING = r'^(?:<a id="r\d+"></a>)?\*\*(R\d+)\. '
"""A rule's bold heading, after the anchor the reports link to (``#r14``)."""


def readme_tiers() -> list[str]:
    """The tiers listed by R1's `tier` bullet."""
    lines = markdown.read(README).splitlines()
    line = next(line for line in lines if line.startswith("- `tier`:"))
    return re.findall(r'`"([^"`]+)"`', line)


def readme_table(header: list[str]) -> list[list[str]]:
    """The body rows of the README table with this header, cells without backticks.

    A cell that is one code span loses its backticks; other cells are kept as written.
    """
    rows = markdown.table(markdown.read(README), header)
    return [[markdown.unquote_code(cell) for cell in row] for row in rows]


def r2_methods() -> dict[str, list[str]]:
    """R2's table: each API path with its methods in Allow order."""
    rows = readme_table(["path", "methods, in `Allow` order"])
    return {path: methods.split(", ") for path, methods in rows}


ALLOW = {path: ", ".join(methods) for path, methods in r2_methods().items()}
"""Each API path's ``Allow`` value (R4), in the order of R2's table."""


def readme_error_details() -> dict[tuple[str, str], set[str]]:
    """R11's table as (place, code) to the details allowed there.

    A place is a pointer, OTHER_MEMBER for an unknown field, or a query parameter.
    """
    details: dict[tuple[str, str], set[str]] = {}
    for code, where, detail in readme_table(["code", "where", "detail"]):
        if where == "any other member":
            places = [OTHER_MEMBER]
        elif where == "a parameter given more than once":
            places = ["limit", "offset", "tier"]
        else:  # `#/name`, pointer `#`, `limit`, `offset` or a list of them
            places = re.findall(r"`([^`]+)`", where) or [where]
        for place in places:
            details.setdefault((place, code), set()).add(detail)
    return details


def wrong_in_example(example: Any) -> list[str]:
    """What an example of a document would teach wrongly, by the contract alone."""
    wrong = []
    named = isinstance(example, dict) and "name" in example
    if named and name_error(example["name"]) is not None:
        wrong.append(f"name {example['name']!r} breaks R12")
    if isinstance(example, dict) and "created_at" in example:
        try:
            datetime.strptime(example["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
        except (TypeError, ValueError):
            wrong.append(f"created_at {example['created_at']!r} is no real moment")
    if isinstance(example, dict) and {"type", "title", "status"} <= example.keys():
        four = {key: example[key] for key in ("type", "title", "status", "detail")}
        if four not in [problem(name) for name in PROBLEMS]:
            wrong.append(f"problem {four} is not one of problems.json")
        for error in example.get("errors", ()):
            if (
                not isinstance(error, dict)
                or error.get("detail") not in error_details()
            ):
                wrong.append(f"error {error} has no detail of R11's table")
    for member in example.values() if isinstance(example, dict) else ():
        for item in member if isinstance(member, list) else ():
            wrong += wrong_in_example(item)
    return wrong


def error_details() -> set[str]:
    """Every detail R11's table gives an error."""
    return {detail for details in readme_error_details().values() for detail in details}
