"""openapi-core, judging an HTTP answer against an OpenAPI document.

Shared by ``tests/test_openapi.py`` (each app's own document) and
``tests/fuzz/judge.py`` (the contract's). openapi-core reads requests and responses
through protocols; these dataclasses are the smallest objects that satisfy them.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from openapi_core import OpenAPI
from openapi_core.configurations import Config
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict


@dataclass
class OpenAPIRequest:
    """A request as openapi-core's Request protocol wants it."""

    method: str
    path: str
    host_url: str = "http://localhost"
    body: bytes | None = None
    content_type: str = "application/json"
    parameters: RequestParameters = field(default_factory=RequestParameters)


@dataclass
class OpenAPIResponse:
    """A response as openapi-core's Response protocol wants it."""

    status_code: int
    headers: Headers
    content_type: str
    data: bytes


def load(document: dict[str, Any]) -> OpenAPI:
    """An openapi-core validator that parses problem bodies as the JSON they are."""
    config = Config(
        extra_media_type_deserializers={"application/problem+json": json.loads}
    )
    return OpenAPI.from_dict(document, config=config)


def response_mismatch(
    api: OpenAPI,
    method: str,
    path: str,
    status: int,
    headers: Iterable[tuple[str, str]],
    content: bytes,
) -> str | None:
    """Why the answer breaks the document, in one line, or None if it does not."""
    response_headers = Headers(list(headers))
    try:
        api.validate_response(
            OpenAPIRequest(
                method=method.lower(),
                path=path,
                parameters=RequestParameters(query=ImmutableMultiDict()),
            ),
            OpenAPIResponse(
                status_code=status,
                headers=response_headers,
                content_type=response_headers.get("Content-Type", ""),
                data=content,
            ),
        )
    except Exception as error:  # openapi-core's errors share no base class
        cause = f" ({error.__cause__})" if error.__cause__ else ""
        return f"{type(error).__name__}: {error}{cause}"
    return None
