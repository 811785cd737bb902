"""Strict JSON request bodies, written once for every framework: R7, R8 and R9.

This file is the same in ``fastapi_forge``, ``flask_forge`` and ``django_forge``
(``tests/test_layout.py`` keeps the copies identical). Every framework's own JSON
parsing is ``json.loads`` with its defaults: NaN, duplicate members, numbers that
overflow, any depth (a deep body crashes it) and any size. The functions below
check a body the contract's way and raise ``ProblemError`` with the 413 or the 400;
each app's ``parsing.py`` puts them where its framework reads bodies.
"""

import codecs
import json
import math
import re
from collections.abc import Iterator
from typing import Any, Protocol

from .contract import CONTENT_TOO_LARGE, MALFORMED_JSON, ProblemError

MAX_BODY_BYTES = 16 * 1024  # R8
MAX_DEPTH = 32  # R9

TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
QUOTED = r'"(?:[^"\\]|\\.)*"'
PARAMETER = re.compile(rf"({TOKEN})=({TOKEN}|{QUOTED})")
MEDIA_TYPE = re.compile(
    rf"({TOKEN})/({TOKEN})((?:[ \t]*;[ \t]*(?:{PARAMETER.pattern})?)*)[ \t]*"
)
# Lone surrogates and the noncharacters of every plane (R9).
FORBIDDEN_CHARACTERS = re.compile(
    "[\ud800-\udfff\ufdd0-\ufdef"
    + "".join(
        chr(plane + 0xFFFE) + chr(plane + 0xFFFF)
        for plane in range(0, 0x110000, 0x10000)
    )
    + "]"
)


class Readable(Protocol):
    """A request body stream: WSGI's ``wsgi.input``, Werkzeug's, Django's request."""

    def read(self, size: int = ..., /) -> bytes: ...


def is_json_media_type(content_type: str | None) -> bool:
    """``application/json``, with no charset but utf-8 (R7)."""
    match = MEDIA_TYPE.fullmatch(content_type.strip(" \t")) if content_type else None
    if match is None or (match[1].lower(), match[2].lower()) != ("application", "json"):
        return False
    return all(
        re.sub(r"\\(.)", r"\1", value.strip('"')).lower() == "utf-8"
        for name, value in PARAMETER.findall(match[3])
        if name.lower() == "charset"
    )


def check_size(size: int) -> None:
    """Raise the 413 for a body of ``size`` bytes, declared or counted so far (R8)."""
    if size > MAX_BODY_BYTES:
        raise ProblemError(CONTENT_TOO_LARGE)


def read(stream: Readable, declared: int | None = None) -> bytes:
    """The body, read no further than one byte past the limit (R8).

    A ``Content-Length`` over the limit is refused unread; counting what arrives also
    limits a chunked body, which declares no length.
    """
    check_size(declared or 0)
    body = bytearray()
    while chunk := stream.read(MAX_BODY_BYTES + 1 - len(body)):
        body += chunk
        check_size(len(body))
    return bytes(body)


def loads(body: bytes) -> Any:
    """Parse an I-JSON document (R9), or raise the malformed-json problem."""
    try:
        if body.startswith(codecs.BOM_UTF8):
            raise ValueError("a byte order mark")
        text = body.decode("utf-8")
        # Checked first, as json recurses; no deeper than its brackets can nest.
        if opening_brackets(text) > MAX_DEPTH and nesting_depth(text) > MAX_DEPTH:
            raise ValueError("nested too deeply")
        value = json.loads(
            text,
            object_pairs_hook=unique_members,
            parse_constant=reject_constant,
            parse_float=finite_number,
            parse_int=finite_number,
        )
        if may_hold_forbidden_characters(text) and any(
            FORBIDDEN_CHARACTERS.search(string) for string in strings(value)
        ):
            raise ValueError("a surrogate or a noncharacter")
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError included
        raise ProblemError(MALFORMED_JSON) from error
    return value


def opening_brackets(text: str) -> int:
    """How many ``[`` and ``{`` the text holds, in strings too: a bound on its depth
    that C counts, where ``nesting_depth`` steps through the text in Python."""
    return text.count("[") + text.count("{")


def may_hold_forbidden_characters(text: str) -> bool:
    """False for a text that cannot hold a forbidden character: ASCII (which
    CPython knows without looking) and without the backslash of an escape."""
    return not text.isascii() or "\\" in text


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects, counting brackets outside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object, refusing duplicate member names."""
    members = dict(pairs)
    if len(members) != len(pairs):
        raise ValueError("duplicate member names")
    return members


def reject_constant(name: str) -> Any:
    """``NaN``, ``Infinity`` and ``-Infinity``, which Python's json accepts."""
    raise ValueError(f"{name} is not JSON")


def finite_number(text: str) -> int | float:
    """A number that an IEEE 754 double can hold without becoming infinite."""
    number = float(text)
    if math.isinf(number):
        raise ValueError("a number beyond the range of a double")
    return number if any(char in text for char in ".eE") else int(text)


def strings(value: Any) -> Iterator[str]:
    """Every string of a parsed document, member names included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for name, member in value.items():
            yield name
            yield from strings(member)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
