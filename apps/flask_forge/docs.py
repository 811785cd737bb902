"""The OpenAPI document at /openapi.json, and Swagger UI at /docs, served offline.

Counterparts: ``fastapi_forge/docs.py``, ``django_forge/docs.py``. Flask has no OpenAPI
of its own: apispec writes the document from the routes, the marshmallow schemas and
``OPERATIONS`` below, one entry per view of ``views.py``: what it answers, problems
included (built from ``contract.py`` and ``openapi.py``). Swagger UI's files come from
the swagger-ui-py package and are served by the app itself, so the page works with no
network; the README's OpenAPI section lists what the document still lacks.
"""

import copy
import re
from collections import Counter
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.field_converter import FieldConverterMixin
from flask import Flask, Response, send_from_directory
from marshmallow import fields
from werkzeug.routing import Rule

from flask_forge import schemas
from flask_forge.contract import (
    HOST_NOT_SERVED,
    INTERNAL_ERROR,
    PROBLEM_JSON,
    ROUTE_NOT_FOUND,
    SERVICE_UNAVAILABLE,
    UNAUTHORIZED,
    USER_NOT_FOUND,
    VERSION,
    allow_header,
)
from flask_forge.openapi import (
    BODY_PROBLEMS,
    BODY_VALIDATION,
    CHALLENGE,
    LOCATION,
    QUERY_VALIDATION,
    SECURITY_SCHEMES,
    TAGS,
    USER_ID,
    WRITE_SECURITY,
    header,
    in_method_order,
    problems_by_status,
)


def package_folder(package: str, folder: str) -> str:
    """``folder`` of an installed ``package``, found without importing the package."""
    spec = find_spec(package)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(package)
    return str(Path(spec.origin).with_name(folder))


