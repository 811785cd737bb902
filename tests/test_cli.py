"""The ``forge`` command line: what it offers and how it refuses bad options."""

import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests import markdown
from tests.live import free_port

README = Path(__file__).resolve().parents[1] / "README.md"


def forge(*arguments: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "forge", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_help_lists_the_commands() -> None:
    """`forge --help` names its commands."""
    result = forge("--help")

    assert result.returncode == 0
    assert "serve" in result.stdout
    assert "conformance" in result.stdout


def test_serve_help_shows_every_option() -> None:
    """`forge serve --help` documents the apps and each option."""
    result = forge("serve", "--help")

    assert result.returncode == 0
    for option in ("--host", "--port", "--workers", "--database-url", "--timeout"):
        assert option in result.stdout
    assert "APP=PORT" in result.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["serve", "pyramid"], "'pyramid' is not one of fastapi, flask, django"),
        (["serve", "--port", "8001"], "want APP=PORT"),
        (["serve", "--port", "flask=8001"], "two apps on the same port"),
        (["serve", "--workers", "0"], "--workers"),
    ],
)
def test_serve_refuses_bad_options(arguments: list[str], message: str) -> None:
    """Bad options are a usage error naming the option, before anything starts."""
    result = forge(*arguments)

    assert result.returncode == 2
    assert message in " ".join(result.stderr.split())


def test_readme_workflow_runs_forge_conformance_with_real_options(
    tmp_path: Path,
) -> None:
    """The README's CI workflow is valid YAML and its `forge conformance` line runs."""
    workflow = yaml.safe_load(markdown.fenced_block(markdown.read(README), "yaml"))
    steps = workflow["jobs"]["conformance"]["steps"]
    judge = next(
        step["run"] for step in steps if "forge conformance" in step.get("run", "")
    )
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    arguments = [
        argument.replace("http://127.0.0.1:9000", down)
        for argument in shlex.split(judge)[2:]  # after "forge conformance"
    ]

    result = forge("conformance", *arguments, "--case=read-*", cwd=tmp_path)

    # Every case fails (exit 1), which is not a usage error (exit 2); reports written.
    assert result.returncode == 1, result.stderr
    assert (tmp_path / "reports" / "conformance.xml").is_file()
    assert (tmp_path / "reports" / "conformance.json").is_file()
