"""The contract's JSON Schemas that no generator derives: problems, ids, headers.

This file is the same in ``fastapi_forge``, ``flask_forge`` and ``django_forge``
(``tests/test_layout.py`` keeps the copies identical). Each app's ``docs.py`` hands
these to its framework's OpenAPI generator, which writes everything else from the
routes and shapes.
"""

from collections.abc import Iterable
from typing import Any

from .contract import (
    BEARER,
    CONTENT_TOO_LARGE,
    FIELD_DETAILS,
    INVALID_TOKEN,
    MALFORMED_JSON,
    METHOD_ORDER,
    NAME_CONFLICT,
    QUERY_CODES,
    ROUTE_NOT_FOUND,
    TIERS,
    UNSUPPORTED_MEDIA_TYPE,
    USER_NOT_FOUND,
    VALIDATION_FAILED,
    Problem,
    body_error,
    query_error,
)

USER_ID = {"type": "string", "pattern": "^[1-9][0-9]{0,18}$", "maxLength": 19}
"""R3's id as text: an integer schema would invite clients to send ``01`` or ``+1``."""
LOCATION = {"type": "string", "pattern": "^/forge/users/[1-9][0-9]{0,18}$"}
"""R15: the path of the created user, no scheme or host."""
TIER = {"type": "string", "enum": list(TIERS)}
NAME_PATTERN = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
"""R12: a stored name holds no control character."""
_STRIPPED = (  # what str.strip() strips (R12 step 4)
    "\\u0009-\\u000D\\u001C-\\u0020\\u0085\\u00A0\\u1680\\u2000-\\u200A"
    "\\u2028\\u2029\\u202F\\u205F\\u3000"
)
_CONTROL = "\\u0000-\\u001F\\u007F-\\u009F"  # R12 step 7
_STRIPPED_OR_CONTROL = (  # what cannot begin or end a stripped name
    "\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A"
    "\\u2028\\u2029\\u202F\\u205F\\u3000"
)
_END = f"[^{_STRIPPED_OR_CONTROL}]"
NAME_INPUT_PATTERN = (
    f"^[{_STRIPPED}]*{_END}(?:[^{_CONTROL}]{{0,62}}{_END})?[{_STRIPPED}]*$"
)
"""R12 for a name as sent: around what ``str.strip()`` strips, 1 to 64 characters
that are no control characters, first and last not strippable. (Counted in code
points, as Python counts; a regex engine counting UTF-16 units is stricter.)"""
TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"
"""R1: the one form of ``created_at``."""
BODY_PROBLEMS = (
    MALFORMED_JSON,
    NAME_CONFLICT,
    CONTENT_TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
)
"""What a request with a body may also get (R6 to R9, R18)."""
ID_NOT_FOUND = (USER_NOT_FOUND, ROUTE_NOT_FOUND)
"""The 404s of a path with ``{id}``: OpenAPI tools match a URL by the path's template,
not by the parameter's pattern, so they read ``/forge/users/abc`` (the route 404, R3)
as that operation too."""

# Examples for the docs pages, which would otherwise make them up from the patterns:
# a name like 'tA>KEeaAEp](' created in month 78.
NAME_EXAMPLE = "Ada Lovelace"
TIMESTAMP_EXAMPLE = "2026-11-24T10:15:30.123456Z"
USER_EXAMPLE: dict[str, Any] = {
    "id": 1,
    "name": NAME_EXAMPLE,
    "tier": "Standard",
    "created_at": TIMESTAMP_EXAMPLE,
}
PAGE_EXAMPLE: dict[str, Any] = {
    "items": [USER_EXAMPLE],
    "total": 1,
    "limit": 20,
    "offset": 0,
}
CREATE_EXAMPLE: dict[str, Any] = {"name": NAME_EXAMPLE}
UPDATE_EXAMPLE: dict[str, Any] = {"tier": "Pro"}
BEARER_AUTH = "bearerAuth"
SECURITY_SCHEMES = {
    BEARER_AUTH: {
        "type": "http",
        "scheme": "bearer",
        "description": (
            "The server's API token (R26), when it was started with one"
            " (`FORGE_API_TOKEN` in the Forge apps): at least 32 RFC 6750 b64token"
            " characters."
        ),
    }
}
WRITE_SECURITY: list[dict[str, list[str]]] = [{}, {BEARER_AUTH: []}]
"""R26: a write takes no credentials, or the bearer token when the server has one."""
CHALLENGE = {"type": "string", "enum": [BEARER, INVALID_TOKEN]}
"""R26: the ``WWW-Authenticate`` of a 401."""
TAGS = {"/forge/users": "users", "/forge/users/{id}": "users", "/healthz": "health"}
"""The contract's tag of each path, which groups the operations on a docs page."""


def problem_schema(problem: Problem) -> dict[str, Any]:
    """The body of one problem of R5, its members pinned to the contract's texts."""
    return {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "additionalProperties": False,
        "properties": {
            "type": {
                "type": "string",
                "format": "uri-reference",
                "const": problem.type,
            },
            "title": {"type": "string", "const": problem.title},
            "status": {"type": "integer", "const": problem.status},
            "detail": {"type": "string", "const": problem.detail},
        },
    }


def problems_by_status(problems: Iterable[Problem]) -> dict[int, dict[str, Any]]:
    """The problem+json schema of each status: one problem's, or a oneOf of those that
    share it."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    for problem in problems:
        grouped.setdefault(problem.status, []).append(problem_schema(problem))
    return {
        status: schemas[0] if len(schemas) == 1 else {"oneOf": schemas}
        for status, schemas in grouped.items()
    }


def validation_schema(
    place: str, codes: list[str], example: dict[str, str], **place_schema: Any
) -> Any:
    """The 422 problem whose ``errors`` name a ``place`` (pointer or parameter)."""
    schema = problem_schema(VALIDATION_FAILED)
    schema["examples"] = [{**VALIDATION_FAILED.body(), "errors": [example]}]
    error = {
        "type": "object",
        "required": ["code", "detail", place],
        "additionalProperties": False,
        "properties": {
            "code": {"type": "string", "enum": codes},
            "detail": {"type": "string"},
            place: {"type": "string", **place_schema},
        },
    }
    schema["required"].append("errors")
    schema["properties"]["errors"] = {"type": "array", "minItems": 1, "items": error}
    return schema


BODY_VALIDATION = validation_schema(
    "pointer",
    list(FIELD_DETAILS),
    body_error("blank", "name"),
    pattern="^#(/([A-Za-z0-9._!$&'()*+,;=:@?-]|~[01]|%[0-9A-F]{2})*)?$",
)
QUERY_VALIDATION = validation_schema(
    "parameter",
    list(QUERY_CODES),
    query_error("out_of_range", "limit"),
    enum=["limit", "offset", "tier"],
)


def header(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A response header the contract requires."""
    return {name: {"required": True, "schema": {"type": "string", **schema}}}


def in_method_order(paths: dict[str, Any]) -> dict[str, Any]:
    """Each path's operations in the order of R4's Allow, as a docs page lists them."""
    order = [method.lower() for method in METHOD_ORDER]
    return {
        path: dict(
            sorted(
                item.items(),
                key=lambda entry: order.index(entry[0]) if entry[0] in order else -1,
            )
        )
        for path, item in paths.items()
    }
