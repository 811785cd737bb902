"""The implementations in-process: the only module of the suite that names frameworks.

Each entry migrates a database and serves its app through httpx, so that the suite talks
HTTP to every implementation alike. The transports behave like a real server where the
frameworks' test transports do not (see ``ServerLikeTransport``).
"""

import io
import os
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol
from unittest import mock
from urllib.parse import unquote, unquote_to_bytes
from wsgiref.types import WSGIApplication, WSGIEnvironment

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from sqlalchemy.engine import make_url
from starlette.types import ASGIApp, Receive, Scope, Send

from forge.databases import drop_database, ensure_database
from forge.servers import render
from tests.databases import NO_POSTGRES, POSTGRES_URL

BASE_URL = "http://localhost"
SECRET_KEY = "in-process tests only"
"""What signs in-process admin sessions: FastAPI's and Flask's FORGE_SECRET_KEY."""
Login = tuple[str, str]
"""An admin's user name and password (FORGE_ADMIN_USER, FORGE_ADMIN_PASSWORD)."""


def request_target(request: httpx.Request) -> tuple[bytes, bytes]:
    """The raw path and query a server reads off the request line.

    That is the ``target`` extension where the sender set one (httpx's URL resolves
    ``..`` and cannot hold every target a client can send), else the URL's.
    """
    target: bytes = request.extensions.get("target", request.url.raw_path)
    path, _, query = target.partition(b"?")
    return path, query


class PortalASGITransport(httpx.BaseTransport):
    """A synchronous transport to an ASGI app running in an event loop thread.

    The scope's path is the request target's, decoded as uvicorn decodes it.
    """

    def __init__(self, app: ASGIApp, portal: BlockingPortal) -> None:
        self.app = app
        self.portal = portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        chunks = list(request.stream)  # type: ignore[arg-type]
        raw_path, query = request_target(request)

        async def as_served(scope: Scope, receive: Receive, send: Send) -> None:
            path = unquote(raw_path.decode("ascii"))
            served = {
                **scope,
                "raw_path": raw_path,
                "path": path,
                "query_string": query,
            }
            await self.app(served, receive, send)

        inner = httpx.ASGITransport(as_served, raise_app_exceptions=False)

        async def forward() -> httpx.Response:
            # Keep chunks apart and headers as sent, so a chunked body stays chunked.
            copy = httpx.Request(
                request.method,
                request.url,
                headers=request.headers,
                stream=AsyncChunks(chunks),
            )
            copy.method = request.method  # as sent: httpx would upper-case it again
            response = await inner.handle_async_request(copy)
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


class ServerLikeWSGITransport(httpx.BaseTransport):
    """A WSGI transport that builds the environ as gunicorn does, unlike httpx's own.

    httpx's ``WSGITransport`` puts the UTF-8-decoded path into ``PATH_INFO``, decodes
    headers as ASCII and sends a chunked body with no sign that it is there. A real
    server (PEP 3333) gives the percent-decoded path bytes as latin-1, headers as
    latin-1, and for a chunked body sets ``wsgi.input_terminated`` and no
    ``CONTENT_LENGTH``.
    """

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        raw_path, query = request_target(request)
        environ: WSGIEnvironment = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": request.url.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.input_terminated": True,
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(raw_path).decode("latin-1"),
            "QUERY_STRING": query.decode("latin-1"),
            "SERVER_NAME": request.url.host,
            "SERVER_PORT": str(request.url.port or 80),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
        }
        for name, value in request.headers.raw:
            key = name.decode("latin-1").upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = f"HTTP_{key}"
            if key in environ:  # repeated headers are joined, as gunicorn does
                environ[key] += "," + value.decode("latin-1")
            else:
                environ[key] = value.decode("latin-1")

        started: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(
            status: str,
            headers: list[tuple[str, str]],
            exc_info: tuple[type[BaseException], BaseException, TracebackType]
            | tuple[None, None, None]
            | None = None,
        ) -> Callable[[bytes], object]:
            started[:] = [(status, headers)]
            return lambda _: None

        result: Iterable[bytes] = self.app(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()  # where WSGI apps run their end-of-request work
        status, headers = started[0]
        return httpx.Response(
            int(status.split()[0]),
            headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            stream=httpx.ByteStream(content),
        )


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
    """Opens an in-process client of one implementation on ``database_url``, its app
    given ``api_token`` (R26) or none, and its admin on with ``admin``'s login or
    off."""

    def __call__(
        self,
        database_url: str,
        /,
        api_token: str | None = None,
        admin: Login | None = None,
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
def fastapi_client(
    database_url: str, api_token: str | None = None, admin: Login | None = None
) -> Iterator[httpx.Client]:
    from fastapi_forge.app import create_app
    from fastapi_forge.config import Settings

    user, password = admin or ("", "")
    settings = Settings(
        database_url=database_url,
        forge_api_token=api_token or "",
        forge_admin_user=user,
        forge_admin_password=password,
        forge_secret_key=SECRET_KEY,
    )
    app = create_app(settings)
    with start_blocking_portal() as portal:
        with portal.wrap_async_context_manager(app.router.lifespan_context(app)):
            transport = ServerLikeTransport(PortalASGITransport(app, portal))
            with httpx.Client(transport=transport, base_url=BASE_URL) as client:
                yield client
        database_threads_finished()


def database_threads_finished(seconds: float = 5) -> None:
    """Wait, a few seconds at most, for aiosqlite's threads to end.

    Each SQLite connection of the FastAPI app runs its calls on a thread of its own,
    which hands each result back to the event loop, and ends once its connection is
    closed (when the lifespan disposes the pools). One still busy when the loop
    closes, as after a locked file's busy wait (R25), raises "Event loop is closed"
    in its thread, and pytest reports that against whichever test runs next.
    """
    deadline = time.monotonic() + seconds
    for thread in threading.enumerate():
        if thread.name.endswith("(_connection_worker_thread)"):
            thread.join(timeout=max(0.0, deadline - time.monotonic()))


def migrate_flask(database_url: str) -> None:
    from flask_migrate import upgrade

    from flask_forge.app import create_app
    from flask_forge.db import db, init_migrations

    app = create_app({"DATABASE_URL": database_url})
    init_migrations(app)  # what the flask command's loading of the app does
    with app.app_context():
        upgrade()
        db.engine.dispose()


@contextmanager
def flask_client(
    database_url: str, api_token: str | None = None, admin: Login | None = None
) -> Iterator[httpx.Client]:
    from flask_forge.app import create_app
    from flask_forge.db import db

    user, password = admin or ("", "")
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "FORGE_API_TOKEN": api_token or "",
            "FORGE_ADMIN_USER": user,
            "FORGE_ADMIN_PASSWORD": password,
            "SECRET_KEY": SECRET_KEY,
        }
    )
    transport = ServerLikeTransport(ServerLikeWSGITransport(app))
    try:
        with httpx.Client(transport=transport, base_url=BASE_URL) as client:
            yield client
    finally:
        # A server's pool lives as long as the process; a test's must not outlive it.
        with app.app_context():
            db.engine.dispose()


