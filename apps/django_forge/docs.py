"""What the OpenAPI document says beyond the serializers, and Swagger UI's files.

Counterparts: ``fastapi_forge/docs.py``, ``flask_forge/docs.py``. drf-spectacular
writes the document from the viewset and serializers; ``describe_users`` and
``describe_health`` below, one decorator per view of ``views.py``, add each action's
summary, problem answers and headers, built from ``contract.py`` and ``openapi.py``;
``BearerTokenScheme`` describes ``auth.py``'s authentication (R26).
drf-spectacular's own ``SpectacularSwaggerView`` serves /docs (``urls.py``), loading
Swagger UI from ``SPECTACULAR_SETTINGS["SWAGGER_UI_DIST"]``, which ``settings.py``
points at ``swagger_ui_file`` below: the swagger-ui-py package's files, served by the
app itself, so the page works with no network. The README's OpenAPI section lists
what the document still lacks.
"""

from importlib.resources import files
from typing import Any

from django.http import FileResponse, HttpRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.static import serve
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from django_forge.auth import BearerTokenAuthentication
from django_forge.contract import (
    HOST_NOT_SERVED,
    INTERNAL_ERROR,
    PROBLEM_JSON,
    SERVICE_UNAVAILABLE,
    UNAUTHORIZED,
    VALIDATION_FAILED,
    WRITE_METHODS,
    Problem,
)
from django_forge.openapi import (
    BEARER_AUTH,
    BODY_PROBLEMS,
    BODY_VALIDATION,
    CHALLENGE,
    CREATE_EXAMPLE,
    ID_NOT_FOUND,
    LOCATION,
    NAME_INPUT_PATTERN,
    PAGE_EXAMPLE,
    QUERY_VALIDATION,
    SECURITY_SCHEMES,
    TAGS,
    UPDATE_EXAMPLE,
    USER_EXAMPLE,
    USER_ID,
    WRITE_SECURITY,
    problems_by_status,
)
from django_forge.serializers import (
    HealthSerializer,
    UserListQuerySerializer,
    UserPageSerializer,
    UserSerializer,
)

SWAGGER_UI = files("swagger_ui") / "static"
# R3's id as text; drf-spectacular would write lookup_value_regex unanchored.
USER_ID_PARAMETER = OpenApiParameter("id", USER_ID, OpenApiParameter.PATH)
LOCATION_HEADER = OpenApiParameter(
    "Location",
    LOCATION,
    OpenApiParameter.HEADER,
    required=True,
    response=[201],  # a header of the 201, not of the request
)
# R26: the 401's challenge, a header of the response.
CHALLENGE_HEADER = OpenApiParameter(
    "WWW-Authenticate",
    CHALLENGE,
    OpenApiParameter.HEADER,
    required=True,
    response=[401],
)

Responses = dict[int | tuple[int, str], Any]
USERS, HEALTH = [TAGS["/forge/users"]], [TAGS["/healthz"]]


def example(value: dict[str, Any], status: int | None = None) -> OpenApiExample:
    """The example of a request body, or of the response of ``status``."""
    if status is None:
        return OpenApiExample("example", value=value, request_only=True)
    return OpenApiExample(
        "example", value=value, response_only=True, status_codes=[str(status)]
    )


def problems(*problems: Problem, validation: Any = None) -> Responses:
    """``extend_schema`` responses for these problems, R28's 400 that every action may
    answer, and the 422 if ``validation``."""
    problems = (HOST_NOT_SERVED, *problems)
    # A (status, media type) key: DRF's renderer would make them application/json.
    titles = {problem.status: problem.title for problem in problems}
    responses: Responses = {
        (status, PROBLEM_JSON): OpenApiResponse(schema, description=titles[status])
        for status, schema in problems_by_status(problems).items()
    }
    if validation is not None:
        responses[(422, PROBLEM_JSON)] = OpenApiResponse(
            validation, description=VALIDATION_FAILED.title
        )
    return responses


def users_action(summary: str, **described: Any) -> Any:
    """``extend_schema`` of an action of ``UserViewSet``: a summary, then the rest."""
    return extend_schema(summary=summary, tags=USERS, **described)


