"""How each app is migrated and served: the one place that says so.

``forge serve`` runs these commands on a laptop; ``docker-compose.yml`` runs
``forge serve APP`` in each container, so it runs them too (``tests/test_compose.py``
holds the compose file to that). Each app is served the way its framework's docs deploy
it: FastAPI under uvicorn, Flask and Django under gunicorn, every command run with this
Python (``python -m ...``) so that the virtual environment's packages are the ones used.
"""

import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from sqlalchemy.engine import URL, make_url

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Server:
    """One app: its package, where it listens by default, and how to start it."""

    name: str
    package: str
    default_port: int
    server: str
    """The production server's module, run as ``python -m``: uvicorn or gunicorn."""

    def migrate_command(self) -> list[str]:
        """The command that migrates the database ``DATABASE_URL`` names."""
        if self.name == "fastapi":
            # FastAPI has no command line: Alembic's own, on the app's alembic.ini.
            ini = str(files(self.package).joinpath("alembic.ini"))
            return [sys.executable, "-m", "alembic", "-c", ini, "upgrade", "head"]
        if self.name == "flask":
            return [
                sys.executable, "-m", "flask", "--app", "flask_forge.app",
                "db", "upgrade",
            ]  # fmt: skip
        return [sys.executable, "-m", "django", "migrate", "--no-input"]

    def serve_command(self, host: str, port: int, workers: int) -> list[str]:
        """The production server's command line."""
        if self.server == "uvicorn":
            return [
                sys.executable, "-m", "uvicorn", "fastapi_forge.app:create_app",
                "--factory", "--host", host, "--port", str(port),
                "--workers", str(workers),
            ]  # fmt: skip
        application = {
            "flask": "flask_forge.app:create_app()",
            "django": "django_forge.wsgi",
        }[self.name]
        # No control socket: gunicorn puts it in ~/.gunicorn/gunicorn.ctl, one path
        # for both servers, and nothing here uses it.
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"  # IPv6
        return [
            sys.executable, "-m", "gunicorn", "--bind", address,
            "--workers", str(workers), "--access-logfile", "-",
            "--no-control-socket", application,
        ]  # fmt: skip


SERVERS = {
    server.name: server
    for server in (
        Server("fastapi", "fastapi_forge", 8001, "uvicorn"),
        Server("flask", "flask_forge", 8002, "gunicorn"),
        Server("django", "django_forge", 8003, "gunicorn"),
    )
}


def app_database_url(database_url: str, app: str) -> str:
    """The database of one app, next to the others at ``database_url``.

    The apps share table names (``users``) and Flask and FastAPI both keep Alembic's
    ``alembic_version``, so each gets its own database: ``forge`` becomes
    ``forge_flask`` on PostgreSQL, ``forge.sqlite3`` becomes ``forge_flask.sqlite3``.
    """
    url = make_url(database_url)
    name = url.database or ""
    if url.get_backend_name() == "sqlite":
        path = Path(name)
        return render(url.set(database=str(path.with_stem(f"{path.stem}_{app}"))))
    return render(url.set(database=f"{name or 'forge'}_{app}"))


def render(url: URL) -> str:
    """A URL as text, password included: it is handed to the app, not printed."""
    return url.render_as_string(hide_password=False)


def environment(
    app: str,
    database_url: str,
    data_dir: Path,
    host: str,
    inherited: Mapping[str, str],
) -> dict[str, str]:
    """The variables one app's commands run with: ``inherited`` and what it needs."""
    variables = {
        **inherited,
        "DATABASE_URL": app_database_url(database_url, app) if database_url else "",
        "FORGE_DATA_DIR": str(data_dir),
        # Log lines as they happen, not when a buffer fills.
        "PYTHONUNBUFFERED": "1",
    }
    if app == "django":
        variables["DJANGO_SETTINGS_MODULE"] = "django_forge.settings"
        # A fresh key per run unless the caller set one: nothing here is signed to last.
        variables.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
        if host not in LOOPBACK:
            # Listening beyond loopback: accept whatever name a client uses for it.
            variables.setdefault("DJANGO_ALLOWED_HOSTS", "*")
    return variables
