"""Django's sqlite3 backend, whose kept connection is dropped once the file at the
configured path is no longer the one it opened (R24).

Counterparts: ``fastapi_forge/db.py`` and ``flask_forge/db.py``, the other apps'
engines. ``settings.py`` keeps connections (``CONN_MAX_AGE``) and turns
on ``CONN_HEALTH_CHECKS``, so Django calls ``is_usable()`` once per request, before the
request's first statement on a kept connection, and never on a request that makes no
statement (a refused one).
"""

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.db.backends.sqlite3 import base

FileIdentity = tuple[int, int]
"""A file's device and inode: what stays the same while it is the same file."""


def identity(path: Path) -> FileIdentity | None:
    """The identity of the file at ``path`` now, or None when there is none."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


class DatabaseWrapper(base.DatabaseWrapper):
    """A SQLite connection that knows which file it opened."""

    opened: FileIdentity | None = None

    def path(self) -> Path:
        """The file ``NAME`` points at: ``settings.py`` writes it as a ``file:`` URI."""
        return Path(url2pathname(urlsplit(self.settings_dict["NAME"]).path))

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        # Before connecting: a file replaced in between makes the next check fail
        # and reconnect, never the reverse (a connection to a file taken for another).
        self.opened = None if self.is_in_memory_db() else identity(self.path())
        return super().get_new_connection(conn_params)

    def is_usable(self) -> bool:
        # R24: a kept connection would go on reading and writing a file deleted or
        # moved away, or one replaced by another at the path (its inode then is
        # another's). A stat, no statement: the WAL's -wal and -shm files beside it
        # come and go with the main file and are not looked at.
        return self.is_in_memory_db() or (
            self.opened is not None and identity(self.path()) == self.opened
        )
