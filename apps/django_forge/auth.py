"""The API token on writes (R26), with DRF's own authentication and permission classes.

Counterparts: ``fastapi_forge/auth.py``, ``flask_forge/auth.py``. ``UserViewSet`` sets
both classes; DRF's ``APIView.initial()`` runs them before any handler, so before the
body is parsed (R6). A write the permission refuses is DRF's ``NotAuthenticated``,
answered 401 with the authenticator's ``authenticate_header()`` as ``WWW-Authenticate``
(``errors.py`` writes the problem). ``contract.py`` holds the parse and the challenge;
the token is ``settings.FORGE_API_TOKEN``, read per request, empty for none.
"""

from django.conf import settings
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from django_forge.contract import WRITE_METHODS, bearer_challenge


class BearerTokenAuthentication(BaseAuthentication):
    """The server's API token as bearer credentials (RFC 6750)."""

    def authenticate(self, request: Request) -> tuple[None, str] | None:
        token = settings.FORGE_API_TOKEN
        if token and bearer_challenge(credentials(request), token) is None:
            return None, token  # no user: the token is the one identity there is
        # R26: never AuthenticationFailed, as DRF's TokenAuthentication raises for a
        # bad token on any method: reads ignore Authorization, so the permission
        # decides.
        return None

    def authenticate_header(self, request: Request) -> str | None:
        # R26: DRF asks for the challenge with the request alone, not what failed.
        return bearer_challenge(credentials(request), settings.FORGE_API_TOKEN)


class TokenOnWrites(BasePermission):
    """POST, PATCH and DELETE need the token, when the server has one (R26)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return (
            request.method not in WRITE_METHODS
            or not settings.FORGE_API_TOKEN
            or request.auth is not None
        )


def credentials(request: Request) -> str | None:
    """The Authorization value, several fields joined by commas as WSGI gives them."""
    return request.META.get("HTTP_AUTHORIZATION")
