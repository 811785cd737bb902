"""Every error becomes an RFC 9457 problem with the contract's fixed texts (R5, R11).

Counterparts: ``fastapi_forge/errors.py``, ``flask_forge/errors.py``. Inside a DRF view,
every exception reaches ``exception_handler`` (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``):
DRF's own (401, 405, 415, validation errors), the views' (404, 409, 503) and the
parser's ``ProblemError`` (413, 400). Outside DRF, Django calls ``handler404`` for a
path no route matches, ``handler400`` for a request it refuses, and ``handler500`` for
a bug; ``urls.py`` installs them. ``contract.py`` holds the texts.
"""

from http import HTTPStatus
from typing import Any, cast

from django.core.exceptions import DisallowedHost
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework.exceptions import (
    APIException,
    AuthenticationFailed,
    ErrorDetail,
    MethodNotAllowed,
    NotAuthenticated,
    NotFound,
    UnsupportedMediaType,
    ValidationError,
)
from rest_framework.settings import api_settings

from django_forge.contract import (
    HOST_NOT_SERVED,
    INTERNAL_ERROR,
    METHOD_NOT_ALLOWED,
    NAME_CONFLICT,
    PROBLEM_JSON,
    ROUTE_NOT_FOUND,
    SERVICE_UNAVAILABLE,
    UNAUTHORIZED,
    UNSUPPORTED_MEDIA_TYPE,
    USER_NOT_FOUND,
    VALIDATION_FAILED,
    Problem,
    ProblemError,
    body_error,
    query_error,
    sorted_errors,
)

# DRF's error codes (and serializers.py's own) in the contract's words.
DRF_BODY_CODES = {
    "required": "required",
    "null": "null",
    "type": "type",
    "blank": "blank",
    "max_length": "too_long",
    "invalid": "invalid",
    "null_characters_not_allowed": "invalid",
    "invalid_choice": "enum",
    "unknown_field": "unknown_field",
}
DRF_QUERY_CODES = {
    "repeated": "repeated",
    "invalid": "type",
    "min_value": "out_of_range",
    "max_value": "out_of_range",
    "invalid_choice": "enum",
}


class NameConflict(APIException):
    """Another user's name folds to the same key (R18)."""

    status_code = 409


class ServiceUnavailable(APIException):
    """The database does not answer (R24)."""

    status_code = 503


class QueryValidationError(ValidationError):
    """Errors of the query, reported by parameter rather than by pointer (R11)."""


PROBLEMS: dict[type[Exception], Problem] = {
    Http404: USER_NOT_FOUND,  # raised by get_object(): routing 404s never get here
    NotFound: USER_NOT_FOUND,
    MethodNotAllowed: METHOD_NOT_ALLOWED,
    NameConflict: NAME_CONFLICT,
    UnsupportedMediaType: UNSUPPORTED_MEDIA_TYPE,
    ServiceUnavailable: SERVICE_UNAVAILABLE,
}


def problem_response(problem: Problem, **members: Any) -> JsonResponse:
    """The one place that writes an error body."""
    return JsonResponse(
        {**problem.body(), **members},
        status=problem.status,
        content_type=PROBLEM_JSON,
        # R5: as renderers.py writes the views' bodies, every character as itself.
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )


def error_items(error: ValidationError) -> list[dict[str, str]]:
    """A serializer's errors as the contract's ``{code, detail, pointer|parameter}``."""
    # Serializers report by field; a field's first error is the one R12, R13 and
    # R20 ask for, as the fields check in the contract's order.
    detail = cast(dict[str, list[ErrorDetail]], error.detail)
    firsts = {name: str(errors[0].code) for name, errors in detail.items()}
    if isinstance(error, QueryValidationError):
        return [
            query_error(DRF_QUERY_CODES[code], name) for name, code in firsts.items()
        ]
    # DRF files errors of the body as a whole under a key of its own, which a
    # member of that name can only share as an unknown field (R10).
    whole = api_settings.NON_FIELD_ERRORS_KEY
    return [
        body_error(
            DRF_BODY_CODES[code],
            None if name == whole and code != "unknown_field" else name,
        )
        for name, code in firsts.items()
    ]


def exception_handler(exc: Exception, context: dict[str, Any]) -> JsonResponse | None:
    """DRF's exceptions and the views' as problems; ``None`` leaves a bug to Django."""
    if isinstance(exc, ValidationError):
        return problem_response(
            VALIDATION_FAILED, errors=sorted_errors(error_items(exc))
        )
    if isinstance(exc, ProblemError):
        return problem_response(exc.problem)
    if isinstance(exc, NotAuthenticated | AuthenticationFailed):
        response = problem_response(UNAUTHORIZED)
        # R26: DRF's challenge, the first authenticator's authenticate_header(),
        # which DRF's own handler sets and a handler of one's own must set too.
        view, request = context["view"], context["request"]
        response["WWW-Authenticate"] = view.get_authenticate_header(request)
        return response
    for kind, problem in PROBLEMS.items():
        if isinstance(exc, kind):
            return problem_response(problem)
    return None  # DRF re-raises it, and Django answers with handler500


def handler400(request: HttpRequest, exception: Exception) -> JsonResponse:
    """A request Django refuses before any view: a Host not allowed is R28's."""
    if isinstance(exception, DisallowedHost):
        return problem_response(HOST_NOT_SERVED)
    phrase = HTTPStatus.BAD_REQUEST.phrase
    return problem_response(Problem(400, phrase, phrase))


def handler404(request: HttpRequest, exception: Exception) -> JsonResponse:
    """A path that no route matches (R2, R3)."""
    return problem_response(ROUTE_NOT_FOUND)


def handler500(request: HttpRequest) -> JsonResponse:
    """A bug: the fixed 500 problem (R25); settings.LOGGING logs the traceback."""
    return problem_response(INTERNAL_ERROR)
