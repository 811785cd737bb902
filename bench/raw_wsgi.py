"""The WSGI ceiling: ``bench.raw`` behind the bare WSGI interface (gunicorn...)."""

from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING

from bench.raw import handle

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


def app(environ: "WSGIEnvironment", start_response: "StartResponse") -> Iterable[bytes]:
    """One request: read the whole body, answer from ``bench.raw``."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    status, payload = handle(
        environ["REQUEST_METHOD"],
        environ["PATH_INFO"],
        environ.get("QUERY_STRING", ""),
        body,
    )
    headers = [("Content-Type", "application/json")] if payload else []
    headers.append(("Content-Length", str(len(payload))))
    start_response(f"{status} {HTTPStatus(status).phrase}", headers)
    return [payload]
