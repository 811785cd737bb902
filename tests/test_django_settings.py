"""Django's start-up, which the other two apps have no counterpart for.

The HTTP tests never name a framework. These test one app's configuration: with
``DEBUG`` off, a Django server must refuse to start without a secret key, and say
which variable to set, rather than serve with a key anybody can read in the source.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ENTRY_POINTS = ["django_forge.wsgi", "django_forge.asgi"]
REFUSAL = (
    "django.core.exceptions.ImproperlyConfigured: DJANGO_SECRET_KEY is not set:"
    " set it, or DJANGO_DEBUG=1 for a development key"
)


def load(
    module: str, tmp_path: Path, **environment: str
) -> "subprocess.CompletedProcess[str]":
    """Import an entry point as a server would, in a clean Django environment."""
    return run([sys.executable, "-c", f"import {module}"], tmp_path, **environment)


def run(
    command: list[str], tmp_path: Path, **environment: str
) -> "subprocess.CompletedProcess[str]":
    """A command in a clean Django environment: no DJANGO_ variables, no database."""
    clean = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DJANGO_") and name != "DATABASE_URL"
    }
    return subprocess.run(
        command,
        env={**clean, "FORGE_DATA_DIR": str(tmp_path / "data"), **environment},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("module", ENTRY_POINTS)
def test_server_without_secret_key_refuses_to_start(
    module: str, tmp_path: Path
) -> None:
    """DEBUG off and no key: the entry point fails with one line naming the variable."""
    result = load(module, tmp_path)

    assert result.returncode == 1
    assert result.stderr == REFUSAL + "\n"


def test_gunicorn_without_secret_key_stops_with_the_one_line(tmp_path: Path) -> None:
    """Under gunicorn, as the README runs it: the refusal, no traceback, a stop."""
    gunicorn = [sys.executable, "-m", "gunicorn", "--no-control-socket"]
    result = run([*gunicorn, "-b", "127.0.0.1:0", "django_forge.wsgi"], tmp_path)

    assert result.returncode != 0  # gunicorn's own status for a worker that cannot boot
    assert REFUSAL in result.stderr.splitlines()
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("module", ENTRY_POINTS)
def test_server_with_secret_key_starts(module: str, tmp_path: Path) -> None:
    """A key from the environment is all a server needs."""
    result = load(module, tmp_path, DJANGO_SECRET_KEY="a key for this test")

    assert result.returncode == 0, result.stderr


def test_server_in_debug_starts_on_development_key(tmp_path: Path) -> None:
    """DJANGO_DEBUG=1 allows the development key, for a laptop only."""
    result = load("django_forge.wsgi", tmp_path, DJANGO_DEBUG="1")

    assert result.returncode == 0, result.stderr
