"""Settings read from the environment, with safe defaults for a laptop.

Counterparts: ``flask_forge/config.py``, ``django_forge/settings.py``. All three apps
read the same variables: ``DATABASE_URL``, ``FORGE_DATA_DIR``, ``FORGE_API_TOKEN`` (R26)
and ``FORGE_ALLOWED_HOSTS`` (R28).
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


def refused_in_one_line(read: Callable[[str], T], value: str) -> T:
    """``read(value)``; its ValueError, if any, ends the process with its line alone."""
    try:
        return read(value)
    except ValueError:
        # The process is ending: print the reason alone, not a traceback of
        # uvicorn's start-up (as django_forge's refuse() does).
        sys.tracebacklimit = 0
        raise
