"""The URL routes: the users viewset, /healthz, the docs, the admin, and the error
handlers.

Counterparts: ``fastapi_forge/app.py`` and ``views.py``, ``flask_forge/app.py`` and
``views.py``.
"""

from django.contrib import admin as django_admin
from django.urls import URLPattern, URLResolver, path
from django.views.static import serve
from drf_spectacular.renderers import OpenApiJsonRenderer2
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from django_forge import admin, docs, errors
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


# The admin, outside the API (R2); admin.off_without_credentials makes it a route 404
# unless FORGE_ADMIN_USER and FORGE_ADMIN_PASSWORD are set.
urlpatterns += [
    # Its files with DEBUG off, which Django's staticfiles serves only with it on.
    path("admin/static/<path:path>", serve, {"document_root": admin.STATIC_ROOT}),
    path("admin/", django_admin.site.urls),
]

# Django's own pages for these are HTML: answer them as problems too (R5).
handler400 = errors.handler400
handler404 = errors.handler404
handler500 = errors.handler500
