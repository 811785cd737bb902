"""The handlers of /forge/users (a viewset) and /healthz.

Counterparts: ``fastapi_forge/views.py`` (an APIRouter), ``flask_forge/views.py`` (a
blueprint). ``urls.py`` routes to them.
"""

from typing import Any

from django.db import DatabaseError, IntegrityError, connection
from django.http import HttpRequest
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from django_forge import docs
from django_forge.errors import (
    INTERNAL_ERROR,
    SERVICE_UNAVAILABLE,
    USER_NOT_FOUND,
    NameConflict,
    QueryValidationError,
    ServiceUnavailable,
)
from django_forge.models import User
from django_forge.parsing import StrictJSONRequest
from django_forge.serializers import (
    HealthSerializer,
    UserListQuerySerializer,
    UserPageSerializer,
    UserSerializer,
)

MAX_ID = 2**63 - 1


def decimal_up_to(bound: int) -> str:
    """A regex of the canonical decimal integers from 1 to ``bound``.

    A regex cannot compare numbers, so it lists the shorter numbers, then for each digit
    of the bound the numbers that match it so far and are smaller at that digit.
    """
    digits = str(bound)
    shorter = f"[1-9][0-9]{{0,{len(digits) - 2}}}"
    same_length = [
        f"{digits[:i]}[{int(i == 0)}-{int(digit) - 1}][0-9]{{{len(digits) - i - 1}}}"
        for i, digit in enumerate(digits)
        if int(digit) > int(i == 0)
    ]
    return "|".join([shorter, *same_length, digits])


class AllowedMethods(APIView):
    """OPTIONS and the Allow header as R4 has them."""

    # Typed as View.options as well, which APIView.options overrides.
    def options(
        self, request: Request | HttpRequest, *args: Any, **kwargs: Any
    ) -> Response:
        """Name the methods this path allows."""
        # A 204 with Allow, not DRF's metadata document; an empty Response has no
        # Content-Type.
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


@extend_schema_view(
    create=extend_schema(
        parameters=[docs.LOCATION_HEADER],
        responses={
            201: UserSerializer,
            **docs.problems(
                *docs.BODY_PROBLEMS, INTERNAL_ERROR, validation=docs.BODY_VALIDATION
            ),
        },
    ),
    retrieve=extend_schema(
        parameters=[docs.USER_ID],
        responses={
            200: UserSerializer,
            **docs.problems(USER_NOT_FOUND, INTERNAL_ERROR),
        },
    ),
    partial_update=extend_schema(
        parameters=[docs.USER_ID],
        responses={
            200: UserSerializer,
            **docs.problems(
                *docs.BODY_PROBLEMS,
                USER_NOT_FOUND,
                INTERNAL_ERROR,
                validation=docs.BODY_VALIDATION,
            ),
        },
    ),
    destroy=extend_schema(
        parameters=[docs.USER_ID],
        responses={204: None, **docs.problems(USER_NOT_FOUND, INTERNAL_ERROR)},
    ),
)
class UserViewSet(AllowedMethods, viewsets.ModelViewSet[User]):
    """Create, list, read, change and delete users."""

    queryset = User.objects.order_by("id")
    serializer_class = UserSerializer
    # R3: only canonical ids up to 2^63-1 are paths of the API; DRF's default is [^/.]+.
    lookup_value_regex = decimal_up_to(MAX_ID)
    # PATCH but no PUT, in the order of the Allow header (R4).
    http_method_names = ("get", "head", "post", "patch", "delete", "options")

    def initialize_request(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> Request:
        # DRF's own request never parses a body sent without a Content-Length.
        return StrictJSONRequest.of(
            super().initialize_request(request, *args, **kwargs)
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create a user."""
        return super().create(request, *args, **kwargs)

    @extend_schema(
        parameters=[UserListQuerySerializer],
        responses={
            200: UserPageSerializer,
            **docs.problems(INTERNAL_ERROR, validation=docs.QUERY_VALIDATION),
        },
    )
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

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Read one user."""
        return super().retrieve(request, *args, **kwargs)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change a user's name and/or tier."""
        # Validated before the user is looked up: a bad body is 422 even for an
        # absent user (R6), where DRF's update() would look the user up first.
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.instance = self.get_object()
        self.perform_update(serializer)
        return Response(serializer.data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete a user."""
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance: User) -> None:
        # Of racing deletes, one deletes the row and the others see none: exactly one
        # answers 204 (R23), where DRF's would answer 204 to all.
        deleted, _ = instance.delete()
        if not deleted:
            raise NotFound

    def perform_create(self, serializer: BaseSerializer[User]) -> None:
        save_unique(serializer)

    def perform_update(self, serializer: BaseSerializer[User]) -> None:
        save_unique(serializer)

    def get_success_headers(self, data: Any) -> dict[str, str]:
        # DRF looks for a "url" field; the contract wants the path only (R15).
        return {"Location": reverse("user-detail", args=[data["id"]])}


def save_unique(serializer: BaseSerializer[User]) -> None:
    """Save, turning a clash on the unique name key into the 409 (R18).

    An update whose user a racing DELETE removed first matches no row: the user 404.
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


class HealthView(AllowedMethods):
    """/healthz."""

    http_method_names = ("get", "head", "options")

    @extend_schema(
        responses={
            200: HealthSerializer,
            **docs.problems(INTERNAL_ERROR, SERVICE_UNAVAILABLE),
        }
    )
    def get(self, request: Request) -> Response:
        """Say whether the database answers."""
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError as error:
            raise ServiceUnavailable from error
        return Response(HealthSerializer({"status": "ok"}).data)
