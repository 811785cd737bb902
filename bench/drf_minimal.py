"""DRF as its tutorial teaches it, in one module: a ``Serializer``, ``APIView``s.

What DRF gives for free: a serializer that validates and says why (400, DRF's error
shape), ``NotFound``, JSON out. Configured as an API-only project is (and as the Forge
app is): no sessions, no ``django.contrib.auth``, JSON only, so that the difference
from the Forge app is the contract and nothing else. No database: users live in a dict.
"""

from datetime import UTC, datetime
from typing import Any

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench, not a secret",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["rest_framework"],
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    APPEND_SLASH=False,
    USE_TZ=True,
    REST_FRAMEWORK={
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": [],
        "UNAUTHENTICATED_USER": None,
    },
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402 (after setup)
from django.urls import path  # noqa: E402
from rest_framework import serializers, status  # noqa: E402
from rest_framework.exceptions import NotFound  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

TIERS = ("Standard", "Pro", "Enterprise")
users: dict[int, dict[str, Any]] = {}


class UserSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=100)
    tier = serializers.ChoiceField(choices=TIERS, default="Standard")
    created_at = serializers.DateTimeField(read_only=True)


class UserList(APIView):
    def post(self, request: Request) -> Response:
        """Create a user."""
        serializer = UserSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = {**serializer.validated_data, "created_at": datetime.now(UTC)}
        user["id"] = max(users, default=0) + 1
        users[user["id"]] = user
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    def get(self, request: Request) -> Response:
        """List users, oldest first."""
        limit = int(request.query_params.get("limit", 20))
        offset = int(request.query_params.get("offset", 0))
        tier = request.query_params.get("tier")
        matching = [u for u in users.values() if tier is None or u["tier"] == tier]
        # many=True takes a list, which the stubs do not know.
        chosen = matching[offset : offset + limit]
        page = UserSerializer(chosen, many=True).data  # type: ignore[arg-type]
        return Response(
            {"items": page, "total": len(matching), "limit": limit, "offset": offset}
        )


class UserDetail(APIView):
    def get(self, request: Request, user_id: int) -> Response:
        """Read one user."""
        return Response(UserSerializer(self.user(user_id)).data)

    def patch(self, request: Request, user_id: int) -> Response:
        """Change a user's name or tier."""
        user = self.user(user_id)
        serializer = UserSerializer(user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user.update(serializer.validated_data)
        return Response(UserSerializer(user).data)

    def delete(self, request: Request, user_id: int) -> Response:
        """Delete a user."""
        del users[self.user(user_id)["id"]]
        return Response(status=status.HTTP_204_NO_CONTENT)

    def user(self, user_id: int) -> dict[str, Any]:
        if user_id not in users:
            raise NotFound("User not found")
        return users[user_id]


class Health(APIView):
    def get(self, request: Request) -> Response:
        """Say the app is up."""
        return Response({"status": "ok"})


urlpatterns = [
    path("forge/users", UserList.as_view()),
    path("forge/users/<int:user_id>", UserDetail.as_view()),
    path("healthz", Health.as_view()),
]
application = get_wsgi_application()
