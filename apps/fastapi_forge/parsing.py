"""Strict request bodies: Content-Type (R7), size (R8) and I-JSON (R9), the FastAPI way.

Counterparts: ``flask_forge/parsing.py``, ``django_forge/parsing.py`` (a DRF parser).
FastAPI parses any JSON-ish body with ``json.loads`` defaults (NaN, duplicate keys,
unlimited size and depth). The FastAPI way to change that is a custom ``Request`` and
``APIRoute``: the route below checks and parses the body with ``ijson.py`` before
FastAPI reads it, in the contract's order, and after the route's security schemes.
"""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from fastapi.security.http import HTTPBase

from fastapi_forge import ijson
from fastapi_forge.contract import UNSUPPORTED_MEDIA_TYPE, ProblemError


class StrictJSONRequest(Request):
    """A request whose body is read at most 16 KiB deep and parsed as I-JSON."""

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            declared = self.headers.get("content-length", "")
            ijson.check_size(int(declared) if declared.isdigit() else 0)
            chunks, size = [], 0
            # R8: counting what arrives also limits chunked bodies, which declare none.
            async for chunk in self.stream():
                size += len(chunk)
                ijson.check_size(size)
                chunks.append(chunk)
            self._body = b"".join(chunks)
        return self._body

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = ijson.loads(await self.body())
        return self._json


class StrictJSONRoute(APIRoute):
    """A route that checks its body in the contract's order before FastAPI sees it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler
        schemes = [  # HTTPBearer and the other Authorization schemes
            scheme
            for dependency in self.dependant.dependencies
            if isinstance(scheme := dependency.call, HTTPBase)
        ]

        async def strict_json_handler(request: Request) -> Response:
            # R6: the 401 before the body, which FastAPI reads before any dependency
            # (and then runs these again with the others: they only read headers).
            for scheme in schemes:
                await scheme(request)
            if not ijson.is_json_media_type(request.headers.get("content-type")):
                raise ProblemError(UNSUPPORTED_MEDIA_TYPE)
            request = StrictJSONRequest(request.scope, request.receive)
            await request.json()  # R6: 413, then 400; FastAPI then reuses the body
            return await handler(request)

        return strict_json_handler
