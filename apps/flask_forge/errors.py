"""Every error becomes an RFC 9457 problem with the contract's fixed texts (R5, R11).

Counterparts: ``fastapi_forge/errors.py``, ``django_forge/errors.py``. Views and parsing
raise ``ProblemError``, ``auth.py`` its ``UnauthorizedError``; Werkzeug raises its own
404, 405 and, for any exception nobody handled, a 500; marshmallow raises validation
errors. The handlers ``init_app`` installs turn each into one response, never Flask's
HTML error pages; ``contract.py`` holds the texts.
"""

from http import HTTPStatus
from typing import Any

from flask import Flask, Response, jsonify
from marshmallow import ValidationError
from marshmallow.exceptions import SCHEMA
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from flask_forge.contract import (
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
from flask_forge.routing import allowed_methods

# Werkzeug's own exceptions, by status: routing raises 404 and 405, and Flask wraps
# every exception no handler took in a 500 (R25).
WERKZEUG_PROBLEMS = {404: ROUTE_NOT_FOUND, 500: INTERNAL_ERROR}


class QueryValidationError(ValidationError):
    """Errors of the list query, told apart from a body's: they name parameters."""


class UnauthorizedError(ProblemError):
    """The 401 of a write without the server's token, and its challenge (R26)."""

    def __init__(self, challenge: str) -> None:
        super().__init__(UNAUTHORIZED)
        self.challenge = challenge


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


def error_items(error: ValidationError, in_query: bool) -> list[dict[str, str]]:
    """marshmallow's errors as the contract's ``{code, detail, pointer|parameter}``."""
    # The schemas' messages are the contract's codes. marshmallow runs every
    # validator of a field; R11 keeps the first that failed, in declaration order.
    messages: dict[str, list[str]] = error.messages_dict
    if in_query:
        return [query_error(codes[0], name) for name, codes in messages.items()]
    return [
        # R10: the schema's own "type" error is the body that is not an object.
        body_error(codes[0], None if (name, codes[0]) == (SCHEMA, "type") else name)
        for name, codes in messages.items()
    ]


def init_app(app: Flask) -> None:
    """Install the handlers; Flask picks the most specific one for each exception."""

    @app.errorhandler(ProblemError)
    def handle_problem(error: ProblemError) -> Response:
        """A problem raised on purpose by a view or by parsing."""
        return problem_response(error.problem)

    @app.errorhandler(UnauthorizedError)
    def handle_unauthorized(error: UnauthorizedError) -> Response:
        """A write without the token: the one answer with WWW-Authenticate (R26)."""
        # Not Werkzeug's Unauthorized: its WWWAuthenticate writes error=invalid_token
        # unquoted, and R26 fixes the value to the byte.
        return problem_response(error.problem, {"WWW-Authenticate": error.challenge})

    # Also the 500 that Flask makes of an unhandled exception, after logging it.
    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException) -> Response:
        """Werkzeug's errors: an unknown path, a method the path lacks, a crash."""
        if isinstance(error, MethodNotAllowed):  # R4: with the path's Allow
            return problem_response(METHOD_NOT_ALLOWED, {"Allow": allowed_methods()})
        status = error.code or 500
        phrase = HTTPStatus(status).phrase  # the app gives Werkzeug no cause for others
        return problem_response(
            WERKZEUG_PROBLEMS.get(status, Problem(status, phrase, phrase))
        )

    @app.errorhandler(ValidationError)
    def handle_body_errors(error: ValidationError) -> Response:
        """All of a body's validation errors at once (R10 to R14)."""
        items = error_items(error, in_query=False)
        return problem_response(VALIDATION_FAILED, errors=sorted_errors(items))

    @app.errorhandler(QueryValidationError)
    def handle_query_errors(error: QueryValidationError) -> Response:
        """All of the list query's validation errors at once (R20)."""
        items = error_items(error, in_query=True)
        return problem_response(VALIDATION_FAILED, errors=sorted_errors(items))
