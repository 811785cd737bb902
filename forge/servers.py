"""How each app is migrated and served: the one place that says so.

``forge serve`` runs these commands on a laptop; ``docker-compose.yml`` runs
``forge serve APP`` in each container, so it runs them too (``tests/test_compose.py``
holds the compose file to that). Each app is served the way its framework's docs deploy
it: FastAPI under uvicorn, Flask and Django under gunicorn, every command run with this
Python (``python -m ...``) so that the virtual environment's packages are the ones used.
Each app is one row of ``SERVERS``, each kind of server one template of
``SERVE_COMMANDS``: what differs between apps is data, not branches.
"""

import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

# sqlalchemy is imported when a URL is read: `forge --help` needs none of it.
if TYPE_CHECKING:
    from sqlalchemy.engine import URL

LOOPBACK = ("127.0.0.1", "localhost", "::1")
HOSTS_VARIABLE = "FORGE_ALLOWED_HOSTS"
"""The hosts every app serves (R28): loopback's names unless it is set."""

SERVE_COMMANDS = {
    "uvicorn": (
        "uvicorn", "{application}", "--factory", "{bind}", "--workers", "{workers}",
    ),
    # No control socket: gunicorn puts it in ~/.gunicorn/gunicorn.ctl, one path for
    # both servers, and nothing here uses it.
    # forge/gunicorn_hooks.py reads the rest of a body an app refused before the close.
    "gunicorn": (
        "gunicorn", "-c", "python:forge.gunicorn_hooks", "{bind}",
        "--workers", "{workers}", "--access-logfile", "-", "--no-control-socket",
        "{application}",
    ),
}  # fmt: skip
"""Each production server's command line, after ``python -m``; ``{bind}`` is BIND's."""

BIND: dict[str, dict[str, tuple[str, ...]]] = {
    "uvicorn": {
        "port": ("--host", "{host}", "--port", "{port}"),
        "socket": ("--uds", "{socket}"),
    },
    "gunicorn": {
        "port": ("--bind", "{address}"),
        "socket": ("--bind", "unix:{socket}"),
    },
}
"""Where each server listens: a port clients reach, or a Unix socket behind HAProxy."""

BEHIND_PROXY: dict[str, tuple[str, ...]] = {
    "uvicorn": (),
    # HAProxy bounds request lines and header fields (16 KiB in all; more and it
    # closes the connection, R27); gunicorn's own, smaller limits would answer in
    # HTML first. A
    # worker stuck on a database that never answers is replaced after 10 s (the
    # default is 30): HAProxy has answered its client at 4.5 s.
    "gunicorn": (
        "--limit-request-line", "0", "--limit-request-field_size", "0",
        "--limit-request-fields", "32768", "--timeout", "10",
    ),
}  # fmt: skip
"""What each server is told when HAProxy is in front of it (``forge/proxy.py``)."""


@dataclass(frozen=True)
class Server:
    """One app: its package, where it listens by default, and how to start it."""

    name: str
    package: str
    default_port: int
    server: str
    """The production server's module, run as ``python -m``: a key of SERVE_COMMANDS."""
    application: str
    """What the server loads: a factory for uvicorn, an application for gunicorn."""
    migrate: tuple[str, ...]
    """The migration command after ``python -m``; ``{package_dir}`` is the package's."""
    variables: Mapping[str, str] = field(default_factory=dict)
    """Variables the app's commands always run with."""
    secret_key_variable: str = ""
    """The variable of a secret key the app needs: a fresh one per run, unless set."""

    def migrate_command(self) -> list[str]:
        """The command that migrates the database ``DATABASE_URL`` names."""
        return [sys.executable, "-m", *(self.located(part) for part in self.migrate)]

    def located(self, part: str) -> str:
        """``part`` with ``{package_dir}`` made the package's folder, wherever it is."""
        if "{package_dir}" not in part:
            return part  # finding the folder imports the package: only if needed
        return part.format(package_dir=files(self.package))

    def serve_command(
        self, workers: int, host: str = "", port: int = 0, socket: Path | None = None
    ) -> list[str]:
        """The production server's command line, on ``host:port`` or on ``socket``."""
        values = {
            "application": self.application,
            "host": host,
            "port": str(port),
            "address": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",  # IPv6
            "socket": str(socket),
            "workers": str(workers),
        }
        bind = [*BIND[self.server]["socket" if socket else "port"]]
        if socket:
            bind += BEHIND_PROXY[self.server]
        command: list[str] = []
        for part in SERVE_COMMANDS[self.server]:
            command += bind if part == "{bind}" else [part]
        return [sys.executable, "-m", *(part.format(**values) for part in command)]


