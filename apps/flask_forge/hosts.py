"""Only the hosts this server serves (R28), checked before routing, on every path.

Counterparts: ``fastapi_forge/hosts.py``; Django has ``ALLOWED_HOSTS`` (``settings.py``)
and answers the refusal with ``errors.handler400``.

Flask 3.1's ``TRUSTED_HOSTS`` is the setting for this, but not the contract's: Werkzeug
cuts each trusted name at its first ``:``, so ``[::1]`` never matches; it refuses a
port above 65535 or with a leading zero, and a final dot. So a ``before_request``
function, which Flask runs before it raises a route's 404 or 405, applies the
contract's test.
"""

from flask import Flask, current_app, request

from flask_forge.contract import (
    HOST_NOT_SERVED,
    HOSTS_VARIABLE,
    ProblemError,
    host_is_served,
)


def served_host_only() -> None:
    """Raise R28's 400 for a request whose Host the app does not serve."""
    # The raw field (Werkzeug's request.host is "" for an invalid one), repeated
    # fields joined with commas by the WSGI server.
    if not host_is_served(
        request.headers.get("Host"), current_app.config[HOSTS_VARIABLE]
    ):
        raise ProblemError(HOST_NOT_SERVED)


def init_app(app: Flask) -> None:
    """Check the host first: register before every other ``before_request``."""
    app.before_request(served_host_only)
