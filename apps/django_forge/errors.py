"""Every error becomes an RFC 9457 problem with the contract's fixed texts (R5, R11).

Counterparts: ``fastapi_forge/errors.py``, ``flask_forge/errors.py``. Inside a DRF view,
every exception reaches ``exception_handler`` (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``):
DRF's own (405, 415, parse and validation errors), the views' (404, 409, 413, 503).
Outside DRF, Django calls ``handler404`` for a path no route matches, ``handler400``
for a request it refuses, and ``handler500`` for a bug; ``urls.py`` installs them.
"""

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

from django.http import Http404, HttpRequest, JsonResponse
from rest_framework.exceptions import (
    APIException,
    ErrorDetail,
    MethodNotAllowed,
    NotFound,
    ParseError,
    UnsupportedMediaType,
    ValidationError,
)
from rest_framework.settings import api_settings

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
# DRF's error codes (and serializers.py's own) in the contract's words.
BODY_CODES = {
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
QUERY_CODES = {
    "repeated": "type",
    "invalid": "type",
    "min_value": "out_of_range",
    "max_value": "out_of_range",
    "invalid_choice": "enum",
}


class NameConflict(APIException):
    """Another user's name folds to the same key (R18)."""

    status_code = 409


class ContentTooLarge(APIException):
    """The body is over the size limit (R8)."""

    status_code = 413


class ServiceUnavailable(APIException):
    """The database does not answer (R24)."""

    status_code = 503


class QueryValidationError(ValidationError):
    """Errors of the query, reported by parameter rather than by pointer (R11)."""


PROBLEMS: dict[type[Exception], Problem] = {
    ParseError: MALFORMED_JSON,
    Http404: USER_NOT_FOUND,  # raised by get_object(): routing 404s never get here
    NotFound: USER_NOT_FOUND,
    MethodNotAllowed: METHOD_NOT_ALLOWED,
    NameConflict: NAME_CONFLICT,
    ContentTooLarge: CONTENT_TOO_LARGE,
    UnsupportedMediaType: UNSUPPORTED_MEDIA_TYPE,
    ServiceUnavailable: SERVICE_UNAVAILABLE,
}


def problem_response(problem: Problem, **members: Any) -> JsonResponse:
    """The one place that writes an error body."""
    return JsonResponse(
        {**problem.body(), **members},
        status=problem.status,
        content_type=PROBLEM_JSON,
        # As DRF's JSONRenderer writes the views' bodies: compact, characters unescaped.
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )


def pointer(member: str) -> str:
    """An RFC 6901 pointer to a top-level member, in URI fragment form (R11)."""
    token = member.replace("~", "~0").replace("/", "~1")
    return "#/" + quote(token, safe="!$&'()*+,;=:@/?")


def body_error(member: str, drf_code: str) -> dict[str, str]:
    """A member's error as ``{code, detail, pointer}``."""
    code = BODY_CODES[drf_code]
    # DRF files errors of the body as a whole under a key of its own, which a
    # member of that name can only share as an unknown field.
    if member == api_settings.NON_FIELD_ERRORS_KEY and code != "unknown_field":
        return {"code": "type", "detail": BODY_NOT_AN_OBJECT, "pointer": "#"}
    return {"code": code, "detail": FIELD_DETAILS[code], "pointer": pointer(member)}


def query_error(parameter: str, drf_code: str) -> dict[str, str]:
    """A parameter's error as ``{code, detail, parameter}``."""
    code = QUERY_CODES[drf_code]
    detail = (
        REPEATED_PARAMETER
        if drf_code == "repeated"
        else PARAMETER_DETAILS[(parameter, code)]
    )
    return {"code": code, "detail": detail, "parameter": parameter}


def exception_handler(exc: Exception, context: dict[str, Any]) -> JsonResponse | None:
    """DRF's exceptions and the views' as problems; ``None`` leaves a bug to Django."""
    if isinstance(exc, ValidationError):
        # Serializers report by field; a field's first error is the one R12, R13 and
        # R20 ask for, as the fields check in the contract's order.
        detail = cast(dict[str, list[ErrorDetail]], exc.detail)
        describe = query_error if isinstance(exc, QueryValidationError) else body_error
        items = [describe(name, str(errors[0].code)) for name, errors in detail.items()]
        items.sort(
            key=lambda item: (item.get("pointer") or item["parameter"], item["code"])
        )
        return problem_response(VALIDATION_FAILED, errors=items)
    for kind, problem in PROBLEMS.items():
        if isinstance(exc, kind):
            return problem_response(problem)
    return None  # DRF re-raises it, and Django answers with handler500


def handler400(request: HttpRequest, exception: Exception) -> JsonResponse:
    """A request Django refuses before any view, such as a Host not allowed."""
    phrase = HTTPStatus.BAD_REQUEST.phrase
    return problem_response(Problem(400, phrase, phrase))


def handler404(request: HttpRequest, exception: Exception) -> JsonResponse:
    """A path that no route matches (R2, R3)."""
    return problem_response(ROUTE_NOT_FOUND)


def handler500(request: HttpRequest) -> JsonResponse:
    """A bug: answer the fixed 500 problem; settings.LOGGING logs the traceback."""
    return problem_response(INTERNAL_ERROR)
