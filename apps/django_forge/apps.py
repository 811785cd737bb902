"""The Django app that owns the ``users`` table and its migrations.

Counterparts: none; FastAPI and Flask have no app registry. ``settings.py`` lists it in
``INSTALLED_APPS``.
"""

from django.apps import AppConfig


class ForgeConfig(AppConfig):
    """The Forge users app."""

    name = "django_forge"
