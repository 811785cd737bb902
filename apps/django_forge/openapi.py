"""The contract's JSON Schemas that no generator derives: problems, ids, headers.

This file is the same in ``fastapi_forge``, ``flask_forge`` and ``django_forge``
(``tests/test_layout.py`` keeps the copies identical). Each app's ``docs.py`` hands
these to its framework's OpenAPI generator, which writes everything else from the
routes and shapes.
"""

from typing import Any

from .contract import (
    CONTENT_TOO_LARGE,
    FIELD_DETAILS,
    MALFORMED_JSON,
    NAME_CONFLICT,
    QUERY_CODES,
    TIERS,
    UNSUPPORTED_MEDIA_TYPE,
    VALIDATION_FAILED,
    Problem,
)

USER_ID = {"type": "string", "pattern": "^[1-9][0-9]{0,18}$", "maxLength": 19}
"""R3's id as text: an integer schema would invite clients to send ``01`` or ``+1``."""
LOCATION = {"type": "string", "pattern": "^/forge/users/[1-9][0-9]{0,18}$"}
"""R15: the path of the created user, no scheme or host."""
TIER = {"type": "string", "enum": list(TIERS)}
NAME_PATTERN = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
"""R12: a stored name holds no control character."""
TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"
"""R1: the one form of ``created_at``."""
BODY_PROBLEMS = (
    MALFORMED_JSON,
    NAME_CONFLICT,
    CONTENT_TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
)
"""What a request with a body may also get (R6 to R9, R18)."""


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


def validation_schema(place: str, codes: list[str], **place_schema: Any) -> Any:
    """The 422 problem whose ``errors`` name a ``place`` (pointer or parameter)."""
    schema = problem_schema(VALIDATION_FAILED)
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
    pattern="^#(/([A-Za-z0-9._!$&'()*+,;=:@?-]|~[01]|%[0-9A-F]{2})*)?$",
)
QUERY_VALIDATION = validation_schema(
    "parameter", list(QUERY_CODES), enum=["limit", "offset", "tier"]
)


def header(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A response header the contract requires."""
    return {name: {"required": True, "schema": {"type": "string", **schema}}}
