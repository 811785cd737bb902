"""The back-office admin at /admin/: ``django.contrib.admin`` over the users table.

Counterparts: ``fastapi_forge/admin.py`` (SQLAdmin), ``flask_forge/admin.py``
(Flask-Admin). Django gives the admin itself, its login on the auth user, signed
sessions, CSRF and its pages; django-axes (``settings.py``) locks out failed logins.
What the contract adds is that the admin's form takes no name or tier the API would
refuse: the form is validated by the API's own serializer, and its errors are the
API's (R12, R13), and by the model's unique ``name_key``, as the API's 409 (R18).
Without ``FORGE_ADMIN_USER`` and ``FORGE_ADMIN_PASSWORD`` the admin is off and /admin/
is the route 404 (``off_without_credentials``); with them, ``migrate`` makes that user
the one superuser (``sync_admin_user``).
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import django.contrib.admin
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError as ModelValidationError
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework.exceptions import ValidationError

from django_forge.contract import NAME_CONFLICT
from django_forge.errors import error_items
from django_forge.models import Tier, User
from django_forge.serializers import UserSerializer

STATIC_ROOT = Path(django.contrib.admin.__file__).with_name("static")
"""The admin's CSS and scripts, which ``urls.py`` serves under ``STATIC_URL``."""


def enabled() -> bool:
    """Whether the admin is on: only with both credentials set, so no default one."""
    return bool(settings.FORGE_ADMIN_USER and settings.FORGE_ADMIN_PASSWORD)


def off_without_credentials(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """A middleware: with the admin off, /admin/ is no path at all (R2)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        # Per request, not in urls.py, so that settings switched in tests apply.
        if request.path_info.startswith("/admin/") and not enabled():
            raise Http404  # urls.handler404: the route 404's problem
        return get_response(request)

    return middleware


# Generic in django-stubs only, not at run time (django-stubs-ext would patch that).
class UserForm(forms.ModelForm):  # type: ignore[type-arg]
    """The add and change form, whose fields only render: the API's rules decide."""

    # Without Django's own checks (its strip, max_length, choices), so a name or tier
    # has one error, the API's, and not two differently worded.
    name = forms.CharField(strip=False, required=False)
    tier = forms.CharField(
        required=False, initial=Tier.STANDARD, widget=forms.Select(choices=Tier.choices)
    )

    class Meta:
        model = User
        fields = ("name", "tier")

    def clean(self) -> dict[str, Any]:
        """Validate as the API does: ``UserSerializer`` and its error texts (R11)."""
        super().clean()  # which also asks for validate_unique() below
        given = {
            name: self.data[name] for name in ("name", "tier") if name in self.data
        }
        serializer = UserSerializer(data=given, partial=self.instance.pk is not None)
        if serializer.is_valid():
            return {**self.cleaned_data, **serializer.validated_data}
        for item in error_items(ValidationError(serializer.errors)):
            self.add_error(item["pointer"].removeprefix("#/") or None, item["detail"])
        return self.cleaned_data

    def validate_unique(self) -> None:
        """R18 by the model's unique ``name_key``, which ModelForm leaves out."""
        # Django checks only the unique fields that the form has, and name_key is not
        # one: the model's clean() has just set it from the name (full_clean).
        try:
            self.instance.validate_unique(exclude={"id"})
        except ModelValidationError:
            self.add_error("name", NAME_CONFLICT.detail)


# The admin's login comes from the environment (sync_admin_user), not from pages.
admin.site.unregister(get_user_model())
admin.site.unregister(Group)
admin.site.site_header = admin.site.site_title = "Forge administration"


@admin.register(User)
class UserAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The users: listed by id, filtered by tier, searched by name."""

    form = UserForm
    list_display = ("id", "name", "tier", "created_at")
    list_filter = ("tier",)
    search_fields = ("name",)
    ordering = ("id",)
    readonly_fields = ("id", "created_at")
    fields = ("id", "name", "tier", "created_at")


def sync_admin_user() -> None:
    """Make ``FORGE_ADMIN_USER`` the one active superuser, with its password hashed.

    ``migrate`` calls it, so every ``forge serve`` applies the environment's
    credentials; a user name no longer set can no longer log in.
    """
    if not enabled():
        return
    users = get_user_model().objects
    user, _ = users.get_or_create(username=settings.FORGE_ADMIN_USER)
    user.is_active = user.is_staff = user.is_superuser = True
    user.set_password(settings.FORGE_ADMIN_PASSWORD)  # Django's hasher, PBKDF2
    user.save()
    users.exclude(pk=user.pk).update(is_active=False)