# drf-spectacular registers an extension in its untyped __init_subclass__.
class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """``auth.py``'s authentication as the contract's ``bearerAuth`` (R26)."""

    target_class = BearerTokenAuthentication
    name = BEARER_AUTH

    def get_security_requirement(
        self, auto_schema: AutoSchema
    ) -> list[dict[str, list[Any]]]:
        # No credentials or the token on a write, where drf-spectacular would write
        # the token alone on every method; reads get no security at all.
        return WRITE_SECURITY if auto_schema.method in WRITE_METHODS else []

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return SECURITY_SCHEMES[BEARER_AUTH]


describe_users = extend_schema_view(
    create=users_action(
        "Create a user.",
        examples=[example(CREATE_EXAMPLE), example(USER_EXAMPLE, 201)],
        parameters=[LOCATION_HEADER, CHALLENGE_HEADER],
        responses={
            201: UserSerializer,
            **problems(
                UNAUTHORIZED,
                *BODY_PROBLEMS,
                INTERNAL_ERROR,
                validation=BODY_VALIDATION,
            ),
        },
    ),
    list=users_action(
        "List users by id, a page at a time, optionally of one tier.",
        examples=[example(PAGE_EXAMPLE, 200)],
        parameters=[UserListQuerySerializer],
        responses={
            200: UserPageSerializer,
            **problems(INTERNAL_ERROR, validation=QUERY_VALIDATION),
        },
    ),
    retrieve=users_action(
        "Read one user.",
        examples=[example(USER_EXAMPLE, 200)],
        parameters=[USER_ID_PARAMETER],
        responses={200: UserSerializer, **problems(*ID_NOT_FOUND, INTERNAL_ERROR)},
    ),
    partial_update=users_action(
        "Change a user's name and/or tier.",
        examples=[example(UPDATE_EXAMPLE), example(USER_EXAMPLE, 200)],
        parameters=[USER_ID_PARAMETER, CHALLENGE_HEADER],
        responses={
            200: UserSerializer,
            **problems(
                UNAUTHORIZED,
                *BODY_PROBLEMS,
                *ID_NOT_FOUND,
                INTERNAL_ERROR,
                validation=BODY_VALIDATION,
            ),
        },
    ),
    destroy=users_action(
        "Delete a user.",
        parameters=[USER_ID_PARAMETER, CHALLENGE_HEADER],
        responses={
            204: None,
            **problems(UNAUTHORIZED, *ID_NOT_FOUND, INTERNAL_ERROR),
        },
    ),
)
"""The document of ``UserViewSet``, action by action."""

describe_health = extend_schema_view(
    get=extend_schema(
        summary="Say whether the app can serve the API (R24).",
        tags=HEALTH,
        responses={
            200: HealthSerializer,
            **problems(INTERNAL_ERROR, SERVICE_UNAVAILABLE),
        },
    )
)
"""The document of ``HealthView``."""


def as_the_contract_says(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """What drf-spectacular's generator never writes, added as it lets a project do
    (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``)."""
    for schema in result["components"]["schemas"].values():
        if schema.get("type") == "object" and "properties" in schema:
            # R1, R14: exactly these members; DRF ignores others, the serializer
            # refuses them in code, so no generator can see it.
            schema["additionalProperties"] = False
    for item in result["paths"].values():
        if "patch" in item:
            # R22: a PATCH has a body, `{}` at the least; drf-spectacular marks a
            # partial update's body optional.
            item["patch"]["requestBody"]["required"] = True
        for operation in item.values():
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                shape = result["components"]["schemas"][component(media["schema"])]
                # R12: a name as sent is checked once stripped; drf-spectacular
                # writes the field's bounds on it as sent, where one pattern says it.
                shape["properties"]["name"] = {
                    "type": "string",
                    "pattern": NAME_INPUT_PATTERN,
                }
    return result


def component(reference: dict[str, str]) -> str:
    """The name of the component a ``$ref`` points to."""
    return reference["$ref"].rpartition("/")[2]


# Files only, nothing to forge: the admin's CSRF middleware would answer a POST with
# its HTML 403 page, where every method got the file before.
@csrf_exempt
def swagger_ui_file(request: HttpRequest, name: str) -> FileResponse:
    """One of Swagger UI's files; any other name is the route 404."""
    # Django serves no static files without DEBUG; these three are the docs page's.
    response: FileResponse = serve(request, name, document_root=str(SWAGGER_UI))
    return response
