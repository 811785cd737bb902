"""The command lines: ``forge``'s, and the suite's own options for live servers.

What each offers, how it refuses bad options, and how it fails on a server that does
not answer: in one line, never a failure per case.
"""

import os
import re
import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

from forge.servers import app_database_url
from tests import markdown
from tests.contract import API_TOKEN
from tests.databases import NO_POSTGRES, POSTGRES_URL, connect
from tests.live import answering_wrong, free_port

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FIRST_MODULES = {
    "tests/test_contract.py",
    "tests/test_layout.py",
    "tests/test_conformance.py",
}


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
    for option in (
        "--host", "--port", "--workers", "--database-url", "--timeout", "--api-token",
    ):  # fmt: skip
        assert option in result.stdout
    assert "APP=PORT" in result.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["serve", "pyramid"], "'pyramid' is not one of fastapi, flask, django"),
        (["serve", "--port", "8001"], "want APP=PORT"),
        (["serve", "--port", "flask=8001"], "two apps on the same port"),
        (["serve", "flask", "--port", "fastapi=9002"], "fastapi is not served"),
        (["serve", "--port", "flask=0"], "a port is 1 to 65535"),
        (["serve", "--port", "flask=65536"], "a port is 1 to 65535"),
        (["serve", "--workers", "0"], "--workers"),
        (["serve", "--timeout", "0"], "--timeout"),
        (["serve", "--host", "no-such-host.invalid"], "no address or host name"),
        (["serve", "--database-url", "mysql://me@db/forge"], "want sqlite:///PATH"),
        (["serve", "--database-url", "not a url"], "want sqlite:///PATH"),
        (["serve", "--data-dir", "README.md"], "is a file, not a folder"),
        (["serve", "--api-token", "too-short"], "want at least 32 characters"),
        (["serve", "--api-token", "a space " * 5], "not all of them those"),
        (["serve", "--proxy", "nginx"], "'nginx' is not one of auto, haproxy, none"),
        (["serve", "--proxy", "none", "--instances", "2"], "needs HAProxy"),
        (["serve", "--instances", "0"], "--instances"),
        (["serve", "--bogus"], "No such option: --bogus"),
        (["serve", "--port", "playground=8002"], "the playground on the port of an"),
        (["serve", "--no-playground", "--port", "playground=9000"], "not served"),
        (["serve", "--url", "mine"], "want NAME=http://host:port"),
        (["serve", "--url", "flask=http://h:1"], "names an app served here"),
        (["serve", "--no-playground", "--url", "a=http://h:1"], "for the playground"),
        (["conformance"], "Missing option '--url'"),
        (["conformance", "--url", "mine"], "want NAME=http://host:port"),
        (["conformance", "--url", "mine=http://"], "the URL names no host"),
        (["conformance", "--url", "mine=http://h:port"], "Invalid port"),
        (["conformance", "--url", "a=http://h:1", "--url", "a=http://h:2"], "a second"),
        (["conformance", "--url", "a=http://h:1", "--case", "nope-*"], "no case"),
        (["conformance", "--url", "a=http://h:1", "--junit", "tests"], "is a folder"),
        (["conformance", "--url", "a=http://h:1", "--json", "README.md/x"], "a file"),
        (["conformance", "--url", "a=http://h:1", "--timeout", "0"], "--timeout"),
        (["conformance", "--url", "a=http://h:1", "--token", "x" * 31], "at least 32"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(
    arguments: list[str], message: str
) -> None:
    """A bad option is one line naming it, exit status 2, before anything starts."""
    result = forge(*arguments, cwd=ROOT)

    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"forge {arguments[0]}: ")
    assert result.stdout == ""


def test_a_refused_token_is_not_shown() -> None:
    """R26: the token is a secret; the one line refusing it does not repeat it."""
    result = forge("serve", "--api-token", "secret-but-too-short")

    assert result.returncode == 2
    assert "secret" not in result.stderr


def test_database_url_error_hides_the_password() -> None:
    """A refused database URL is shown without its password."""
    result = forge("serve", "--database-url", "mysql://me:secret@db/forge")

    assert result.returncode == 2
    assert "secret" not in result.stderr
    assert "mysql://me:***@db/forge" in result.stderr


def test_readme_workflow_runs_forge_conformance_with_real_options(
    tmp_path: Path,
) -> None:
    """The README's CI workflow is valid YAML, installs the light runner, and its
    `forge-conformance` line runs (as `forge conformance`, the same command)."""
    workflow = next(
        yaml.safe_load(block)
        for block in markdown.fenced_blocks(markdown.read(README), "yaml")
        if block.startswith("name: forge conformance")
    )
    steps = workflow["jobs"]["conformance"]["steps"]
    install = next(
        step["run"] for step in steps if "pip install" in step.get("run", "")
    )
    assert 'python -m pip install "$RUNNER_TEMP/forge/runner"' in install
    judge = next(
        step["run"] for step in steps if "forge-conformance" in step.get("run", "")
    )
    with answering_wrong() as wrong:  # a server that gets every case wrong
        arguments = [
            argument.replace("http://127.0.0.1:9000", wrong)
            for argument in shlex.split(judge)[1:]  # after "forge-conformance"
        ]
        result = forge("conformance", *arguments, "--case=read-*", cwd=tmp_path)

    # Every case fails (exit 1), which is not a usage error (exit 2); reports written.
    assert result.returncode == 1, result.stderr
    assert (tmp_path / "reports" / "conformance.xml").is_file()
    assert (tmp_path / "reports" / "conformance.json").is_file()
    assert (tmp_path / "reports" / "conformance.html").is_file()
    assert (tmp_path / "reports" / "badge.json").is_file()


