"""Every error becomes an RFC 9457 problem with the contract's fixed texts (R5, R11).

Counterparts: ``flask_forge/errors.py``, ``django_forge/errors.py``. Views and parsing
raise ``ProblemError``; Starlette raises its own 404 and 405, and ``auth.py`` FastAPI's
401; pydantic raises validation errors; anything else is a bug. The handlers
``init_app`` installs turn each into one response; ``contract.py`` holds the texts.
"""

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from fastapi_forge.contract import (
    INTERNAL_ERROR,
    METHOD_NOT_ALLOWED,
    PROBLEM_JSON,
    ROUTE_NOT_FOUND,
    UNAUTHORIZED,
    VALIDATION_FAILED,
    Problem,
    ProblemError,
    body_error,
    query_error,
    sorted_errors,
)
from fastapi_forge.routing import allowed_methods

# pydantic's error types in the contract's words; any other error on a field
# (string_type, ...) means the JSON value has the wrong type.
PYDANTIC_BODY_CODES = {
    "missing": "required",
    "null": "null",
    "blank": "blank",
    "too_long": "too_long",
    "invalid": "invalid",
    "literal_error": "enum",
    "extra_forbidden": "unknown_field",
}
PYDANTIC_QUERY_CODES = {
    "repeated": "repeated",
    "type": "type",
    "greater_than_equal": "out_of_range",
    "less_than_equal": "out_of_range",
    "literal_error": "enum",
}


def problem_response(
    problem: Problem, headers: Mapping[str, str] | None = None, **members: Any
) -> JSONResponse:
    """The one place that writes an error body."""
    return JSONResponse(
        {**problem.body(), **members},
        status_code=problem.status,
        headers=headers,
        media_type=PROBLEM_JSON,
    )


def error_item(error: dict[str, Any]) -> dict[str, str]:
    """One pydantic error as the contract's ``{code, detail, pointer|parameter}``."""
    source, *location = error["loc"]
    if source == "query":
        return query_error(PYDANTIC_QUERY_CODES[error["type"]], str(location[0]))
    if not location:  # R10: the body itself is not an object
        return body_error("type", None)
    code = PYDANTIC_BODY_CODES.get(error["type"], "type")
    if code == "enum" and not isinstance(error["input"], str):
        code = "type"  # R13: a Literal reports a number as a wrong choice
    return body_error(code, str(location[0]))


def init_app(app: FastAPI) -> None:
    """Install the handlers; FastAPI picks the most specific one for each exception."""

    @app.exception_handler(ProblemError)
    async def handle_problem(request: Request, error: ProblemError) -> JSONResponse:
        """A problem raised on purpose by a view or by parsing."""
        return problem_response(error.problem)

    @app.exception_handler(HTTPException)
    async def handle_http_exception(
        request: Request, error: HTTPException
    ) -> JSONResponse:
        """Starlette's routing errors (an unknown path or a method the path lacks) and
        the security dependency's 401."""
        if error.status_code == 401:  # R26: with the challenge auth.py chose
            return problem_response(UNAUTHORIZED, error.headers)
        if error.status_code == 405:  # R4: with the Allow of every route of the path
            allow = allowed_methods(request)
            return problem_response(METHOD_NOT_ALLOWED, {"Allow": allow})
        if error.status_code == 404:
            return problem_response(ROUTE_NOT_FOUND)
        phrase = HTTPStatus(error.status_code).phrase  # Starlette raises no other today
        return problem_response(Problem(error.status_code, phrase, phrase))

    @app.exception_handler(RequestValidationError)
    async def handle_validation_error(
        request: Request, error: RequestValidationError
    ) -> JSONResponse:
        """All of a request's validation errors at once (R11)."""
        items = [error_item(item) for item in error.errors()]
        return problem_response(VALIDATION_FAILED, errors=sorted_errors(items))

    @app.exception_handler(Exception)
    async def handle_unexpected(request: Request, error: Exception) -> JSONResponse:
        """A bug: the fixed 500 problem (R25); the server logs the traceback."""
        return problem_response(INTERNAL_ERROR)
