"""Settings read from the environment, with safe defaults for a laptop.

Counterparts: ``fastapi_forge/config.py``, ``django_forge/settings.py``. All three apps
read the same variables: ``DATABASE_URL``, ``FORGE_DATA_DIR``, ``FORGE_API_TOKEN`` (R26)
and ``FORGE_ALLOWED_HOSTS`` (R28), and the admin's ``FORGE_ADMIN_USER``,
``FORGE_ADMIN_PASSWORD``, ``FORGE_SECRET_KEY`` and ``FORGE_HTTPS`` (``admin.py``).
"""

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, unquote

from sqlalchemy import QueuePool
from sqlalchemy.engine import URL, make_url

from flask_forge.contract import HOSTS_VARIABLE, TOKEN_VARIABLE, api_token, served_hosts

T = TypeVar("T")

# Plain URLs (``sqlite:///...``, ``postgresql://...``) are shared by the three apps;
# each app picks its own driver, and this one uses psycopg 3 for PostgreSQL.
DRIVERS = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
}

CONNECT_TIMEOUT_SECONDS = 2
"""The longest a request waits to connect to the database server.

R24 and R25 want the 503 or 500 problem within 5 seconds whatever the database does;
on a server that accepts connections and then says nothing, libpq would wait forever.
Whole seconds: libpq's ``connect_timeout`` takes no fraction.
"""
QUERY_TIMEOUT_SECONDS = 2
"""The longest a statement may run or wait for a lock, and SQLite for a file's lock,
before it fails (R24, R25): with the connect, 4 s at most, inside the 4.5 s after which
the proxy in front answers for the app (R27). The server keeps this clock: psycopg has
none of its own for a reply that never comes, so the proxy ends such a request.
"""


def from_environment() -> dict[str, Any]:
    """What the app reads from the environment, as Flask config keys."""
    return {
        # The admin (admin.py): off unless both credentials are set.
        "FORGE_ADMIN_USER": os.environ.get("FORGE_ADMIN_USER", ""),
        "FORGE_ADMIN_PASSWORD": os.environ.get("FORGE_ADMIN_PASSWORD", ""),
        # What signs the admin's session cookie; HttpOnly is Flask's default.
        "SECRET_KEY": os.environ.get("FORGE_SECRET_KEY", ""),
        # Not Flask's "session": cookies ignore ports, and the apps share a host.
        "SESSION_COOKIE_NAME": "forge_flask_admin",
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("FORGE_HTTPS", "") == "1",
        # Empty means an embedded SQLite file in FORGE_DATA_DIR.
        "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
        # Relative to the working directory (git ignores data/), not the package.
        "FORGE_DATA_DIR": os.environ.get("FORGE_DATA_DIR", "data"),
        # R26: empty means no token, and writes are open.
        TOKEN_VARIABLE: os.environ.get(TOKEN_VARIABLE, ""),
        # R28: empty means loopback's names.
        HOSTS_VARIABLE: os.environ.get(HOSTS_VARIABLE, ""),
    }


def sqlalchemy_url(config: Mapping[str, Any]) -> URL:
    """The database URL of ``config`` with this app's driver."""
    if not config["DATABASE_URL"]:
        # Absolute: Flask-SQLAlchemy would put a relative SQLite path in instance/.
        path = Path(config["FORGE_DATA_DIR"], "flask.sqlite3").absolute()
        return existing_file_only(URL.create("sqlite", database=str(path)))
    url = make_url(config["DATABASE_URL"])
    url = url.set(drivername=DRIVERS.get(url.drivername, url.drivername))
    return existing_file_only(url)


def existing_file_only(url: URL) -> URL:
    """``url``, but an SQLite file path as a URI that opens the file only if it exists.

    SQLite creates a missing file on connecting, and the app would then answer from an
    empty database; ``mode=rw`` fails instead, so the migrations alone create it (R24).
    A URL that already is a URI (``uri=true``) keeps the mode it names.
    """
    if (
        url.get_backend_name() != "sqlite"
        or url.database in (None, "", ":memory:")
        or "uri" in url.query
    ):
        return url
    uri = url.set(database=f"file:{quote(url.database or '')}")
    return uri.update_query_dict({"mode": "rw", "uri": "true"})


def sqlite_file(url: URL) -> Path | None:
    """The file an SQLite ``url`` names (a plain path or ``existing_file_only``'s URI),
    or None for another database or one in memory."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    database = url.database or ""
    if "uri" in url.query:
        database = unquote(database.removeprefix("file:"))
    return Path(database)


def engine_options(url: URL) -> dict[str, Any]:
    """Flask-SQLAlchemy's engine options for ``url``: its pool, and how long to wait.

    The pool is SQLAlchemy's QueuePool, which ``pool.init_engine`` makes keep R24 and
    R25. One connection kept: a gunicorn sync worker serves one request at a time, so
    a second would stay idle (on PostgreSQL, a server process and its memory each);
    a threaded server or test opens its overflow, closed when returned.
    """
    pooled: dict[str, Any] = {"poolclass": QueuePool, "pool_size": 1}
    if url.get_backend_name() == "postgresql":
        milliseconds = QUERY_TIMEOUT_SECONDS * 1000
        return {
            **pooled,
            "connect_args": {
                "connect_timeout": CONNECT_TIMEOUT_SECONDS,
                # A statement stuck behind a lock ends in an error, and a transaction
                # its client abandoned mid-way stops holding its locks.
                "options": f"-c statement_timeout={milliseconds}"
                f" -c idle_in_transaction_session_timeout={milliseconds}",
            },
        }
    if sqlite_file(url) is None:
        return {}
    # R24, R25: wait this long for another connection's lock on the file, then fail.
    return {**pooled, "connect_args": {"timeout": QUERY_TIMEOUT_SECONDS}}


def admin_enabled(config: Mapping[str, Any]) -> bool:
    """Whether the admin is on: only with both credentials set, so no default one."""
    return bool(config["FORGE_ADMIN_USER"] and config["FORGE_ADMIN_PASSWORD"])


def checked_token(config: Mapping[str, Any]) -> str | None:
    """The API token of ``config``, or None for none; a bad one stops the app (R26)."""
    return refused_in_one_line(api_token, config[TOKEN_VARIABLE])


def checked_hosts(config: Mapping[str, Any]) -> tuple[str, ...]:
    """The hosts ``config`` serves; a setting that names no host stops the app (R28)."""
    return refused_in_one_line(served_hosts, config[HOSTS_VARIABLE])


def require_secret_key(key: str) -> str:
    """``key``, which the admin signs its sessions with; ValueError if empty."""
    if not key:
        raise ValueError(
            "FORGE_SECRET_KEY is not set: the admin signs its sessions with it"
        )
    return key


def refused_in_one_line(read: Callable[[str], T], value: str) -> T:
    """``read(value)``; its ValueError, if any, ends the process with its line alone."""
    try:
        return read(value)
    except ValueError:
        # The process is ending: print the reason alone, not a traceback of the
        # factory, wherever it is printed (Python's own handler, gunicorn's log).
        sys.tracebacklimit = 0
        raise
