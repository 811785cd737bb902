"""Only the hosts this server serves (R28), checked before routing, on every path.

Counterparts: ``flask_forge/hosts.py``; Django has ``ALLOWED_HOSTS`` (``settings.py``)
and answers the refusal with ``errors.handler400``.

Starlette's ``TrustedHostMiddleware`` is the middleware for this, but not the
contract's: its 400 is plain text, it redirects to a ``www.`` host it serves instead of
refusing, and it keeps a final dot (``localhost.`` is refused). So the app has a
middleware of the same shape, a plain ASGI one that runs before the router, around the
contract's test.
"""

from starlette.types import ASGIApp, Receive, Scope, Send

from fastapi_forge.contract import HOST_NOT_SERVED, host_is_served
from fastapi_forge.errors import problem_response


class ServedHostsMiddleware:
    """Answer R28's 400 to a request whose Host is not one of ``hosts``."""

    def __init__(self, app: ASGIApp, hosts: tuple[str, ...]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # Repeated fields joined with commas, as a WSGI server gives them.
            fields = [value for name, value in scope["headers"] if name == b"host"]
            field = b",".join(fields).decode("latin-1") if fields else None
            if not host_is_served(field, self.hosts):
                await problem_response(HOST_NOT_SERVED)(scope, receive, send)
                return
        await self.app(scope, receive, send)
