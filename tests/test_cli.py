"""The ``forge`` command line: what it offers and how it refuses bad options."""

import subprocess
import sys

import pytest


def forge(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "forge", *arguments],
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
