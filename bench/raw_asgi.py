"""The ASGI ceiling: ``bench.raw`` behind the bare ASGI interface (uvicorn, granian)."""

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from bench.raw import handle

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """One request: read the whole body, answer from ``bench.raw``."""
    if scope["type"] == "lifespan":
        while (message := await receive())["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    status, payload = handle(
        scope["method"], scope["path"], scope["query_string"].decode("latin-1"), body
    )
    headers = [(b"content-type", b"application/json")] if payload else []
    headers.append((b"content-length", str(len(payload)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