@contextmanager
def django_database(database_url: str) -> Iterator[None]:
    """Point Django's default database at ``database_url`` for a while.

    Django's settings are process-wide and read once: set them up on first use (with a
    key for tests only), then switch the database as Django's own test runner does,
    in the settings dict every connection shares, with no connection open.
    """
    import django
    from django.apps import apps
    from django.db import connections

    if not apps.ready:
        environment = {
            "DJANGO_SETTINGS_MODULE": "django_forge.settings",
            "DJANGO_SECRET_KEY": "in-process tests only",
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": database_url,
        }
        with mock.patch.dict(os.environ, environment):
            django.setup()
    from django_forge.settings import database  # only once Django has set it up

    default = connections.settings["default"]  # settings.DATABASES, completed
    saved = dict(default)
    forget_connection()
    default.update(database(database_url))
    try:
        yield
    finally:
        # Requests close their own connections, in whatever thread they ran.
        forget_connection()
        default.clear()
        default.update(saved)


def forget_connection() -> None:
    """Close this thread's connection and drop its wrapper, whose class is its engine's.

    Django builds a connection's wrapper once, from ``ENGINE``; a test that moves from
    SQLite to PostgreSQL needs a new one, built from the settings on next use.
    """
    from django.db import connections

    connections.close_all()
    with suppress(AttributeError):  # none was made in this thread
        del connections["default"]


def migrate_django(database_url: str) -> None:
    from django.core.management import call_command

    with django_database(database_url):
        call_command("migrate", verbosity=0)


class DjangoSettingsTransport(httpx.BaseTransport):
    """Each request with this client's database, API token and admin login in
    Django's settings.

    Django's settings are one per process; switching them per request, rather than for
    the client's life, lets two Django clients with different databases or tokens (the
    token fuzzers run both) live side by side.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        database_url: str,
        api_token: str | None,
        admin: Login | None = None,
    ) -> None:
        self.inner = inner
        self.database_url = database_url
        self.api_token = api_token or ""
        self.admin = admin or ("", "")

    @contextmanager
    def settings(self) -> Iterator[None]:
        """Django's settings as this client's app has them."""
        from django.test import override_settings

        user, password = self.admin
        with (
            django_database(self.database_url),
            override_settings(
                FORGE_API_TOKEN=self.api_token,
                FORGE_ADMIN_USER=user,
                FORGE_ADMIN_PASSWORD=password,
            ),
        ):
            yield

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.settings():
            response = self.inner.handle_request(request)
            response.read()  # while the database is this client's
            return response


@contextmanager
def django_client(
    database_url: str, api_token: str | None = None, admin: Login | None = None
) -> Iterator[httpx.Client]:
    from django.core.wsgi import get_wsgi_application

    with django_database(database_url):
        app = get_wsgi_application()
    wsgi = DjangoSettingsTransport(
        ServerLikeWSGITransport(app), database_url, api_token, admin
    )
    if admin is not None:
        from django_forge.admin import sync_admin_user

        with wsgi.settings():  # as migrate does it under forge serve
            sync_admin_user()
    transport = ServerLikeTransport(wsgi)
    with httpx.Client(transport=transport, base_url=BASE_URL) as client:
        yield client


IMPLEMENTATIONS = {
    "fastapi": Implementation(migrate_fastapi, fastapi_client),
    "flask": Implementation(migrate_flask, flask_client),
    "django": Implementation(migrate_django, django_client),
}


@contextmanager
def own_postgres_database(
    implementation: str, name: str, why_live: str
) -> Iterator[str]:
    """A PostgreSQL database of the implementation's own, ``forge_NAME_IMPLEMENTATION``
    on the suite's server, migrated directly; dropped after. Skips without a server,
    and for a live implementation (``why_live`` says what a test cannot do with one)."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    if implementation not in IMPLEMENTATIONS:
        pytest.skip(f"{implementation} is a live server: {why_live}")
    url = render(make_url(POSTGRES_URL).set(database=f"forge_{name}_{implementation}"))
    ensure_database(url)
    IMPLEMENTATIONS[implementation].migrate(url)
    try:
        yield url
    finally:
        drop_database(url)
