"""R26: the API token on writes, as a view decorator in the flaskr way.

Counterparts: ``fastapi_forge/auth.py``, ``django_forge/auth.py``. Flask's tutorial
guards views with a ``login_required`` decorator of its own ``auth.py``; this one is
``token_required``, the bearer check of ``contract.py`` around the three writes. The
decorator runs after routing (404, 405) and before the view reads its body (415, 413,
400), the order of R6.

Not Flask-HTTPAuth's ``HTTPTokenAuth(scheme="Bearer")``, though it meets R26 once
bridged: what it would give is its ``login_required`` wrapper, and all else must be
overridden. It decides on Werkzeug's ``request.authorization``, which strips what
follows the scheme (``Bearer  <token>`` passes) and, without a token after it, skips
``verify_token`` and answers 401, so with no token configured a write without
credentials is refused: only overriding its undocumented ``authenticate()`` with the
raw header fixes both. Its error handler gets the status alone, so the challenge is
worked out twice; it has no type hints, so mypy needs six ignores and the views lose
their types; and it is one more dependency.
"""

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import current_app, request

from flask_forge.contract import TOKEN_VARIABLE, bearer_challenge
from flask_forge.errors import UnauthorizedError

P = ParamSpec("P")
R = TypeVar("R")


def token_required(view: Callable[P, R]) -> Callable[P, R]:
    """Let ``view`` answer only a request with the server's token, if it has one."""

    @wraps(view)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        token: str | None = current_app.config[TOKEN_VARIABLE]
        if token is not None:  # R26: with no token, Authorization is ignored
            # R26: the raw value; Werkzeug's parse of it strips a second space.
            credentials = request.headers.get("Authorization")
            challenge = bearer_challenge(credentials, token)
            if challenge is not None:
                raise UnauthorizedError(challenge)
        return view(*args, **kwargs)

    return checked
