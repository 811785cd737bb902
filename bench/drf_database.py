"""``drf_minimal`` with a database, the DRF way: a model, a ``ModelSerializer``, a
``ModelViewSet`` and a router, on SQLite or PostgreSQL.

Settings as in ``drf_minimal`` (no sessions, no auth), plus the database the
``BENCH_DATABASE`` variable names (or PostgreSQL, the one ``DATABASE_URL`` names) and
DRF's limit/offset pagination. The table comes from ``create_tables()`` (``forge
bench`` runs it once before serving).
"""

import os
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

import django
from django.conf import settings


def database(url: str) -> dict[str, object]:
    """``DATABASE_URL`` (postgresql://user@host:port/name) when set, else the SQLite
    file ``BENCH_DATABASE`` names; Django's defaults either way (CONN_MAX_AGE 0: a
    connection per request)."""
    if not url:
        name = os.environ.get("BENCH_DATABASE", "bench-django.sqlite3")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": name}
    parts = urlsplit(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }


settings.configure(
    DEBUG=False,
    SECRET_KEY="bench, not a secret",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["rest_framework", "bench"],
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    APPEND_SLASH=False,
    USE_TZ=True,
    DATABASES={"default": database(os.environ.get("DATABASE_URL", ""))},
    DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    REST_FRAMEWORK={
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": [],
        "UNAUTHENTICATED_USER": None,
        "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
        "PAGE_SIZE": 20,
    },
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402 (after setup)
from django.db import connection, models  # noqa: E402
from django.db.models import QuerySet  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework import serializers, viewsets  # noqa: E402
from rest_framework.decorators import api_view  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.routers import SimpleRouter  # noqa: E402

TIERS = ("Standard", "Pro", "Enterprise")


def now() -> datetime:
    return datetime.now(UTC)


class User(models.Model):
    name = models.CharField(max_length=100)
    tier = models.CharField(
        max_length=10, choices=[(t, t) for t in TIERS], default="Standard"
    )
    created_at = models.DateTimeField(default=now)

    # Declared: the type checker's Django plugin knows only the Forge app's models.
    objects: "models.Manager[User]" = models.Manager()

    class Meta:
        app_label = "bench"
        db_table = "users"
        ordering = ("id",)


class UserSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ("id", "name", "tier", "created_at")
        read_only_fields = ("created_at",)


class UserViewSet(viewsets.ModelViewSet[User]):
    serializer_class = UserSerializer

    def get_queryset(self) -> QuerySet[User]:
        users = User.objects.all()
        if tier := self.request.query_params.get("tier"):
            users = users.filter(tier=tier)
        return users


def create_tables() -> None:
    if User._meta.db_table not in connection.introspection.table_names():
        with connection.schema_editor() as editor:
            editor.create_model(User)


@api_view(["GET"])
def health(request: Request) -> Response:
    """Say the app is up."""
    return Response({"status": "ok"})


# Without the trailing slash DRF's routers add by default: the paths of the others.
router = SimpleRouter(trailing_slash=False)
router.register("forge/users", UserViewSet, basename="user")
urlpatterns = [*router.urls, path("healthz", health)]
application = get_wsgi_application()