SERVERS = {
    server.name: server
    for server in (
        Server(
            "fastapi", "fastapi_forge", 8001, "uvicorn", "fastapi_forge.app:create_app",
            # FastAPI has no command line: Alembic's own, on the app's alembic.ini.
            migrate=("alembic", "-c", "{package_dir}/alembic.ini", "upgrade", "head"),
            secret_key_variable="FORGE_SECRET_KEY",  # the admin's sessions
        ),
        Server(
            "flask", "flask_forge", 8002, "gunicorn", "flask_forge.app:create_app()",
            migrate=("flask", "--app", "flask_forge.app", "db", "upgrade"),
            secret_key_variable="FORGE_SECRET_KEY",  # the admin's sessions
        ),
        Server(
            "django", "django_forge", 8003, "gunicorn", "django_forge.wsgi",
            migrate=("django", "migrate", "--no-input"),
            variables={"DJANGO_SETTINGS_MODULE": "django_forge.settings"},
            secret_key_variable="DJANGO_SECRET_KEY",
        ),
    )
}  # fmt: skip


def app_database_url(database_url: str, app: str) -> str:
    """The database of one app, next to the others at ``database_url``.

    The apps share table names (``users``) and Flask and FastAPI both keep Alembic's
    ``alembic_version``, so each gets its own database: ``forge`` becomes
    ``forge_flask`` on PostgreSQL, ``forge.sqlite3`` becomes ``forge_flask.sqlite3``.
    """
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    name = url.database or ""
    if url.get_backend_name() == "sqlite":
        path = Path(name)
        return render(url.set(database=str(path.with_stem(f"{path.stem}_{app}"))))
    return render(url.set(database=f"{name or 'forge'}_{app}"))


def render(url: "URL") -> str:
    """A URL as text, password included: it is handed to the app, not printed."""
    return url.render_as_string(hide_password=False)


def check_host(variables: Mapping[str, str]) -> str:
    """A Host that every app run with ``variables`` serves (R28), for forge serve's
    own requests: the first host of ``FORGE_ALLOWED_HOSTS``, else ``localhost``."""
    hosts = [host.strip() for host in variables.get(HOSTS_VARIABLE, "").split(",")]
    return next((host for host in hosts if host not in ("", "*")), "localhost")


def environment(
    app: str,
    database_url: str,
    data_dir: Path,
    host: str,
    inherited: Mapping[str, str],
    api_token: str | None = None,
) -> dict[str, str]:
    """The variables one app's commands run with: ``inherited`` and what it needs.

    The admin's ``FORGE_ADMIN_USER`` and ``FORGE_ADMIN_PASSWORD`` come with
    ``inherited``; Django's ``migrate`` makes them its superuser.
    """
    variables = {
        **inherited,
        "DATABASE_URL": app_database_url(database_url, app) if database_url else "",
        "FORGE_DATA_DIR": str(data_dir),
        # R26: writes need this token; empty, none do.
        "FORGE_API_TOKEN": api_token or "",
        # Log lines as they happen, not when a buffer fills.
        "PYTHONUNBUFFERED": "1",
    }
    server = SERVERS[app]
    variables.update(server.variables)
    if server.secret_key_variable:
        # A fresh key per run unless the caller set one: nothing here is signed to last.
        variables.setdefault(server.secret_key_variable, secrets.token_urlsafe(50))
    if host not in LOOPBACK:
        # Listening beyond loopback: serve whatever name a client uses for it (R28).
        variables.setdefault(HOSTS_VARIABLE, "*")
    return variables
