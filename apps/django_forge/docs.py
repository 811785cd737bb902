"""What the OpenAPI document says beyond the serializers, and Swagger UI's files.

Counterparts: ``fastapi_forge/docs.py``, ``flask_forge/docs.py``. drf-spectacular
writes the document from the viewset and serializers; ``views.py`` adds, through
``extend_schema``, the problem answers and the Location header built here from
``errors.py``. drf-spectacular's own ``SpectacularSwaggerView`` serves /docs
(``urls.py``), loading Swagger UI from ``SPECTACULAR_SETTINGS["SWAGGER_UI_DIST"]``,
which ``settings.py`` points at ``swagger_ui_file`` below: the swagger-ui-py package's
files, served by the app itself, so the page works with no network. The README's
OpenAPI section lists what the document still lacks.
"""

from importlib.resources import files
from typing import Any

from django.http import FileResponse, HttpRequest
from django.views.static import serve
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from django_forge.errors import (
    CONTENT_TOO_LARGE,
    FIELD_DETAILS,
    MALFORMED_JSON,
    NAME_CONFLICT,
    PROBLEM_JSON,
    UNSUPPORTED_MEDIA_TYPE,
    VALIDATION_FAILED,
    Problem,
)

SWAGGER_UI = files("swagger_ui") / "static"
USER_ID = OpenApiParameter(
    "id",
    {"type": "string", "pattern": "^[1-9][0-9]{0,18}$", "maxLength": 19},
    OpenApiParameter.PATH,
)
"""R3's id as text; drf-spectacular would write ``lookup_value_regex`` unanchored."""
LOCATION = {"pattern": "^/forge/users/[1-9][0-9]{0,18}$"}
BODY_PROBLEMS = (
    MALFORMED_JSON,
    NAME_CONFLICT,
    CONTENT_TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
)

Responses = dict[int | tuple[int, str], Any]


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
    "parameter", ["type", "out_of_range", "enum"], enum=["limit", "offset", "tier"]
)


def problems(*problems: Problem, validation: Any = None) -> Responses:
    """``extend_schema`` responses for these problems, and the 422 if ``validation``."""
    # A (status, media type) key: DRF's renderer would make them application/json.
    responses: Responses = {
        (problem.status, PROBLEM_JSON): OpenApiResponse(
            problem_schema(problem), description=problem.title
        )
        for problem in problems
    }
    if validation is not None:
        responses[(422, PROBLEM_JSON)] = OpenApiResponse(
            validation, description=VALIDATION_FAILED.title
        )
    return responses


LOCATION_HEADER = OpenApiParameter(
    "Location",
    {"type": "string", **LOCATION},
    OpenApiParameter.HEADER,
    required=True,
    response=[201],  # a header of the 201, not of the request
)


def swagger_ui_file(request: HttpRequest, name: str) -> FileResponse:
    """One of Swagger UI's files; any other name is the route 404."""
    # Django serves no static files without DEBUG; these three are the docs page's.
    response: FileResponse = serve(request, name, document_root=str(SWAGGER_UI))
    return response
