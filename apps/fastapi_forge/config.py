"""Settings read from the environment, with safe defaults for a laptop.

Counterparts: ``flask_forge/config.py``, ``django_forge/settings.py``. All three apps
read the same variables: ``DATABASE_URL``, ``FORGE_DATA_DIR`` and ``FORGE_API_TOKEN``.
"""

import sys
from pathlib import Path

from pydantic_settings import BaseSettings
from sqlalchemy.engine import URL, make_url

from fastapi_forge.contract import api_token

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
        try:
            return api_token(self.forge_api_token)
        except ValueError:
            # The process is ending: print the reason alone, not a traceback of
            # uvicorn's start-up (as django_forge's require_secret_key does).
            sys.tracebacklimit = 0
            raise
