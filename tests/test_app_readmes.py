"""Each app's README says how to run it alone: those commands run, as written.

The commands are read from each README's ``sh`` block: first the migration, then the
server, which this test starts with a free port in place of the README's, all three at
once, as a reader trying them side by side would. The servers bind 127.0.0.1 and are
stopped by their process group, whatever happens.
"""

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from tests.live import free_port
from tests.markdown import fenced_block, read

ROOT = Path(__file__).resolve().parents[1]
APPS = ("fastapi", "flask", "django")
BIN = Path(sys.executable).parent
STARTUP_SECONDS = 60


def readme_commands(app: str) -> list[str]:
    """The lines of the app README's first ``sh`` block, comments dropped."""
    block = fenced_block(read(ROOT / "apps" / f"{app}_forge" / "README.md"), "sh")
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def as_run_here(line: str, port: int) -> tuple[dict[str, str], list[str]]:
    """A README line's variables and command, with this virtual environment's
    executables and ``port`` for the README's own."""
    words = shlex.split(re.sub(r"\b800[123]\b", str(port), line))
    variables = {}
    while "=" in words[0] and not words[0].startswith("-"):
        name, _, value = words.pop(0).partition("=")
        variables[name] = "a key for this test" if value == "..." else value
    return variables, [str(BIN / words[0]), *words[1:]]


@contextmanager
def started(
    command: list[str], environment: dict[str, str], log: Path
) -> Iterator[None]:
    """A server in its own process group, stopped with it at the end."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for_health(url: str, log: Path) -> None:
    """Poll /healthz until it answers 200, or fail with the server's log."""
    for _ in range(STARTUP_SECONDS * 10):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{url} never answered /healthz:\n{log.read_text(errors='replace')}")


def test_each_readme_runs_its_app_side_by_side_with_the_others(tmp_path: Path) -> None:
    """Every app README's migration and server commands work, all three at once, and
    no two gunicorns share gunicorn's one control socket path."""
    home = tmp_path / "home"  # where gunicorn would put ~/.gunicorn/gunicorn.ctl
    home.mkdir()
    base = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "HOME": str(home),
        "FORGE_DATA_DIR": str(tmp_path / "data"),
    }
    with ExitStack() as servers:
        urls = {}
        for app in APPS:
            migrate, serve = readme_commands(app)
            port = free_port()
            variables, command = as_run_here(migrate, port)
            migrated = subprocess.run(
                command,
                cwd=ROOT,
                env={**base, **variables},
                capture_output=True,
                text=True,
                check=False,
                timeout=120,
            )
            assert migrated.returncode == 0, migrated.stderr
            variables, command = as_run_here(serve, port)
            log = tmp_path / f"{app}.log"
            servers.enter_context(started(command, {**base, **variables}, log))
            urls[app] = (f"http://127.0.0.1:{port}", log)
        for url, log in urls.values():
            wait_for_health(url, log)

        assert not (home / ".gunicorn").exists() or not any(
            (home / ".gunicorn").iterdir()
        )
