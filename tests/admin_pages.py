"""Where each app's admin has its pages: the one table of them, for the admin tests.

``tests/test_admin.py`` drives them in-process, ``tests/test_admin_browser.py`` in
Chromium on ``forge serve``; both log in as ``ADMIN``.
"""

from dataclasses import dataclass

ADMIN = ("forge-admin", "a password for the tests only")
"""The admin's FORGE_ADMIN_USER and FORGE_ADMIN_PASSWORD in the tests."""


@dataclass(frozen=True)
class Pages:
    """Where an admin has its pages, and what it names its CSRF field."""

    login: str
    add: str
    changelist: str
    csrf_field: str
    search: str
    """The list's query parameter of a search by name."""
    edit: str
    """The edit page of the user ``{id}``."""


PAGES = {
    "fastapi": Pages(
        login="/admin/login",
        add="/admin/user/create",
        changelist="/admin/user/list",
        csrf_field="csrf_token",
        search="search",
        edit="/admin/user/edit/{id}",
    ),
    "flask": Pages(
        login="/admin/login/",
        add="/admin/user/new/",
        changelist="/admin/user/",
        csrf_field="csrf_token",
        search="search",
        edit="/admin/user/edit/?id={id}",
    ),
    "django": Pages(
        login="/admin/login/",
        add="/admin/django_forge/user/add/",
        changelist="/admin/django_forge/user/",
        csrf_field="csrfmiddlewaretoken",
        search="q",
        edit="/admin/django_forge/user/{id}/change/",
    ),
}
