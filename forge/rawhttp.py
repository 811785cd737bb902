"""One HTTP request as a person composed it, sent as raw bytes over a socket.

The playground (``forge/playground.py``) sends what its page composed through this
module rather than an HTTP client, because a client rewrites requests: httpx would
upper-case ``get``, resolve ``/forge/../users`` and fold header fields, and a browser
would add its own headers and refuse others. Here the request line and the header
lines go out byte for byte; only the framing a request cannot do without is added,
and only when the person wrote none: ``Host``, ``Content-Length`` for a body, and
``Connection: close`` (the answer is read to the end of the connection). Each added
line is reported, so the page can say so.
"""

import http.client
import re
import socket
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MAX_BODY_BYTES = 64 * 1024
"""The largest body the page sends: four times R8's 16 KiB, so over-size bodies fit."""

MAX_HEADER_LINES = 100
MAX_ANSWER_BYTES = 1024 * 1024
"""The most of an answer's body that is read and shown."""

TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
"""RFC 9110's token: what a method and a header field name are made of."""

TARGET = re.compile(r"/[\x21-\x7e]*")
"""An origin-form request target: a slash, then visible ASCII (no space, no control)."""

FIELD_VALUE = re.compile(r"[\t\x20-\x7e\x80-\uffff]*")
"""A header field value: no control character but a tab (so no CR or LF)."""


class ComposeError(ValueError):
    """Why a composed request cannot be sent: one sentence, and the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Composed:
    """A request as composed: method, target (path and query), header lines, body."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def changes_data(self) -> bool:
        """Whether the request would change data if the server took it."""
        return self.method.upper() in ("POST", "PUT", "PATCH", "DELETE")

    def has(self, name: str) -> bool:
        return any(written.lower() == name.lower() for written, _ in self.headers)


@dataclass
class Answer:
    """What one server answered, or the error that stood in the way."""

    status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    elapsed_ms: float = 0.0
    error: str = ""
    truncated: bool = False
    """The body was longer than MAX_ANSWER_BYTES and was cut there."""


def compose(
    method: str, path: str, query: str, header_text: str, body: str
) -> Composed:
    """Check what the page sent and make it one request; :class:`ComposeError` if not.

    ``query`` comes without its ``?``; ``header_text`` is one ``Name: value`` per line.
    """
    if not TOKEN.fullmatch(method) or len(method) > 32:
        raise ComposeError(
            "method", f"{method!r} is not a method: letters, digits and !#$%&'*+.^_`|~-"
        )
    target = path + (f"?{query.removeprefix('?')}" if query else "")
    if not TARGET.fullmatch(target):
        raise ComposeError(
            "path",
            f"{target!r} is not a request target: it starts with / and holds visible"
            " ASCII only (percent-encode spaces and other characters, %20)",
        )
    headers = tuple(parse_header_lines(header_text))
    encoded = body.encode("utf-8")
    if len(encoded) > MAX_BODY_BYTES:
        raise ComposeError(
            "body",
            f"the body is {len(encoded):,} bytes, over the {MAX_BODY_BYTES:,} bytes"
            " the playground sends",
        )
    return Composed(method, target, headers, encoded)


def parse_header_lines(text: str) -> list[tuple[str, str]]:
    """``Name: value`` lines as pairs, in order, repeats kept, blank lines skipped."""
    headers = []
    lines = text.replace("\r\n", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if line[0] in " \t":
            raise ComposeError(
                "headers",
                f"header line {number} starts with a space: folded lines are obsolete"
                " (RFC 9112); put the value on its header's line",
            )
        name, colon, value = line.partition(":")
        if not colon:
            raise ComposeError(
                "headers",
                f"header line {number}, {line!r}, has no colon: want Name: value",
            )
        if not TOKEN.fullmatch(name):
            raise ComposeError(
                "headers",
                f"header line {number}: {name!r} is not a field name (a token, with no"
                " space before the colon)",
            )
        value = value.strip(" \t")
        if not FIELD_VALUE.fullmatch(value):
            raise ComposeError(
                "headers", f"header line {number}: the value of {name} holds a control"
                " character",
            )  # fmt: skip
        headers.append((name, value))
    if len(headers) > MAX_HEADER_LINES:
        raise ComposeError(
            "headers",
            f"{len(headers)} header lines, over the {MAX_HEADER_LINES} the playground"
            " sends",
        )
    return headers


def framing(composed: Composed, url: str) -> list[tuple[str, str]]:
    """The header lines added to ``composed`` for the server at ``url``: those the
    person did not write and a request needs."""
    added = []
    if not composed.has("Host"):
        added.append(("Host", urlsplit(url).netloc))
    if composed.body and not (
        composed.has("Content-Length") or composed.has("Transfer-Encoding")
    ):
        added.append(("Content-Length", str(len(composed.body))))
    if not composed.has("Connection"):
        added.append(("Connection", "close"))
    return added


def request_bytes(composed: Composed, added: list[tuple[str, str]]) -> bytes:
    """The request on the wire: its line, its headers then the added ones, its body."""
    lines = [f"{composed.method} {composed.target} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in (*composed.headers, *added)]
    head = "\r\n".join(lines) + "\r\n\r\n"
    return head.encode("utf-8") + composed.body


def send(url: str, raw: bytes, method: str, timeout: float = 10) -> Answer:
    """Send ``raw`` to the server at ``url`` (http or https) and read its answer.

    Any failure (refused, reset, timed out, not HTTP) is the answer's ``error``.
    """
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    started = time.perf_counter()
    answer = Answer()
    try:
        with socket.create_connection((parts.hostname or "", port), timeout) as plain:
            connection = plain
            if parts.scheme == "https":
                context = ssl.create_default_context()
                connection = context.wrap_socket(plain, server_hostname=parts.hostname)
            connection.sendall(raw)
            response = http.client.HTTPResponse(connection, method=method)
            try:
                response.begin()
                answer.status, answer.reason = response.status, response.reason
                answer.headers = response.getheaders()
                answer.body = response.read(MAX_ANSWER_BYTES + 1)
            finally:
                response.close()
    except (OSError, http.client.HTTPException) as error:
        answer.error = f"{type(error).__name__}: {error}" if str(error) else repr(error)
    answer.elapsed_ms = (time.perf_counter() - started) * 1000
    if len(answer.body) > MAX_ANSWER_BYTES:
        answer.body, answer.truncated = answer.body[:MAX_ANSWER_BYTES], True
    return answer
