"""What each admin refuses before the contract's rules are wired in.

The bare ModelAdmin or ModelView over the users model, its form scaffolded from the
model, with only what any create needs: the model keeps ``name_key`` (so it is left
out of the form) and, for SQLAlchemy, ``created_at`` is set on create. Each try is
posted to the add form of a database holding one user, Ada; the table says what
happened. Run from the repository: ``python docs/bare_admins.py``.
"""

import os
import sqlite3
import subprocess
import sys
import tempfile
import types
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TRIES = [
    ("blank", {"name": ""}),
    ("only spaces", {"name": "   "}),
    ("65 characters", {"name": "x" * 65}),
    ("a control character", {"name": "Ada\x07Lovelace"}),
    ("a casefold duplicate of Ada", {"name": "ADA"}),
    ("tier Gold", {"name": "Grace", "tier": "Gold"}),
]


def judge(
    database: Path, post: Callable[[dict[str, str]], Any], api: Callable[[], int]
) -> dict[str, str]:
    """Each try posted, and what became of it: refused, let through, or worse."""
    rows = {}
    for label, fields in TRIES:
        with sqlite3.connect(database) as connection:
            before = connection.execute("SELECT max(id) FROM users").fetchone()[0]
        status, text = post({"tier": "Standard", **fields})
        with sqlite3.connect(database) as connection:
            after = connection.execute("SELECT max(id) FROM users").fetchone()[0]
            if after != before:
                listed = api()
                rows[label] = "let through" + (
                    f"; then GET /forge/users answers {listed}" if listed != 200 else ""
                )
                connection.execute("DELETE FROM users WHERE id = ?", (after,))
            elif status >= 500:
                rows[label] = f"refused by the database: a {status}"
            elif "IntegrityError" in text:
                rows[label] = "refused by the database, its error shown, SQL included"
            else:
                rows[label] = "refused by the form"
    return rows


def django_rows(folder: Path) -> dict[str, str]:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="django_forge.settings",
        DJANGO_SECRET_KEY="bare admins only",
        FORGE_DATA_DIR=str(folder),
        FORGE_ADMIN_USER="bare",
        FORGE_ADMIN_PASSWORD="bare",
    )
    import django

    django.setup()
    from django.contrib import admin
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client, override_settings
    from django.urls import path

    from django_forge import errors
    from django_forge.models import User

    call_command("migrate", verbosity=0)
    site = admin.AdminSite(name="bare")
    site.register(User, exclude=["name_key"])
    urls = types.ModuleType("bare_urls")
    urls.urlpatterns = [path("bare/", site.urls), path("forge/users", lambda r: None)]  # type: ignore[attr-defined]
    urls.handler500 = errors.handler500  # type: ignore[attr-defined]
    with override_settings(ROOT_URLCONF=urls):
        client = Client(HTTP_HOST="localhost", raise_request_exception=False)
        client.force_login(get_user_model().objects.get(username="bare"))
        User.objects.create(name="Ada")

        def post(data: dict[str, str]) -> tuple[int, str]:
            response = client.post("/bare/django_forge/user/add/", data)
            return response.status_code, response.content.decode()

        return judge(folder / "django.sqlite3", post, lambda: 200)


def flask_rows(folder: Path) -> dict[str, str]:
    from flask_admin import Admin
    from flask_admin.contrib.sqla import ModelView

    from flask_forge.app import create_app
    from flask_forge.db import db
    from flask_forge.models import User

    environment = {**os.environ, "FORGE_DATA_DIR": str(folder)}
    migrate = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "flask_forge.app",
        "db",
        "upgrade",
    ]
    subprocess.run(migrate, env=environment, check=True, capture_output=True)

    class Bare(ModelView):  # type: ignore[misc]
        form_excluded_columns = ("name_key", "created_at")

        def on_model_change(self, form: Any, model: User, is_created: bool) -> None:
            model.created_at = datetime.now(UTC)

    app = create_app({"FORGE_DATA_DIR": str(folder), "SECRET_KEY": "bare"})
    Admin(app, url="/bare", endpoint="bare").add_view(
        Bare(User, db, endpoint="bareuser")
    )
    client = app.test_client()
    host = {"Host": "localhost"}
    client.post("/forge/users", json={"name": "Ada"}, headers=host)

    def post(data: dict[str, str]) -> tuple[int, str]:
        response = client.post("/bare/bareuser/new/", data=data, headers=host)
        return response.status_code, response.get_data(as_text=True)

    def api() -> int:
        return client.get("/forge/users", headers=host).status_code

    return judge(folder / "flask.sqlite3", post, api)


def fastapi_rows(folder: Path) -> dict[str, str]:
    from fastapi.testclient import TestClient
    from sqladmin import Admin, ModelView
    from sqlalchemy.engine import make_url

    from fastapi_forge.app import create_app
    from fastapi_forge.config import Settings
    from fastapi_forge.db import migrate, open_engine
    from fastapi_forge.models import User

    migrate(make_url(f"sqlite+aiosqlite:///{folder}/fastapi.sqlite3"))
    settings = Settings(forge_data_dir=folder)
    app = create_app(settings)

    class Bare(ModelView, model=User):
        form_excluded_columns = (User.name_key, User.created_at)

        async def on_model_change(
            self, data: Any, model: Any, is_created: bool, request: Any
        ) -> None:
            model.created_at = datetime.now(UTC)

    Admin(app, open_engine(settings.sqlalchemy_url()), base_url="/bare").add_view(Bare)
    with TestClient(
        app, base_url="http://localhost", raise_server_exceptions=False
    ) as client:
        client.post("/forge/users", json={"name": "Ada"})

        def post(data: dict[str, str]) -> tuple[int, str]:
            response = client.post(
                "/bare/user/create", data=data, follow_redirects=False
            )
            return response.status_code, response.text

        return judge(
            folder / "fastapi.sqlite3",
            post,
            lambda: client.get("/forge/users").status_code,
        )


MEASURE = {"fastapi": fastapi_rows, "flask": flask_rows, "django": django_rows}

if __name__ == "__main__":
    if len(sys.argv) == 2:  # one app per process: Django's settings are the process's
        rows = MEASURE[sys.argv[1]](Path(tempfile.mkdtemp()))
        print("\n".join(f"{label}\t{result}" for label, result in rows.items()))
        sys.exit()
    results = {
        app: dict(
            line.split("\t")
            for line in subprocess.run(
                [sys.executable, __file__, app],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.splitlines()
        )
        for app in MEASURE
    }
    print("| tried in the bare admin | " + " | ".join(MEASURE) + " |")
    print("| --- |" + " --- |" * len(MEASURE))
    for label, _ in TRIES:
        print(
            f"| {label} | " + " | ".join(results[app][label] for app in MEASURE) + " |"
        )
