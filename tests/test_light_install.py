"""The light install: ``runner/`` into a fresh virtual environment, no web framework
in it, judging a live Forge app as a team's CI would.

Slow (a real ``pip install`` from the package index, then every case on a real
server): one test.
"""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

from forge_conformance.cases import load_cases
from tests.live import forge_serve

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "runner"
# What the full install brings and a team judging its own server does not need.
FRAMEWORKS = {
    "fastapi", "starlette", "uvicorn", "flask", "werkzeug", "django",
    "djangorestframework", "sqlalchemy", "alembic", "gunicorn", "marshmallow",
    "psycopg", "asyncpg", "aiosqlite", "sqladmin", "flask-admin",
}  # fmt: skip


def installed(python: Path) -> set[str]:
    """The names of every distribution in the environment of ``python`` (run outside
    the clone, whose ``forge.egg-info`` an editable install leaves)."""
    listing = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.metadata as m, json;"
            " print(json.dumps([d.metadata['Name'] for d in m.distributions()]))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=python.parents[2],
    )
    return {name.lower() for name in json.loads(listing.stdout)}


def test_the_light_runner_judges_a_live_app_without_any_framework(
    tmp_path: Path,
) -> None:
    """``pip install ./runner`` in a new environment brings the runner, its three
    dependencies and theirs, and no framework; its ``forge-conformance`` passes every
    case on Flask under ``forge serve``, judged by the contract it ships."""
    environment = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(environment)], check=True)
    python = environment / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(RUNNER)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    names = installed(python)
    declared = tomllib.loads((RUNNER / "pyproject.toml").read_text())["project"]

    assert "forge-conformance" in names
    assert {Requirement(text).name for text in declared["dependencies"]} <= names
    assert names & FRAMEWORKS == set()
    assert "forge" not in names  # the full distribution is not needed either
    report = tmp_path / "report.json"
    with forge_serve(tmp_path, ["flask"], "--no-playground") as served:
        result = subprocess.run(
            [
                str(environment / "bin" / "forge-conformance"),
                f"--url=flask={served.urls['flask']}",
                "--mode=destructive",  # a server of the test's own: every case
                f"--json={report}",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
            cwd=tmp_path,  # not the clone: the contract is the one installed
        )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    data = json.loads(report.read_text())
    without_token = [case for case in load_cases() if case.applies(None)]
    assert (
        data["contract_version"]
        == json.loads((ROOT / "contract" / "openapi.json").read_text())["info"][
            "version"
        ]
    )
    assert data["implementations"]["flask"]["pass"] == len(without_token)
    assert data["implementations"]["flask"]["failing"] == 0
