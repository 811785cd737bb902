"""Methods the contract's way: OPTIONS is a bare 204, ``Allow`` rides on it and on the
405 alone (R4), and the 405 comes before authentication (R6).

Counterparts: ``fastapi_forge/routing.py`` and ``flask_forge/routing.py``, which also
match the ids; in Django, ``urls.py`` routes and the viewset's ``lookup_value_regex``
matches the ids (R3). DRF gives every view ``Allow``, in ``http_method_names`` order.
"""

from typing import Any

from django.http import HttpRequest
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class AllowedMethods(APIView):
    """OPTIONS and the Allow header as R4 has them, and the 405 before the 401 (R6)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # R6: DRF's dispatch() looks for the method's handler only after initial()
        # has authenticated, so DELETE /forge/users would be 401, not 405 (R26).
        method = (request.method or "").lower()
        if method not in self.http_method_names or not hasattr(self, method):
            self.http_method_not_allowed(request, *args, **kwargs)  # raises the 405
        super().initial(request, *args, **kwargs)

    # Typed as View.options as well, which APIView.options overrides.
    def options(
        self, request: Request | HttpRequest, *args: Any, **kwargs: Any
    ) -> Response:
        """Name the methods this path allows."""
        # A 204 with Allow, not DRF's metadata document; an empty Response has no
        # Content-Type (R5).
        return Response(status=status.HTTP_204_NO_CONTENT)

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        # DRF names the allowed methods on every response; the contract on OPTIONS
        # and 405 only.
        if request.method != "OPTIONS" and response.status_code != 405:
            del response["Allow"]
        return response
