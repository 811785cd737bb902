"""What the OpenAPI document says beyond the routes and models, and Swagger UI at /docs.

Counterparts: ``flask_forge/docs.py``, ``django_forge/docs.py``. FastAPI writes the
document from the routes and pydantic models; each route of ``views.py`` adds one entry
below (``**docs.CREATE_USER``): the problem answers, the Location and Allow headers and
the list query it reads by hand, built from ``contract.py`` and ``openapi.py``. Swagger
UI's files come from the swagger-ui-py package and are served by the app itself, so the
page works with no network; the README's OpenAPI section lists what the document lacks.
"""

from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from fastapi_forge.contract import (
    HOST_NOT_SERVED,
    INTERNAL_ERROR,
    PROBLEM_JSON,
    ROUTE_NOT_FOUND,
    SERVICE_UNAVAILABLE,
    UNAUTHORIZED,
    VALIDATION_FAILED,
    Problem,
)
from fastapi_forge.openapi import (
    BODY_PROBLEMS,
    BODY_VALIDATION,
    CHALLENGE,
    ID_NOT_FOUND,
    LOCATION,
    QUERY_VALIDATION,
    TAGS,
    USER_ID,
    WRITE_SECURITY,
    header,
    in_method_order,
    problems_by_status,
)
from fastapi_forge.schemas import UserListQuery


def package_folder(package: str, folder: str) -> str:
    """``folder`` of an installed ``package``, found without importing the package."""
    spec = find_spec(package)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(package)
    return str(Path(spec.origin).with_name(folder))


# Its files are all the app serves of swagger-ui-py: importing it brings Jinja and
# PyYAML into every worker.
SWAGGER_UI = package_folder("swagger_ui", "static")
USER_ID_PARAMETER = {"name": "id", "in": "path", "required": True, "schema": USER_ID}

Responses = dict[int | str, dict[str, Any]]
Route = dict[str, Any]
"""Keyword arguments of a route decorator, for the document only."""
OpenAPIGenerator = Callable[[], dict[str, Any]]


def problems(*problems: Problem, validation: Any = None) -> Responses:
    """Route ``responses`` for these problems, R28's 400 that every route may answer,
    and the 422 if ``validation``."""
    problems = (HOST_NOT_SERVED, *problems)
    # FastAPI puts a response "model" under the route's own media type only, so the
    # problem+json bodies are schemas; a declared 422 replaces FastAPI's own.
    titles = {problem.status: problem.title for problem in problems}
    responses: Responses = {
        status: {
            "description": titles[status],
            "content": {PROBLEM_JSON: {"schema": schema}},
        }
        for status, schema in problems_by_status(problems).items()
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


def allow(methods: str, *others: Problem) -> Responses:
    """Route ``responses`` of an OPTIONS: the 204 and its Allow header (R4)."""
    allow_header = header("Allow", {"const": methods})
    no_content = {"description": "No content", "headers": allow_header}
    return {204: no_content, **problems(*others, INTERNAL_ERROR)}


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """The parameters of a query model that a dependency reads by hand."""
    # FastAPI documents only the parameters a route declares one by one.
    schema = model.model_json_schema()
    return [
        {"name": name, "in": "query", "required": False, "schema": field}
        for name, field in schema["properties"].items()
    ]


def unauthorized() -> Responses:
    """Route ``responses`` of a write: R26's 401 and its challenge."""
    responses = problems(UNAUTHORIZED)
    responses[401]["headers"] = header("WWW-Authenticate", CHALLENGE)
    return responses


LIST_QUERY = {"parameters": query_parameters(UserListQuery)}

# One entry per route of views.py, in its order.
CREATE_USER: Route = {
    "responses": {
        201: {"headers": header("Location", LOCATION)},
        **unauthorized(),
        **problems(*BODY_PROBLEMS, INTERNAL_ERROR, validation=BODY_VALIDATION),
    }
}
LIST_USERS: Route = {
    "openapi_extra": LIST_QUERY,
    "responses": problems(INTERNAL_ERROR, validation=QUERY_VALIDATION),
}
LIST_USERS_HEAD: Route = {
    "openapi_extra": LIST_QUERY,
    "responses": headers_only(400, 422, 500),
}
GET_USER: Route = {"responses": problems(*ID_NOT_FOUND, INTERNAL_ERROR)}
GET_USER_HEAD: Route = {"responses": headers_only(400, 404, 500)}
UPDATE_USER: Route = {
    "responses": {
        **unauthorized(),
        **problems(
            *BODY_PROBLEMS, *ID_NOT_FOUND, INTERNAL_ERROR, validation=BODY_VALIDATION
        ),
    }
}
DELETE_USER: Route = {
    "responses": {**unauthorized(), **problems(*ID_NOT_FOUND, INTERNAL_ERROR)}
}
CHECK_HEALTH: Route = {"responses": problems(INTERNAL_ERROR, SERVICE_UNAVAILABLE)}
CHECK_HEALTH_HEAD: Route = {"responses": headers_only(400, 500, 503)}
# Each path's own Allow value; one function answers all three.
OPTIONS_USERS: Route = {"responses": allow("GET, HEAD, POST, OPTIONS")}
OPTIONS_USER: Route = {
    "responses": allow("GET, HEAD, PATCH, DELETE, OPTIONS", ROUTE_NOT_FOUND),
    # The function reads no id, so FastAPI would not list the path's parameter.
    "openapi_extra": {"parameters": [USER_ID_PARAMETER]},
}
OPTIONS_HEALTH: Route = {"responses": allow("GET, HEAD, OPTIONS")}


def as_the_contract_says(generate: Callable[[], dict[str, Any]]) -> OpenAPIGenerator:
    """FastAPI's document, less what FastAPI adds that the API never sends."""

    def openapi() -> dict[str, Any]:
        document = generate()  # cached by FastAPI: changed once, then again no-ops
        for path, item in document["paths"].items():
            for operation in item.values():
                # As in the other apps: the docstring is the summary, which FastAPI
                # would make of the function's name ("Create User").
                operation["summary"] = operation.pop(
                    "description", operation["summary"]
                )
                operation["tags"] = [TAGS[path]]
                # R3: FastAPI's 422 for a path parameter the id convertor never lets
                # through; a body's 422 is the contract's own, declared above.
                if "HTTPValidationError" in str(operation["responses"].get("422")):
                    del operation["responses"]["422"]
                # R26: FastAPI makes a security dependency required; without a token
                # the server takes writes with no credentials too.
                if "security" in operation:
                    operation["security"] = WRITE_SECURITY
            # R4: FastAPI documents a HEAD route like a GET, with its return type.
            for response in item.get("head", {}).get("responses", {}).values():
                response.pop("content", None)
        for unsent in ("HTTPValidationError", "ValidationError"):
            document["components"]["schemas"].pop(unsent, None)
        # Swagger UI lists a path's operations in the document's order.
        document["paths"] = in_method_order(document["paths"])
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
    app.openapi = as_the_contract_says(app.openapi)  # type: ignore[method-assign]
    # After the /docs route: the mount matches only paths below it.
    app.mount("/docs", StaticFiles(directory=SWAGGER_UI), name="swagger-ui")
