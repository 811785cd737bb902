"""The implementations in-process: the only module of the suite that names frameworks.

Each entry migrates a database and serves its app through httpx, so that the suite talks
HTTP to every implementation alike. The transports behave like a real server where the
frameworks' test transports do not (see ``ServerLikeTransport``).
"""

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal
from starlette.types import ASGIApp

BASE_URL = "http://testserver"


class PortalASGITransport(httpx.BaseTransport):
    """A synchronous transport to an ASGI app running in an event loop thread."""

    def __init__(self, app: ASGIApp, portal: BlockingPortal) -> None:
        self.inner = httpx.ASGITransport(app, raise_app_exceptions=False)
        self.portal = portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        chunks = list(request.stream)  # type: ignore[arg-type]

        async def forward() -> httpx.Response:
            # Keep chunks apart and headers as sent, so a chunked body stays chunked.
            copy = httpx.Request(
                request.method,
                request.url,
                headers=request.headers,
                stream=AsyncChunks(chunks),
            )
            copy.method = request.method  # as sent: httpx would upper-case it again
            response = await self.inner.handle_async_request(copy)
            body = b"".join([chunk async for chunk in response.aiter_raw()])
            return httpx.Response(
                response.status_code,
                headers=response.headers,
                stream=httpx.ByteStream(body),
            )

        return self.portal.call(forward)


class AsyncChunks(httpx.AsyncByteStream):
    """A request body handed over chunk by chunk."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk


class ServerLikeTransport(httpx.BaseTransport):
    """What every real server does and in-process transports skip: no body for HEAD."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method != "HEAD":
            return response
        response.read()
        return httpx.Response(
            response.status_code, headers=response.headers, stream=httpx.ByteStream(b"")
        )


class ClientFactory(Protocol):
    """Opens an in-process client of one implementation on ``database_url``."""

    def __call__(
        self, database_url: str, /
    ) -> AbstractContextManager[httpx.Client]: ...


@dataclass(frozen=True)
class Implementation:
    """How to migrate an implementation's database and talk to it in-process."""

    migrate: Callable[[str], None]
    client: ClientFactory


def migrate_fastapi(database_url: str) -> None:
    from fastapi_forge.config import Settings
    from fastapi_forge.db import migrate

    migrate(Settings(database_url=database_url).sqlalchemy_url())


@contextmanager
def fastapi_client(database_url: str) -> Iterator[httpx.Client]:
    from fastapi_forge.app import create_app
    from fastapi_forge.config import Settings

    app = create_app(Settings(database_url=database_url))
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(app.router.lifespan_context(app)),
    ):
        transport = ServerLikeTransport(PortalASGITransport(app, portal))
        with httpx.Client(transport=transport, base_url=BASE_URL) as client:
            yield client


IMPLEMENTATIONS = {
    "fastapi": Implementation(migrate_fastapi, fastapi_client),
}
