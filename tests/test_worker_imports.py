"""What a worker loads: the FastAPI and Flask apps, loaded as their servers load them,
on SQLite with the admin off, import none of the packages only another job needs (issue
16: worker memory; forge bench's "What a worker loads" table says what each costs).

The apps import these where they are used instead: the migrations, the admin, the
document's page, the PostgreSQL driver. Django is not here: its setup imports every
app of ``INSTALLED_APPS`` (the admin, axes, drf-spectacular) in every worker, by design,
and its memory target holds.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from forge.bench.imports import target
from forge.bench.ladder import RUNG_NAMES

NEVER_IN_A_WORKER = {
    "fastapi": ("alembic", "sqladmin", "swagger_ui", "asyncpg"),
    "flask": ("alembic", "flask_migrate", "flask_admin", "psycopg"),
}


@pytest.mark.parametrize("framework", sorted(NEVER_IN_A_WORKER))
def test_a_worker_imports_nothing_it_never_uses(framework: str, tmp_path: Path) -> None:
    packages = NEVER_IN_A_WORKER[framework]
    # Installed, so that their absence below is the app's doing.
    assert all(importlib.util.find_spec(name) for name in packages)
    rung = RUNG_NAMES[f"{framework}_forge"]
    done = subprocess.run(
        [sys.executable, "-m", "forge.bench.loader", target(rung)],
        env=rung.environment(tmp_path, os.environ),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = {name.partition(".")[0] for name in json.loads(done.stdout)["modules"]}

    assert f"{framework}_forge" in loaded
    assert loaded.isdisjoint(packages), sorted(loaded & set(packages))