def suite(
    *arguments: str, environment: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The suite itself, as a team runs it against its own server."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_suite_stops_in_one_line_when_a_forge_url_does_not_answer() -> None:
    """`pytest --forge-url` on nothing: one line naming the URL, before any test."""
    down = f"http://127.0.0.1:{free_port()}"

    result = suite("tests/test_conformance.py", f"--forge-url=mine={down}")

    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.strip() == (
        f"ERROR: --forge-url mine: {down} does not answer"
        " ([Errno 111] Connection refused)"
    )
    assert "passed" not in result.stdout


def test_suite_reports_the_rest_not_run_when_a_server_dies() -> None:
    """A live server that stops answering fails one test; the rest are not run."""
    with answering_wrong(requests=20) as url:
        result = suite("tests/test_conformance.py", f"--forge-url=dying={url}")

    assert result.returncode == pytest.ExitCode.TESTS_FAILED
    # Counted at the start of a line: the short summary repeats the message after the
    # test's name (in full where pytest sees a CI, truncated elsewhere).
    stopped = re.findall(
        rf"^dying: {url} does not answer \(.*\); its remaining tests are not run$",
        result.stdout,
        flags=re.MULTILINE,
    )
    assert len(stopped) == 1
    assert result.stdout.count("ConnectError") <= 1
    assert re.search(r"\d+ skipped", result.stdout)


@pytest.mark.parametrize("token", [None, API_TOKEN])
def test_suite_forge_serve_runs_it_on_live_servers(token: str | None) -> None:
    """`--forge-serve` (and `--forge-token`): the tests are the three live servers',
    not the in-process apps' (whose ids name a database)."""
    options = ["--forge-serve", *([f"--forge-token={token}"] if token else [])]
    result = suite("tests/test_docs.py", "--collect-only", *options)

    assert result.returncode == 0, result.stdout + result.stderr
    ids = re.findall(r"test_docs_page_served\[(.+?)\]", result.stdout)
    assert ids == ["fastapi", "flask", "django"]


def test_suite_runs_quick_modules_first_and_fuzzers_last() -> None:
    """The run opens with the contract's checks and cases, and ends with the fuzzers."""
    result = suite("--collect-only")
    modules = [
        line.split("::")[0] for line in result.stdout.splitlines() if "::" in line
    ]

    assert modules[0] == "tests/test_contract.py"
    first_other = next(m for m in modules if m not in FIRST_MODULES)
    assert modules.index(first_other) > modules.index("tests/test_conformance.py")
    fuzz = [index for index, module in enumerate(modules) if "/fuzz/" in module]
    assert fuzz
    assert fuzz == list(range(len(modules) - len(fuzz), len(modules)))


def test_suite_sums_up_skips_by_reason() -> None:
    """Without PostgreSQL, its runs are skipped, and the end says why, once."""
    environment = {
        k: v for k, v in os.environ.items() if k != "FORGE_TEST_POSTGRES_URL"
    }
    result = suite("tests/test_docs.py", environment=environment)

    assert result.returncode == 0, result.stdout
    summary = result.stdout.partition(" skipped, by reason ")[2].splitlines()
    assert summary[1].split(maxsplit=1) == [
        "6",
        "FORGE_TEST_POSTGRES_URL is not set: no PostgreSQL to test on",
    ]


def test_version_is_the_installed_one() -> None:
    """`forge --version` prints the version pip installed."""
    result = forge("--version")

    assert result.returncode == 0
    assert result.stdout == f"forge {metadata.version('forge')}\n"


def test_help_imports_no_framework_or_database_library() -> None:
    """`forge --help` loads only the command line: no framework, no driver, no ORM."""
    heavy = ["sqlalchemy", "httpx", "fastapi", "flask", "django", "psycopg"]
    probe = (
        "import sys; sys.argv = ['forge', '--help']\n"
        "from forge.cli import run\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )

    assert result.stdout.splitlines()[-1] == "[]", result.stderr


@pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)
def test_suite_drops_the_postgresql_databases_it_made() -> None:
    """A PostgreSQL run leaves no databases behind, unless asked to keep them."""
    # Its own database names, so that this run's own PostgreSQL tests are untouched.
    probe = app_database_url(POSTGRES_URL, "cleanup_probe")
    environment = {**os.environ, "FORGE_TEST_POSTGRES_URL": probe}
    result = suite("tests/test_docs.py", "-k", "fastapi", environment=environment)

    assert result.returncode == 0, result.stdout
    assert "4 passed" in result.stdout  # two tests, on SQLite and PostgreSQL
    server = make_url(POSTGRES_URL).set(database="postgres")
    with connect(server.render_as_string(hide_password=False)) as connection:
        left = connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s",
            (f"{make_url(probe).database}%",),
        ).fetchall()
    assert left == []
