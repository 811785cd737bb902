"""Every error becomes an RFC 9457 problem with the contract's fixed texts (R5, R11).

Counterparts: ``fastapi_forge/errors.py``, ``django_forge/errors.py``. Views and parsing
raise ``ProblemError``; Werkzeug raises its own 404, 405 and, for any exception nobody
handled, a 500; marshmallow raises validation errors. The handlers installed by
``init_app`` turn each into one response, never Flask's HTML error pages.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from flask import Flask, Response, jsonify
from marshmallow import ValidationError
from marshmallow.exceptions import SCHEMA
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from flask_forge.schemas import QueryValidationError

PROBLEM_JSON = "application/problem+json"
# R4: the order of the Allow header; Werkzeug lists a path's methods in set order.
METHOD_ORDER = ("GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS")


@dataclass(frozen=True)
class Problem:
    """One row of the contract's problem table (R5)."""

    status: int
    title: str
    detail: str
    type: str = "about:blank"

    def body(self) -> dict[str, Any]:
        """The problem document, without the ``errors`` of a 422."""
        return {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }


# The titles of about:blank problems are RFC 9110's reason phrases, written out:
# Python 3.11's HTTPStatus still says "Request Entity Too Large" for 413.
MALFORMED_JSON = Problem(
    400,
    "Malformed JSON",
    "The request body is not a valid I-JSON document.",
    "urn:forge:problem:malformed-json",
)
ROUTE_NOT_FOUND = Problem(404, "Not Found", "No API path matches this URL.")
USER_NOT_FOUND = Problem(404, "Not Found", "No user exists with this id.")
METHOD_NOT_ALLOWED = Problem(
    405,
    "Method Not Allowed",
    "This method is not allowed on this path; the Allow header lists the allowed ones.",
)
NAME_CONFLICT = Problem(
    409,
    "Name already in use",
    "Another user already has this name.",
    "urn:forge:problem:conflict",
)
CONTENT_TOO_LARGE = Problem(
    413, "Content Too Large", "The request body is larger than 16384 bytes."
)
UNSUPPORTED_MEDIA_TYPE = Problem(
    415,
    "Unsupported Media Type",
    "The request body must be sent as application/json"
    " with charset utf-8 or no charset.",
)
VALIDATION_FAILED = Problem(
    422,
    "Validation failed",
    "The request has invalid values; the errors member lists each one.",
    "urn:forge:problem:validation-error",
)
INTERNAL_ERROR = Problem(
    500, "Internal Server Error", "The server could not handle this request."
)
SERVICE_UNAVAILABLE = Problem(
    503, "Service Unavailable", "The database is not answering."
)
# Werkzeug's own exceptions, by status: routing raises 404 and 405, and Flask wraps
# every exception no handler took in a 500.
WERKZEUG_PROBLEMS = {404: ROUTE_NOT_FOUND, 500: INTERNAL_ERROR}

FIELD_DETAILS = {
    "required": "This field is required.",
    "null": "This field must not be null.",
    "type": "This field must be a string.",
    "blank": "This field must not be blank.",
    "too_long": "This field must be at most 64 characters long.",
    "invalid": "This field must not contain control characters.",
    "enum": "This field must be one of: Standard, Pro, Enterprise.",
    "unknown_field": "This field is not allowed.",
}
BODY_NOT_AN_OBJECT = "The request body must be a JSON object."
NOT_AN_INTEGER = (
    "This parameter must be a decimal integer: digits only, no sign, no leading zeros."
)
PARAMETER_DETAILS = {
    ("limit", "type"): NOT_AN_INTEGER,
    ("limit", "out_of_range"): "This parameter must be between 1 and 100.",
    ("offset", "type"): NOT_AN_INTEGER,
    ("offset", "out_of_range"): (
        "This parameter must be between 0 and 9223372036854775807."
    ),
    ("tier", "enum"): "This parameter must be one of: Standard, Pro, Enterprise.",
}
REPEATED_PARAMETER = "This parameter must be given at most once."


class ProblemError(Exception):
    """Raised by views and parsing to answer with one of the problems above."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


def problem_response(
    problem: Problem, headers: dict[str, str] | None = None, **members: Any
) -> Response:
    """The one place that writes an error body."""
    # jsonify() as the views use it, so errors are written alike, under their own type.
    response = jsonify({**problem.body(), **members})
    response.status_code = problem.status
    response.mimetype = PROBLEM_JSON
    response.headers.update(headers or {})
    return response


def allow_header(methods: Iterable[str]) -> str:
    """The ``Allow`` header of a path with these methods, in the order of R4."""
    allowed = set(methods)
    return ", ".join(method for method in METHOD_ORDER if method in allowed)


def pointer(member: str) -> str:
    """An RFC 6901 pointer to a top-level member, in URI fragment form (R11)."""
    token = member.replace("~", "~0").replace("/", "~1")
    return "#/" + quote(token, safe="!$&'()*+,;=:@/?")


def body_error(member: str, code: str) -> dict[str, str]:
    """One body error as the contract's ``{code, detail, pointer}``."""
    if member == SCHEMA and code == "type":  # the body itself is not an object
        return {"code": code, "detail": BODY_NOT_AN_OBJECT, "pointer": "#"}
    return {"code": code, "detail": FIELD_DETAILS[code], "pointer": pointer(member)}


def query_error(parameter: str, code: str) -> dict[str, str]:
    """One query error as the contract's ``{code, detail, parameter}``."""
    if code == "repeated":
        return {"code": "type", "detail": REPEATED_PARAMETER, "parameter": parameter}
    detail = PARAMETER_DETAILS[(parameter, code)]
    return {"code": code, "detail": detail, "parameter": parameter}


def validation_response(error: ValidationError, in_query: bool) -> Response:
    """All of a request's validation errors at once, sorted by place then code."""
    assert isinstance(error.messages, dict)
    item = query_error if in_query else body_error
    # The schemas' messages are the contract's codes. marshmallow runs every
    # validator of a field; R11 keeps the first that failed, in declaration order.
    items = [item(place, codes[0]) for place, codes in error.messages.items()]
    items.sort(
        key=lambda item: (item.get("pointer") or item["parameter"], item["code"])
    )
    return problem_response(VALIDATION_FAILED, errors=items)


def handle_problem(error: ProblemError) -> Response:
    """A problem raised on purpose by a view or by parsing."""
    return problem_response(error.problem)


def handle_http_exception(error: HTTPException) -> Response:
    """Werkzeug's errors: an unknown path, a method the path lacks, a crash."""
    if isinstance(error, MethodNotAllowed):
        allow = allow_header(error.valid_methods or ())
        return problem_response(METHOD_NOT_ALLOWED, {"Allow": allow})
    status = error.code or 500
    phrase = HTTPStatus(status).phrase  # the app gives Werkzeug no cause for others
    return problem_response(
        WERKZEUG_PROBLEMS.get(status, Problem(status, phrase, phrase))
    )


def handle_body_errors(error: ValidationError) -> Response:
    """marshmallow's errors on a request body (R10 to R14)."""
    return validation_response(error, in_query=False)


def handle_query_errors(error: QueryValidationError) -> Response:
    """marshmallow's errors on the list query (R20)."""
    return validation_response(error, in_query=True)


def init_app(app: Flask) -> None:
    """Install the handlers; Flask picks the most specific one for each exception."""
    app.register_error_handler(ProblemError, handle_problem)
    # Also the 500 that Flask makes of an unhandled exception, after logging it.
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ValidationError, handle_body_errors)
    app.register_error_handler(QueryValidationError, handle_query_errors)
