"""Every error becomes an RFC 9457 problem with the contract's fixed texts (R5, R11).

Counterparts: ``flask_forge/errors.py``, ``django_forge/errors.py``. Views and parsing
raise ``ProblemError``; Starlette raises its own 404 and 405; pydantic raises validation
errors; anything else is a bug. The handlers installed by ``init_app`` turn each into
one response.
"""

from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"


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
# pydantic's error types in the contract's words; any other error on a field
# (string_type, ...) means the JSON value has the wrong type.
BODY_CODES = {
    "missing": "required",
    "null": "null",
    "blank": "blank",
    "too_long": "too_long",
    "invalid": "invalid",
    "literal_error": "enum",
    "extra_forbidden": "unknown_field",
}
QUERY_CODES = {
    "repeated": "type",
    "type": "type",
    "greater_than_equal": "out_of_range",
    "less_than_equal": "out_of_range",
    "literal_error": "enum",
}


class ProblemError(Exception):
    """Raised by views and parsing to answer with one of the problems above."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


def problem_response(
    problem: Problem, headers: dict[str, str] | None = None, **members: Any
) -> JSONResponse:
    """The one place that writes an error body."""
    return JSONResponse(
        {**problem.body(), **members},
        status_code=problem.status,
        headers=headers,
        media_type=PROBLEM_JSON,
    )


def pointer(member: str) -> str:
    """An RFC 6901 pointer to a top-level member, in URI fragment form (R11)."""
    token = member.replace("~", "~0").replace("/", "~1")
    return "#/" + quote(token, safe="!$&'()*+,;=:@/?")


def error_item(error: dict[str, Any]) -> dict[str, str]:
    """One pydantic error as the contract's ``{code, detail, pointer|parameter}``."""
    source, *location = error["loc"]
    kind = error["type"]
    if source == "query":
        parameter = str(location[0])
        code = QUERY_CODES[kind]
        detail = (
            REPEATED_PARAMETER
            if kind == "repeated"
            else PARAMETER_DETAILS[(parameter, code)]
        )
        return {"code": code, "detail": detail, "parameter": parameter}
    if not location:
        return {"code": "type", "detail": BODY_NOT_AN_OBJECT, "pointer": "#"}
    code = BODY_CODES.get(kind, "type")
    if code == "enum" and not isinstance(error["input"], str):
        code = "type"  # a Literal reports a number as a wrong choice, not a wrong type
    return {
        "code": code,
        "detail": FIELD_DETAILS[code],
        "pointer": pointer(str(location[0])),
    }


async def handle_problem(request: Request, exc: Exception) -> JSONResponse:
    """A problem raised on purpose by a view or by parsing."""
    assert isinstance(exc, ProblemError)
    return problem_response(exc.problem)


async def handle_validation_error(request: Request, exc: Exception) -> JSONResponse:
    """All of a request's validation errors at once, sorted by place then code."""
    assert isinstance(exc, RequestValidationError)
    items = [error_item(error) for error in exc.errors()]
    items.sort(
        key=lambda item: (item.get("pointer") or item["parameter"], item["code"])
    )
    return problem_response(VALIDATION_FAILED, errors=items)


async def handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    """A bug: answer the fixed 500 problem and let the server log the traceback."""
    return problem_response(INTERNAL_ERROR)


def init_app(app: FastAPI, allowed_methods: Callable[[Request], str]) -> None:
    """Install the handlers; ``allowed_methods`` gives the Allow header of a 405."""

    async def handle_http_exception(request: Request, exc: Exception) -> JSONResponse:
        """Starlette's routing errors: an unknown path or a method the path lacks."""
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            allow = allowed_methods(request)
            return problem_response(METHOD_NOT_ALLOWED, {"Allow": allow})
        if exc.status_code == 404:
            return problem_response(ROUTE_NOT_FOUND)
        phrase = HTTPStatus(exc.status_code).phrase  # Starlette raises no other today
        return problem_response(Problem(exc.status_code, phrase, phrase))

    # FastAPI picks the most specific handler for each exception.
    app.add_exception_handler(ProblemError, handle_problem)
    app.add_exception_handler(HTTPException, handle_http_exception)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(Exception, handle_unexpected)
