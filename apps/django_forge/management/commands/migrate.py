"""Django's ``migrate``, which first creates a missing SQLite file.

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


class Command(migrate.Command):
    """``migrate``, creating the SQLite file it migrates when there is none."""

    def handle(self, *args: Any, **options: Any) -> None:
        """Create the database's file if it is missing, then migrate as Django does."""
        connection = connections[options["database"]]
        if isinstance(connection, SQLite) and not connection.is_in_memory_db():
            # R24: an empty file is an empty SQLite database, which migrate then fills.
            path = Path(url2pathname(urlsplit(connection.settings_dict["NAME"]).path))
            with suppress(FileExistsError):  # an existing file stays as it is
                path.touch(exist_ok=False)
        super().handle(*args, **options)
