"""The supported versions, tested: each app's stack at the bounds pyproject.toml claims.

``nox -s versions`` runs, for each app and each bound, a fresh virtual environment
with that app's packages pinned to the lowest version its ranges allow (``oldest``)
or left to the newest they allow (``newest``), then every conformance case against
the app in-process (``tests/test_conformance.py``) and ``forge ledger`` into
``build/versions/APP-BOUND.json``. ``nox -s drift`` then writes ``docs/drift.md``:
which cases an upgrade from the oldest to the newest changes, out of the box and in
the Forge app. A range whose oldest version fails is narrowed in pyproject.toml.
"""

import re
import tomllib
from pathlib import Path

import nox

ROOT = Path(__file__).parent
STACKS = {
    "fastapi": ("fastapi", "uvicorn", "pydantic", "pydantic-settings", "sqlalchemy",
                "aiosqlite", "asyncpg", "alembic", "sqladmin", "wtforms"),
    "flask": ("flask", "flask-sqlalchemy", "flask-migrate", "marshmallow", "apispec",
              "flask-admin", "wtforms", "gunicorn", "psycopg"),
    "django": ("django", "djangorestframework", "drf-spectacular", "dj-database-url",
               "django-axes", "gunicorn", "psycopg"),
}  # fmt: skip
"""Each app's own requirements in pyproject.toml: what its bound pins."""
BOUNDS = ("oldest", "newest")
RESULTS = ROOT / "build" / "versions"

nox.options.sessions = ["versions"]
nox.options.reuse_existing_virtualenvs = False


def lower_bounds() -> dict[str, str]:
    """Each runtime requirement's lowest allowed version, by normalised name."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    bounds = {}
    for requirement in project["dependencies"]:
        name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        lowest = re.search(r">=\s*([0-9][0-9A-Za-z.]*)", requirement)
        if name and lowest:
            bounds[name[0].lower()] = lowest[1]
    return bounds


@nox.session
@nox.parametrize("bound", BOUNDS)
@nox.parametrize("app", list(STACKS))
def versions(session: nox.Session, app: str, bound: str) -> None:
    """Every conformance case in-process, and the ledger, on one bound of one stack."""
    constraints = Path(session.create_tmp()) / "constraints.txt"
    pins = []
    if bound == "oldest":
        lowest = lower_bounds()
        pins = [f"{name}=={lowest[name]}" for name in STACKS[app]]
    constraints.write_text("".join(f"{pin}\n" for pin in pins))
    session.install("-c", str(constraints), "-e", ".[test]")
    session.run("python", "-m", "pip", "freeze", "--exclude-editable", silent=False)
    session.run(
        "python", "-m", "pytest", "-q",
        "tests/test_conformance.py", "-k", app,
    )  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    session.run(
        "forge",
        "ledger",
        "--json",
        str(RESULTS / f"{app}-{bound}.json"),
        success_codes=[0, 1],  # a Forge failure is also in the pytest run above
    )


@nox.session(python=False)
def drift(session: nox.Session) -> None:
    """docs/drift.md (or the file given after ``--``) from the ``versions`` sessions'
    ledgers."""
    output = session.posargs[0] if session.posargs else str(ROOT / "docs" / "drift.md")
    session.run("python", "-m", "forge.drift", str(RESULTS), output)