# Its files are all the app serves of swagger-ui-py: importing it took 1 MiB a worker.
SWAGGER_UI = package_folder("swagger_ui", "static")
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Forge users API (Flask) - Swagger UI</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" href="/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui"});</script>
</body>
</html>
"""
CONVERTED_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")

# What each view answers besides its problems, which follow from its inputs; the
# security of the views auth.token_required guards (R26).
OPERATIONS: dict[str, dict[str, Any]] = {
    "forge.create_user": {
        "body": schemas.UserCreate,
        "responses": {201: schemas.UserRead},
        "problems": (UNAUTHORIZED, *BODY_PROBLEMS, INTERNAL_ERROR),
        "security": WRITE_SECURITY,
    },
    "forge.list_users": {
        "query": schemas.UserListQuery,
        "responses": {200: schemas.UserPage},
        "problems": (INTERNAL_ERROR,),
    },
    "forge.get_user": {
        "responses": {200: schemas.UserRead},
        "problems": (USER_NOT_FOUND, INTERNAL_ERROR),
    },
    "forge.update_user": {
        "body": schemas.UserUpdate,
        "responses": {200: schemas.UserRead},
        "problems": (UNAUTHORIZED, *BODY_PROBLEMS, USER_NOT_FOUND, INTERNAL_ERROR),
        "security": WRITE_SECURITY,
    },
    "forge.delete_user": {
        "responses": {204: None},
        "problems": (UNAUTHORIZED, USER_NOT_FOUND, INTERNAL_ERROR),
        "security": WRITE_SECURITY,
    },
    "forge.check_health": {
        "responses": {200: schemas.Health},
        "problems": (INTERNAL_ERROR, SERVICE_UNAVAILABLE),
    },
    "forge.options": {"responses": {204: None}, "problems": (INTERNAL_ERROR,)},
}


def json_content(media_type: str, schema: Any) -> dict[str, Any]:
    """A request body or response of ``schema`` (a marshmallow schema or a dict)."""
    return {"content": {media_type: {"schema": schema}}}


def responses(documented: dict[str, Any], rule: Rule) -> dict[str, Any]:
    """The responses of a view: its own, the 422 of its inputs, then its problems."""
    result: dict[str, Any] = {}
    for status, schema in documented["responses"].items():
        result[str(status)] = {"description": "Success"}
        if schema is not None:
            result[str(status)].update(json_content("application/json", schema))
    if "body" in documented:
        result["422"] = json_content(PROBLEM_JSON, BODY_VALIDATION)
    if "query" in documented:
        result["422"] = json_content(PROBLEM_JSON, QUERY_VALIDATION)
    problems = (HOST_NOT_SERVED, *documented["problems"])  # R28: every view
    if rule.arguments:
        problems = (*problems, ROUTE_NOT_FOUND)  # R3: see openapi.ID_NOT_FOUND
    for status, schema in problems_by_status(problems).items():
        result[str(status)] = json_content(PROBLEM_JSON, schema)
    for response in result.values():
        response.setdefault("description", "Problem")
    if "201" in result:
        result["201"]["headers"] = header("Location", LOCATION)
    if "401" in result:
        result["401"]["headers"] = header("WWW-Authenticate", CHALLENGE)
    if "OPTIONS" in (rule.methods or ()):
        allow = allow_header(allowed_methods(rule))
        result["204"]["headers"] = header("Allow", {"const": allow})
    return result


def allowed_methods(rule: Rule) -> set[str]:
    """The methods of every rule of the same path as ``rule``."""
    assert rule.map is not None
    return {
        method
        for other in rule.map.iter_rules()
        if other.rule == rule.rule
        for method in other.methods or ()
    }


def headers_only(operation: dict[str, Any]) -> dict[str, Any]:
    """The HEAD twin of a GET: the same statuses and headers, no body (R4)."""
    statuses = operation["responses"]
    return {
        **operation,
        "operationId": f"{operation['operationId']}_head",
        "responses": {
            status: {key: value for key, value in response.items() if key != "content"}
            for status, response in statuses.items()
        },
    }


def operation_id(rule: Rule, shared: bool) -> str:
    """The view's name, and its path's if the view serves several (OPTIONS)."""
    name = str(rule.endpoint).rpartition(".")[2]
    if not shared:
        return name
    return "_".join([name, *CONVERTED_ARGUMENT.sub("id", rule.rule).split("/")[1:]])


def date_time_format(
    converter: FieldConverterMixin, field: fields.Field[Any], **kwargs: Any
) -> dict[str, Any]:
    """A DateTime is a date-time, which apispec says only of ISO 8601 formats."""
    return {"format": "date-time"} if isinstance(field, fields.DateTime) else {}


def no_raw_name_length(
    converter: FieldConverterMixin,
    field: fields.Field[Any],
    ret: dict[str, Any],
    **kwargs: Any,
) -> dict[str, Any]:
    """A name's Length validators count it stripped (R12); apispec would write them
    as bounds on the name as sent. Its pattern (NAME_INPUT_PATTERN) says it all."""
    if isinstance(field, schemas.Name):
        ret.pop("minLength", None)
        ret.pop("maxLength", None)
    return {}


def openapi_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI document of the app's routes, its shapes drawn from the schemas."""
    marshmallow = MarshmallowPlugin()
    spec = APISpec(
        title="Forge users API (Flask)",
        version=VERSION,
        openapi_version="3.1.0",
        plugins=[marshmallow],
    )
    assert marshmallow.converter is not None  # set by APISpec
    marshmallow.converter.add_attribute_function(date_time_format)  # type: ignore[no-untyped-call]
    marshmallow.converter.add_attribute_function(no_raw_name_length)  # type: ignore[no-untyped-call]
    for name, scheme in SECURITY_SCHEMES.items():
        spec.components.security_scheme(name, scheme)
    rules_of = Counter(rule.endpoint for rule in app.url_map.iter_rules())
    for rule in app.url_map.iter_rules():
        documented = OPERATIONS.get(rule.endpoint)
        if documented is None:
            continue
        view = app.view_functions[rule.endpoint]
        parameters: list[dict[str, Any]] = [
            {"in": "path", "name": name, "required": True, "schema": USER_ID}
            for name in rule.arguments
        ]
        if "query" in documented:
            parameters.append({"in": "query", "schema": documented["query"]})
        path = CONVERTED_ARGUMENT.sub(r"{\1}", rule.rule)
        operation: dict[str, Any] = {
            "operationId": operation_id(rule, shared=rules_of[rule.endpoint] > 1),
            "summary": view.__doc__,
            "tags": [TAGS[path]],
            "parameters": parameters,
            "responses": responses(documented, rule),
        }
        if "security" in documented:
            operation["security"] = documented["security"]
        if "body" in documented:
            body = json_content("application/json", documented["body"])
            operation["requestBody"] = {"required": True, **body}
        methods = {method.lower() for method in rule.methods or ()}
        operations = dict.fromkeys(methods - {"head"}, operation)
        # Werkzeug answers HEAD on every GET rule, with the GET's headers.
        if "get" in methods:
            operations["head"] = headers_only(copy.deepcopy(operation))
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    # Swagger UI lists a path's operations in the document's order.
    document["paths"] = in_method_order(document["paths"])
    return document


def init_app(app: Flask) -> None:
    """Serve the document at /openapi.json, Swagger UI at /docs and its files below."""
    document = openapi_document(app)

    @app.get("/openapi.json")
    def openapi() -> dict[str, Any]:
        """The OpenAPI document."""
        return document

    @app.get("/docs")
    def docs() -> Response:
        """Swagger UI on the OpenAPI document."""
        return Response(PAGE, mimetype="text/html")

    @app.get("/docs/<path:name>")
    def swagger_ui(name: str) -> Response:
        """One of Swagger UI's files; any other name is the route 404."""
        return send_from_directory(SWAGGER_UI, name)
