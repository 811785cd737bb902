"""The handlers of /forge/users (a viewset) and /healthz.

Counterparts: ``fastapi_forge/views.py`` (an APIRouter), ``flask_forge/views.py`` (a
blueprint). ``urls.py`` routes to them; what the document says of each action is
``docs.py``'s; DRF's own ``create``, ``retrieve`` and ``destroy`` serve as they are.
"""

from typing import Any

from django.db import DatabaseError, IntegrityError
from django.http import HttpRequest
from django.urls import reverse
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from django_forge import docs
from django_forge.auth import BearerTokenAuthentication, TokenOnWrites
from django_forge.contract import USER_ID
from django_forge.errors import NameConflict, QueryValidationError, ServiceUnavailable
from django_forge.models import User
from django_forge.parsing import StrictJSONRequest
from django_forge.routing import AllowedMethods
from django_forge.serializers import (
    HealthSerializer,
    UserListQuerySerializer,
    UserPageSerializer,
    UserSerializer,
)


@docs.describe_users
class UserViewSet(AllowedMethods, viewsets.ModelViewSet[User]):
    """Create, list, read, change and delete users."""

    queryset = User.objects.order_by("id")
    serializer_class = UserSerializer
    # R3: only canonical ids up to 2^63-1 are paths of the API; DRF's default is [^/.]+.
    lookup_value_regex = USER_ID
    # R4: PATCH but no PUT, in the order of the Allow header.
    http_method_names = ("get", "head", "post", "patch", "delete", "options")
    # R26: the API token on writes, when the server has one.
    authentication_classes = (BearerTokenAuthentication,)
    permission_classes = (TokenOnWrites,)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """List users by id, a page at a time, optionally of one tier."""
        query = UserListQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise QueryValidationError(query.errors)
        limit, offset = query.validated_data["limit"], query.validated_data["offset"]
        users = self.get_queryset()
        if "tier" in query.validated_data:
            users = users.filter(tier=query.validated_data["tier"])
        page = {
            "items": users[offset : offset + limit],
            "total": users.count(),
            "limit": limit,
            "offset": offset,
        }
        return Response(UserPageSerializer(page).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change a user's name and/or tier."""
        # R6: validated before the user is looked up, so a bad body is 422 even for
        # an absent user, where DRF's update() would look the user up first.
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.instance = self.get_object()
        self.perform_update(serializer)
        return Response(serializer.data)

    def perform_create(self, serializer: BaseSerializer[User]) -> None:
        save_unique(serializer)

    def perform_update(self, serializer: BaseSerializer[User]) -> None:
        save_unique(serializer)

    def perform_destroy(self, instance: User) -> None:
        # R23: of racing deletes, one deletes the row and the others see none, so
        # exactly one answers 204, where DRF's would answer 204 to all.
        deleted, _ = instance.delete()
        if not deleted:
            raise NotFound

    def initialize_request(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> Request:
        # R8: DRF's own request never parses a body sent without a Content-Length.
        return StrictJSONRequest.of(
            super().initialize_request(request, *args, **kwargs)
        )

    def get_success_headers(self, data: Any) -> dict[str, str]:
        # R15: the path only, where DRF looks for a "url" field.
        return {"Location": reverse("user-detail", args=[data["id"]])}


@docs.describe_health
class HealthView(AllowedMethods):
    """/healthz."""

    http_method_names = ("get", "head", "options")

    def get(self, request: Request) -> Response:
        """Say whether the app can serve the API (R24)."""
        try:
            # R24: the users table, in the file at its configured path: a kept
            # connection to another file is dropped first (backends/sqlite3/), and
            # a new one opens with mode=rw (settings.py).
            User.objects.exists()
        except DatabaseError as error:
            raise ServiceUnavailable from error
        return Response(HealthSerializer({"status": "ok"}).data)


def save_unique(serializer: BaseSerializer[User]) -> None:
    """Save, turning a clash on the unique name key into the 409 (R18).

    An update whose user a racing DELETE removed first matches no row: the user 404
    (R22).
    """
    try:
        serializer.save()
    except IntegrityError as error:
        raise NameConflict from error
    except DatabaseError as error:
        # A forced update that finds no row (models.py) is a bare DatabaseError in
        # Django 5.2; every failure of the database itself is a subclass.
        if type(error) is not DatabaseError:
            raise
        raise NotFound from error
