"""The playground's columns: each server's answer made readable, and where they differ.

A body is shown pretty-printed, one line per member or item, each line tagged with the
JSON path of the value it shows (``$.items[0].name``), so that a difference found
here by path is highlighted on the page by the same path. Differences are found on
everything the page shows: the status, every header field, every value of the body.
Two kinds of them are marked as expected: the ``Date`` header, and timestamps in
bodies (R1's form, written at different moments); they are still shown, as such.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from forge.rawhttp import Answer
from forge_conformance.cases import TIMESTAMP

VARYING_HEADERS = frozenset({"date"})
"""Header fields whose values differ between any two answers, by nature."""


@dataclass(frozen=True)
class Line:
    """One line of a body as shown: its text, and the path of the value it shows."""

    text: str
    path: str


@dataclass(frozen=True)
class Difference:
    """One place where the answers do not all agree."""

    where: str
    """``status``, ``reason``, ``header content-type`` or ``body $.items[0].name``."""
    values: tuple[str | None, ...]
    """Each column's value there, in column order; None where it has none."""
    varies: bool = False
    """Expected to differ between any two answers (a Date, a timestamp)."""


def parse_json(body: bytes) -> tuple[bool, Any]:
    """(True, the value) if ``body`` is JSON, else (False, None)."""
    if not body.strip():
        return False, None
    try:
        return True, json.loads(body)
    except ValueError:  # not UTF-8, or not JSON
        return False, None


def body_lines(body: bytes) -> list[Line]:
    """The body as the page shows it: JSON pretty-printed, else its text by line."""
    is_json, value = parse_json(body)
    if is_json:
        return list(pretty(value, "$", 0, ""))
    text = body.decode("utf-8", errors="replace")
    return [
        Line(line, f"line {number}")
        for number, line in enumerate(text.splitlines(), start=1)
    ]


def pretty(value: Any, path: str, depth: int, prefix: str) -> list[Line]:
    """``value`` indented two spaces a level; ``prefix`` is its ``"name": ``, if any."""
    indent = "  " * depth
    if isinstance(value, dict) and value:
        opening, closing = "{", "}"
        members = [
            (member_path(path, name), member, dumps(name) + ": ")
            for name, member in value.items()
        ]
    elif isinstance(value, list) and value:
        opening, closing = "[", "]"
        members = [(f"{path}[{i}]", item, "") for i, item in enumerate(value)]
    else:
        return [Line(f"{indent}{prefix}{dumps(value)}", path)]
    lines = [Line(f"{indent}{prefix}{opening}", path)]
    for number, (where, member, name) in enumerate(members, start=1):
        shown = pretty(member, where, depth + 1, name)
        if number < len(members):
            last = shown[-1]
            shown[-1] = Line(last.text + ",", last.path)
        lines += shown
    return [*lines, Line(f"{indent}{closing}", path)]


def member_path(path: str, name: str) -> str:
    """The path of member ``name``: ``$.name``, or ``$["odd name"]`` for the rest."""
    if name.isidentifier():
        return f"{path}.{name}"
    return f"{path}[{dumps(name)}]"


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def leaves(value: Any, path: str = "$") -> dict[str, str]:
    """Every value of a JSON document by path, containers as their type and size, so
    that a missing member and a changed type are differences too."""
    if isinstance(value, dict):
        found = {path: f"object of {len(value)}"}
        for name, member in value.items():
            found.update(leaves(member, member_path(path, name)))
        return found
    if isinstance(value, list):
        found = {path: f"array of {len(value)}"}
        for index, item in enumerate(value):
            found.update(leaves(item, f"{path}[{index}]"))
        return found
    return {path: dumps(value)}


def body_values(body: bytes) -> dict[str, str]:
    """What a body's differences are found on: its JSON values, else its lines."""
    is_json, value = parse_json(body)
    if is_json:
        return leaves(value)
    return {line.path: line.text for line in body_lines(body)}


def header_values(answer: Answer) -> dict[str, str]:
    """Each header field by lower-case name; a repeated field's values joined by
    commas, in order, as RFC 9110 allows a recipient to."""
    fields: dict[str, list[str]] = {}
    for name, value in answer.headers:
        fields.setdefault(name.lower(), []).append(value)
    return {name: ", ".join(values) for name, values in fields.items()}


def differences(answers: Sequence[Answer]) -> list[Difference]:
    """Every place where the answers that arrived do not all agree: status, reason
    phrase, then headers by name, then the body by path (in order of appearance)."""
    arrived = [answer for answer in answers if answer.error == ""]
    if len(arrived) < 2:
        return []
    found = disagreements(
        "status", [{"": str(answer.status)} for answer in arrived], answers
    )
    found += disagreements(
        "reason", [{"": answer.reason} for answer in arrived], answers
    )
    found += disagreements(
        "header", [header_values(answer) for answer in arrived], answers
    )
    found += disagreements(
        "body", [body_values(answer.body) for answer in arrived], answers
    )
    return found


def disagreements(
    part: str, tables: list[dict[str, str]], answers: Sequence[Answer]
) -> list[Difference]:
    """The keys whose values are not the same in every table (a missing key too)."""
    keys = list(dict.fromkeys(key for table in tables for key in table))
    found = []
    for key in keys:
        values = [table.get(key) for table in tables]
        if len(set(values)) == 1:
            continue
        shown = iter(values)
        # One value per column, errors included (they have none), in column order.
        per_column = tuple(None if answer.error else next(shown) for answer in answers)
        where = f"{part} {key}".strip()
        found.append(Difference(where, per_column, varies(part, key, values)))
    return found


def varies(part: str, key: str, values: list[str | None]) -> bool:
    """Whether values differing there is in their nature: a Date, or timestamps."""
    if part == "header":
        return key in VARYING_HEADERS
    return part == "body" and all(is_timestamp(value) for value in values)


def is_timestamp(value: str | None) -> bool:
    """Whether a body value (as JSON text) is a timestamp in R1's form."""
    try:
        text = json.loads(value or "")
    except ValueError:
        return False
    return isinstance(text, str) and TIMESTAMP.fullmatch(text) is not None
