"""Gunicorn's server hooks for Forge: read the rest of a refused body before closing.

An app refuses a body over 16 KiB (R8) after reading at most 16,385 bytes of it, and a
sync worker then closes the connection. Gunicorn reads on for 64 KiB at most before it
closes (``util.close_graceful``); past that, closing with unread bytes makes the peer's
socket fail, and HAProxy (2.6) then drops the 413 it had already been sent: the client
gets a closed connection instead, about one time in twenty for a 1 MiB body. This is
gunicorn's issue 3334 (its pull request 3546, a drain like this one, was not merged).

``post_request`` runs after the answer is written and before the close, so it reads
and discards what is left of the body, for at most ``LINGER_SECONDS``: the lingering
close of RFC 9112 section 9.6, which nginx does for 30 s. A body still arriving after
that is cut, as gunicorn does today.

Loaded by ``python -m gunicorn -c python:forge.gunicorn_hooks`` (``forge/servers.py``).
"""

import time
from typing import Any

LINGER_SECONDS = 2.0
"""How long a worker goes on reading a body its app did not read. A sync worker serves
no one else meanwhile, so it is short: behind HAProxy, 1 MiB takes milliseconds."""

CHUNK_BYTES = 64 * 1024


def post_request(worker: Any, req: Any, environ: dict[str, Any], resp: Any) -> None:
    """Read and discard the body's unread rest, within ``LINGER_SECONDS``."""
    body, sock = environ.get("wsgi.input"), environ.get("gunicorn.socket")
    if body is None or sock is None:
        return  # the request failed before its environ was made: nothing to read
    deadline = time.monotonic() + LINGER_SECONDS
    try:
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            if not body.read(CHUNK_BYTES):
                return
    # A timeout, a reset or a malformed chunk: the connection is closed next either
    # way, and there is nothing left to tell the client.
    except Exception:
        worker.log.debug("Stopped reading an unread request body", exc_info=True)
