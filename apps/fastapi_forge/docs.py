"""What the OpenAPI document says beyond the routes and models, and Swagger UI at /docs.

Counterparts: ``flask_forge/docs.py``, ``django_forge/docs.py``. FastAPI writes the
document from the routes and pydantic models; ``views.py`` adds, through each route's
``responses``, the problem answers, the Location and Allow headers and the list query it
reads by hand, all built here from ``errors.py`` and ``schemas.py``. Swagger UI's files
come from the swagger-ui-py package and are served by the app itself, so the page works
with no network; the README's OpenAPI section lists what the document still lacks.
"""

from collections.abc import Callable
from importlib.resources import files
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from fastapi_forge.errors import (
    FIELD_DETAILS,
    INTERNAL_ERROR,
    PROBLEM_JSON,
    QUERY_CODES,
    VALIDATION_FAILED,
    Problem,
)

SWAGGER_UI = str(files("swagger_ui") / "static")
USER_ID = {"type": "string", "pattern": "^[1-9][0-9]{0,18}$", "maxLength": 19}
"""R3's id as text: an integer schema would invite clients to send ``01`` or ``+1``."""
USER_ID_PARAMETER = {"name": "id", "in": "path", "required": True, "schema": USER_ID}

Responses = dict[int | str, dict[str, Any]]
OpenAPIGenerator = Callable[[], dict[str, Any]]


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
    "parameter", sorted(set(QUERY_CODES.values())), enum=["limit", "offset", "tier"]
)


def problems(*problems: Problem, validation: Any = None) -> Responses:
    """Route ``responses`` for these problems, and the 422 if ``validation``."""
    # FastAPI puts a response "model" under the route's own media type only, so the
    # problem+json bodies are schemas; a declared 422 replaces FastAPI's own.
    responses: Responses = {
        problem.status: {
            "description": problem.title,
            "content": {PROBLEM_JSON: {"schema": problem_schema(problem)}},
        }
        for problem in problems
    }
    if validation is not None:
        responses[422] = {
            "description": VALIDATION_FAILED.title,
            "content": {PROBLEM_JSON: {"schema": validation}},
        }
    return responses


def headers_only(*statuses: int) -> Responses:
    """Route ``responses`` of a HEAD: the GET's statuses and headers, no body (R4)."""
    return {
        status: {"description": "The GET's headers; no body."} for status in statuses
    }


def header(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A response header the contract requires."""
    return {name: {"required": True, "schema": {"type": "string", **schema}}}


def allow(methods: str) -> Responses:
    """Route ``responses`` of an OPTIONS: the 204 and its Allow header (R4)."""
    allow_header = header("Allow", {"const": methods})
    no_content = {"description": "No content", "headers": allow_header}
    return {204: no_content, **problems(INTERNAL_ERROR)}


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """The parameters of a query model that a dependency reads by hand."""
    # FastAPI documents only the parameters a route declares one by one.
    schema = model.model_json_schema()
    return [
        {"name": name, "in": "query", "required": False, "schema": field}
        for name, field in schema["properties"].items()
    ]


def without_head_bodies(generate: Callable[[], dict[str, Any]]) -> OpenAPIGenerator:
    """FastAPI's document, less the body it gives HEAD routes: they send none (R4)."""
    # FastAPI documents a HEAD route like a GET, with its function's return type.

    def openapi() -> dict[str, Any]:
        document = generate()  # cached by FastAPI: changed once, then again no-ops
        for item in document["paths"].values():
            for response in item.get("head", {}).get("responses", {}).values():
                response.pop("content", None)
        return document

    return openapi


def init_app(app: FastAPI) -> None:
    """Serve Swagger UI at /docs and its files below it (the app has docs_url=None)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/docs")
    async def swagger_ui() -> HTMLResponse:
        """Swagger UI on the OpenAPI document."""
        return get_swagger_ui_html(
            openapi_url=str(app.openapi_url),
            title=f"{app.title} - Swagger UI",
            swagger_js_url="/docs/swagger-ui-bundle.js",
            swagger_css_url="/docs/swagger-ui.css",
            swagger_favicon_url="/docs/favicon-32x32.png",
        )

    app.include_router(router)
    # FastAPI's documented way to change the generated document.
    app.openapi = without_head_bodies(app.openapi)  # type: ignore[method-assign]
    # After the /docs route: the mount matches only paths below it.
    app.mount("/docs", StaticFiles(directory=SWAGGER_UI), name="swagger-ui")
