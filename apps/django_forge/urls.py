"""The URL routes: the users viewset, /healthz, the docs, and the error handlers.

Counterparts: ``fastapi_forge/app.py`` and ``views.py``, ``flask_forge/app.py`` and
``views.py``.
"""

from django.urls import URLPattern, URLResolver, path
from drf_spectacular.renderers import OpenApiJsonRenderer2
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from django_forge import docs, errors
from django_forge.views import HealthView, UserViewSet

# R2: no trailing slashes, and SimpleRouter has no API root view at "/".
router = SimpleRouter(trailing_slash=False)
router.register("forge/users", UserViewSet, basename="user")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("healthz", HealthView.as_view()),
    # Only the JSON form of the schema (served as application/json), not YAML.
    path(
        "openapi.json",
        SpectacularAPIView.as_view(renderer_classes=[OpenApiJsonRenderer2]),
        name="openapi",
    ),
    path("docs", SpectacularSwaggerView.as_view(url_name="openapi"), name="docs"),
    path("docs/<path:name>", docs.swagger_ui_file),
]

# Django's own pages for these are HTML: answer them as problems too (R5).
handler400 = errors.handler400
handler404 = errors.handler404
handler500 = errors.handler500
