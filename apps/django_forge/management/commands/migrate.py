"""Django's ``migrate``, which first creates a missing SQLite file, and then the
admin's user from the environment.

Counterparts: ``fastapi_forge/db.py`` ``migrate()`` and ``flask db upgrade``, whose
Alembic creates the file as it connects. Here no connection may: ``settings.py`` opens
SQLite files with ``mode=rw`` (R24), so the app serves only a database that migrations
made. An app's command of the same name replaces Django's, this subclass included.
"""

from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.core.management.commands import migrate
from django.db import connections
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLite

from django_forge.admin import sync_admin_user


class Command(migrate.Command):
    """``migrate``, creating the SQLite file it migrates when there is none."""

    def handle(self, *args: Any, **options: Any) -> None:
        """Create the database's file if missing, migrate as Django does, then the
        admin's user."""
        connection = connections[options["database"]]
        if isinstance(connection, SQLite) and not connection.is_in_memory_db():
            # R24: an empty file is an empty SQLite database, which migrate then fills.
            path = Path(url2pathname(urlsplit(connection.settings_dict["NAME"]).path))
            with suppress(FileExistsError):  # an existing file stays as it is
                path.touch(exist_ok=False)
        super().handle(*args, **options)
        # forge serve migrates before every start: the admin's login is then the
        # environment's FORGE_ADMIN_USER and FORGE_ADMIN_PASSWORD.
        sync_admin_user()
