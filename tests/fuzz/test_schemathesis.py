"""Schema-driven fuzzing: Schemathesis against ``contract/openapi.json``, app by app.

Schemathesis generates requests from the contract's OpenAPI document, valid and
invalid, and sends them to each app in-process (ASGI for FastAPI, WSGI for Flask and
Django) with its checks: no server errors, documented status codes, content types and
headers, response schemas, rejection of invalid data; its stateful phase follows the
links it infers (create, then get, patch and delete). Each app runs twice: without an
API token, and with one (R26) that every request carries, where it must answer as
without. Like ``tests/inprocess.py``, this module names the frameworks: Schemathesis
calls each app directly.
"""

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

import httpx
import pytest
import schemathesis
from hypothesis import given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CheckFunction
from schemathesis.core.result import Ok
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import positive_data_acceptance, use_after_free
from schemathesis.specs.openapi.schemas import OpenApiSchema

from tests.contract import API_TOKEN, openapi_document
from tests.databases import empty_users
from tests.fuzz.judge import Request, judge, route_of
from tests.fuzz.model import name_error
from tests.fuzz.trio import figures
from tests.inprocess import django_database

AnyCase = schemathesis.Case[Any]


@dataclass(frozen=True)
class Served:
    """The app under test: its name in the figures, its database and its token."""

    label: str
    database_url: str
    token: str | None


ASGI_TEST_HOST = "testserver"
"""The Host Schemathesis names to an ASGI app it holds (Starlette's TestClient's), which
the app must be told to serve (R28); to a WSGI app, Werkzeug's Client names
``localhost``, which the apps serve by default."""

# By the id of the app Schemathesis holds.
SERVED: dict[int, Served] = {}


@contextmanager
def served_app(name: str, database_url: str, token: str | None) -> Iterator[object]:
    """The app itself, ASGI or WSGI, on ``database_url``, given ``token`` (R26)."""
    if name == "fastapi":
        from fastapi_forge.app import create_app
        from fastapi_forge.config import Settings

        settings = Settings(
            database_url=database_url,
            forge_api_token=token or "",
            forge_allowed_hosts=ASGI_TEST_HOST,
        )
        yield create_app(settings)
    elif name == "flask":
        from flask_forge.app import create_app as create_flask_app
        from flask_forge.db import db

        config = {"DATABASE_URL": database_url, "FORGE_API_TOKEN": token or ""}
        app = create_flask_app(config)
        yield app
        with app.app_context():
            db.engine.dispose()  # its pool must not outlive the test's database
    else:
        from django.core.wsgi import get_wsgi_application
        from django.test import override_settings

        with (
            django_database(database_url),
            override_settings(FORGE_API_TOKEN=token or ""),
        ):
            yield get_wsgi_application()


@pytest.fixture(
    params=[(name, token) for name in ("fastapi", "flask", "django")
            for token in (None, API_TOKEN)],
    ids=lambda param: f"{param[0]}+token" if param[1] else param[0],
)  # fmt: skip
def contract_schema(
    request: pytest.FixtureRequest, fuzz_templates: dict[str, Path], tmp_path: Path
) -> Iterator[OpenApiSchema]:
    """The contract's OpenAPI document, bound to one app on a fresh database."""
    name, token = request.param
    path = tmp_path / "forge.sqlite3"
    shutil.copyfile(fuzz_templates[name], path)
    database_url = f"sqlite:///{path}"
    with served_app(name, database_url, token) as app:
        label = f"{name}+token" if token else name
        SERVED[id(app)] = Served(label, database_url, token)
        schema = schemathesis.openapi.from_dict(openapi_document())  # it edits it
        schema.app = app
        yield schema


def examples_per_operation() -> int:
    """A tenth of the profile's examples for each operation and mode."""
    return max(10, settings().max_examples // 10)


@pytest.mark.parametrize("mode", list(GenerationMode), ids=str)
def test_operations_pass_schemathesis_checks(
    contract_schema: OpenApiSchema, mode: GenerationMode
) -> None:
    """Valid and invalid requests of every operation pass every check."""
    for result in contract_schema.get_all_operations():
        assert isinstance(result, Ok), result  # the contract's document is valid
        operation = result.ok()
        if mode == GenerationMode.NEGATIVE and not (
            operation.body or operation.query or operation.path_parameters
        ):
            continue  # nothing in the request that could be invalid

        @settings(max_examples=examples_per_operation())
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case: AnyCase) -> None:
            call_and_validate(case)

        check()


