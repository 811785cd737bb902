"""Settings read from the environment, with safe defaults for a laptop.

Counterparts: ``flask_forge/config.py``, ``django_forge/settings.py``. All three apps
read the same variables: ``DATABASE_URL``, ``FORGE_DATA_DIR``, ``FORGE_API_TOKEN`` (R26)
and ``FORGE_ALLOWED_HOSTS`` (R28), and the admin's ``FORGE_ADMIN_USER``,
``FORGE_ADMIN_PASSWORD``, ``FORGE_SECRET_KEY`` and ``FORGE_HTTPS`` (``admin.py``).
"""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic_settings import BaseSettings
from sqlalchemy.engine import URL, make_url

from fastapi_forge.contract import api_token, served_hosts

T = TypeVar("T")

# Plain URLs (``sqlite:///...``, ``postgresql://...``) are shared by the three apps;
# each app picks its own driver, and this one needs async drivers.
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
}


class Settings(BaseSettings):
    """What the app reads from the environment (field names, upper-cased)."""

    database_url: str = ""
    """Empty means an embedded SQLite file in ``forge_data_dir``."""

    forge_data_dir: Path = Path("data")
    """Relative to the working directory (git ignores ``data/``), not the package."""

    forge_api_token: str = ""
    """R26: the token writes need; empty means none."""

    forge_allowed_hosts: str = ""
    """R28: the hosts served, comma-separated; empty means loopback's names."""

    forge_admin_user: str = ""
    forge_admin_password: str = ""
    """The admin's credentials (admin.py): it is off unless both are set."""

    forge_secret_key: str = ""
    """What signs the admin's session cookie and CSRF tokens."""

    forge_https: bool = False
    """Clients come over TLS (a proxy in front ends it): the admin's cookie is
    Secure."""

    def sqlalchemy_url(self) -> URL:
        """The database URL with this app's async driver."""
        if not self.database_url:
            return make_url(
                f"sqlite+aiosqlite:///{self.forge_data_dir / 'fastapi.sqlite3'}"
            )
        url = make_url(self.database_url)
        return url.set(drivername=ASYNC_DRIVERS.get(url.drivername, url.drivername))

    def api_token(self) -> str | None:
        """The token writes need, or None; refuses a bad one in one line (R26)."""
        return refused_in_one_line(api_token, self.forge_api_token)

    def hosts(self) -> tuple[str, ...]:
        """The hosts served; refuses a setting that names no host in one line (R28)."""
        return refused_in_one_line(served_hosts, self.forge_allowed_hosts)

    def admin_enabled(self) -> bool:
        """Whether the admin is on; then it needs a secret key, or the app stops."""
        enabled = bool(self.forge_admin_user and self.forge_admin_password)
        if enabled:
            refused_in_one_line(require_secret_key, self.forge_secret_key)
        return enabled


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
        # The process is ending: print the reason alone, not a traceback of
        # uvicorn's start-up (as django_forge's refuse() does).
        sys.tracebacklimit = 0
        raise
