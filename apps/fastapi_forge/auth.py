"""The API token on writes (R26), as a FastAPI security dependency.

Counterparts: ``flask_forge/auth.py``, ``django_forge/auth.py``. ``views.py`` puts
``Security(bearer)`` on the three write routes; being FastAPI's ``HTTPBearer``, it
gives the document its ``bearerAuth`` scheme and Swagger UI its Authorize button. The
check itself is the contract's (``contract.bearer_challenge``), on the token
``create_app`` keeps in ``app.state.api_token`` (None for none). A refusal is the
401 ``HTTPException`` FastAPI's own schemes raise; ``errors.py`` writes the problem.
"""

from fastapi import HTTPException, status
from fastapi.security import HTTPBearer
from starlette.requests import HTTPConnection

from fastapi_forge.contract import bearer_challenge
from fastapi_forge.openapi import BEARER_AUTH, SECURITY_SCHEMES


class BearerToken(HTTPBearer):
    """The server's API token as bearer credentials (RFC 6750), when it has one."""

    async def __call__(self, request: HTTPConnection) -> None:
        token: str | None = request.app.state.api_token
        if token is None:  # R26: no token, no check; Authorization is ignored
            return
        # R26: HTTPBearer reads the first Authorization field only, strips the token
        # and cannot tell "Bearer" alone from no credentials; the contract's check
        # reads every field, joined as WSGI servers join them.
        credentials = ",".join(request.headers.getlist("authorization"))
        challenge = bearer_challenge(credentials, token)
        if challenge is not None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, headers={"WWW-Authenticate": challenge}
            )


bearer = BearerToken(
    scheme_name=BEARER_AUTH, description=SECURITY_SCHEMES[BEARER_AUTH]["description"]
)
"""The write routes' dependency: ``dependencies=[Security(bearer)]``."""