def test_stateful_links_pass_schemathesis_checks(
    contract_schema: OpenApiSchema,
) -> None:
    """Create, then get, patch and delete along the inferred links, checked."""

    # OPTIONS takes no part in sequences (schemathesis.toml says why), but the
    # transition controller of Schemathesis 4.32 still counts the links to it: once
    # every other link from a response has reached its cap, the OPTIONS link, never
    # followed, makes it refuse every root while no rule follows that link, and
    # Hypothesis stops: "No progress can be made" (InvalidDefinition). Without OPTIONS
    # in the state machine's schema, the same sequences run and the dead link is gone.
    stateful = contract_schema.exclude(method="OPTIONS")

    class Workflow(stateful.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            # Every sequence starts on an empty database, so its ids are the same
            # each time Hypothesis replays it.
            empty_users(SERVED[id(contract_schema.app)].database_url)

        def get_call_kwargs(self, case: AnyCase) -> dict[str, Any]:
            return {"headers": credentials(case)}

        def validate_response(
            self, response: Response, case: AnyCase, **kwargs: Any
        ) -> None:
            tally(case, response)
            # The recorder lets the stateful checks (use after free, resource
            # availability) see the requests before this one; without it they never run.
            validate(case, response, recorder=self.recorder, **kwargs)

    Workflow.run(settings=settings(max_examples=examples_per_operation()))


def credentials(case: AnyCase) -> dict[str, str]:
    """The Authorization of every request to an app with a token: the right one."""
    token = SERVED[id(case.operation.schema.app)].token
    return {"Authorization": f"Bearer {token}"} if token else {}


def call_and_validate(case: AnyCase) -> None:
    """``case.call_and_validate()``, counted, and with the contract's exceptions."""
    response = case.call(headers=credentials(case))
    tally(case, response)
    validate(case, response)


def tally(case: AnyCase, response: Response) -> None:
    """Count the request in the figures of the app under test."""
    counted = figures(SERVED[id(case.operation.schema.app)].label, "schemathesis")
    counted.requests += 1
    counted.server_errors += response.status_code >= 500


def validate(case: AnyCase, response: Response, **kwargs: Any) -> None:
    """Schemathesis's checks, or the contract's own where the contract says so."""
    if not is_api_path(case):
        # R2, R3: an {id} outside its pattern (or above 2^63-1) makes a URL that is
        # no path of the API, answered with the route 404 that no operation lists
        # (openapi.json, components/responses/RouteNotFound). Schemathesis would judge
        # it by the operation's responses; the contract judges it as the route 404.
        found = judge(Request(case.method, case.formatted_path), as_httpx(response))
        assert found == [], found
        return
    excluded = contract_wins(case, response)
    if excluded:
        # Where a check gives way, the contract's own judge decides that response.
        found = judge(Request(case.method, case.formatted_path), as_httpx(response))
        assert found == [], found
    case.validate_response(response, excluded_checks=excluded, **kwargs)


def is_api_path(case: AnyCase) -> bool:
    """Whether the case's URL is a path of the API (R2, R3)."""
    path = unquote_to_bytes(case.formatted_path).decode("utf-8", errors="replace")
    return route_of(path) is not None


def as_httpx(response: Response) -> httpx.Response:
    """Schemathesis's response as the judge reads it."""
    headers = [
        (name, value) for name, values in response.headers.items() for value in values
    ]
    # A server sends no body with an answer to HEAD (R4), as tests/inprocess.py's
    # transports do; Schemathesis's WSGI client passes on what the app wrote.
    content = b"" if response.request.method == "HEAD" else response.content
    return httpx.Response(response.status_code, headers=headers, content=content)


def contract_wins(case: AnyCase, response: Response) -> list[CheckFunction]:
    """The checks that do not apply to this one response because the contract says so.

    ``openapi.json`` types ``name`` as any string, because R12 checks it after
    stripping, which JSON Schema cannot say: a schema-valid name that is blank, longer
    than 64 characters or holds a control character once stripped is a 422 at
    ``#/name`` (R12). Only that 422, for that name, is exempt from
    ``positive_data_acceptance``; every other check still runs.

    After a DELETE, ``use_after_free`` wants every request to the user's URL to be a
    404, but OPTIONS there is 204 (R3, R4): only that answer is exempt.
    """
    if case.method == "OPTIONS" and response.status_code == 204:
        # R3, R4: a deleted user's id is still a path of the API, and OPTIONS on any
        # API path answers 204 with its Allow; use_after_free wants a 404 there.
        return [use_after_free]
    body = case.body if isinstance(case.body, dict) else {}
    if response.status_code == 422 and "name" in body:
        errors = json.loads(response.content).get("errors", [])
        expected = [("#/name", name_error(body["name"]))]
        if [(e.get("pointer"), e.get("code")) for e in errors] == expected:
            return [positive_data_acceptance]
    return []
