"""The application factory, the flaskr way.

Counterparts: ``fastapi_forge/app.py``; ``django_forge/settings.py``, ``urls.py`` and
``wsgi.py``. Run it with ``gunicorn 'flask_forge.app:create_app()'``.
"""

import re
from collections.abc import Mapping
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider
from marshmallow import Schema

from flask_forge import db, errors, views
from flask_forge.config import from_environment, sqlalchemy_url
from flask_forge.parsing import StrictJSONRequest
from flask_forge.schemas import (
    Health,
    UserCreate,
    UserListQuery,
    UserPage,
    UserRead,
    UserUpdate,
)

SWAGGER_UI = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Forge users API (Flask)</title>
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui"});</script>
</body>
</html>
"""
CONVERTED_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON output, with the contract's choices written out."""

    ensure_ascii = False  # R5: non-ASCII characters as themselves, never \u escapes
    sort_keys = False  # members in the order the schemas declare them


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app on the environment's settings, overridden by ``config``."""
    # No static folder: R2 allows no paths besides the API's, /openapi.json and /docs.
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(from_environment())
    if config is not None:
        app.config.from_mapping(config)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=sqlalchemy_url(app.config),
        # views.py answers OPTIONS itself: Flask's own is a 200 with text/html.
        PROVIDE_AUTOMATIC_OPTIONS=False,
    )
    # R2: no redirects. Werkzeug would send "//" paths to the merged path; strict
    # slashes keep "/forge/users/" from matching "/forge/users".
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = True
    app.request_class = StrictJSONRequest
    app.json = JSONProvider(app)

    db.init_app(app)
    errors.init_app(app)
    views.init_app(app)
    init_docs(app)
    return app


# What the OpenAPI document says of each view beyond its route and docstring.
OPERATIONS: dict[str, dict[str, Any]] = {
    "forge.create_user": {"requestBody": UserCreate, "responses": {201: UserRead}},
    "forge.list_users": {"query": UserListQuery, "responses": {200: UserPage}},
    "forge.get_user": {"responses": {200: UserRead}},
    "forge.update_user": {"requestBody": UserUpdate, "responses": {200: UserRead}},
    "forge.delete_user": {"responses": {204: None}},
    "forge.check_health": {"responses": {200: Health}},
}


def json_content(schema: type[Schema] | None) -> dict[str, Any]:
    """A request body or response of ``schema`` as application/json."""
    if schema is None:
        return {"description": "No content"}
    content = {"application/json": {"schema": schema}}
    return {"description": schema.__doc__, "content": content}


def openapi_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI document of the app's routes, its shapes drawn from the schemas."""
    # Flask has no OpenAPI of its own; apispec writes it from the marshmallow schemas.
    spec = APISpec(
        title="Forge users API (Flask)",
        version="1.0.0",
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
    )
    for rule in app.url_map.iter_rules():
        documented = OPERATIONS.get(rule.endpoint)
        if documented is None:
            continue
        view = app.view_functions[rule.endpoint]
        parameters = [
            {
                "in": "path",
                "name": name,
                "required": True,
                "schema": {"type": "integer"},
            }
            for name in rule.arguments
        ]
        if "query" in documented:
            parameters.append({"in": "query", "schema": documented["query"]})
        operation: dict[str, Any] = {
            "operationId": view.__name__,
            "summary": view.__doc__,
            "parameters": parameters,
            "responses": {
                str(status): json_content(schema)
                for status, schema in documented["responses"].items()
            },
        }
        if "requestBody" in documented:
            operation["requestBody"] = json_content(documented["requestBody"])
        # Werkzeug adds HEAD to every GET rule; OpenAPI implies it.
        methods = (rule.methods or set()) - {"HEAD", "OPTIONS"}
        spec.path(
            path=CONVERTED_ARGUMENT.sub(r"{\1}", rule.rule),
            operations={method.lower(): operation for method in methods},
        )
    return spec.to_dict()


def init_docs(app: Flask) -> None:
    """Serve the OpenAPI document at /openapi.json and Swagger UI at /docs."""
    document = openapi_document(app)

    @app.get("/openapi.json")
    def openapi() -> dict[str, Any]:
        """The OpenAPI document."""
        return document

    @app.get("/docs")
    def docs() -> Response:
        """Swagger UI on the OpenAPI document."""
        return Response(SWAGGER_UI, mimetype="text/html")
