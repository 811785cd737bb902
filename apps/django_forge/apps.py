"""The Django app that owns the ``users`` table and its migrations.

Counterparts: none; FastAPI and Flask have no app registry. ``settings.py`` lists it in
``INSTALLED_APPS``.
"""

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class ForgeConfig(AppConfig):
    """The Forge users app."""

    name = "django_forge"


def require_secret_key() -> None:
    """Refuse to serve without a secret key (``wsgi.py`` and ``asgi.py`` call this).

    Django checks ``SECRET_KEY`` at its first use, not at start-up, so that commands
    which need none (``migrate``, mypy's django plugin) run without one.
    """
    try:
        settings.SECRET_KEY  # noqa: B018
    except ImproperlyConfigured as error:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set: set it, or DJANGO_DEBUG=1 for a"
            " development key"
        ) from error
