"""Each app's /docs in a real browser: Swagger UI works offline, "Try it out" included.

Headless Chromium (Debian's package, which ``.ci/install-chromium`` installs), driven by
Playwright, opens /docs on a live production server of each app, refuses every request
that leaves the machine, checks that the five operations are listed, creates a user
through "Try it out" and sees the 201. A screenshot per app lands in
``build/screenshots/``. Skipped, saying why, where Chromium or Playwright is missing.
"""

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Request, Route

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent.parent / "build" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
OPERATIONS = [
    ("POST", "/forge/users"),
    ("GET", "/forge/users"),
    ("GET", "/forge/users/{id}"),
    ("PATCH", "/forge/users/{id}"),
    ("DELETE", "/forge/users/{id}"),
]
BIN = Path(sys.executable).parent
# Each app's production server, after its migration (apps/*/README.md).
SERVERS = {
    "fastapi": (
        [
            sys.executable, "-c",
            "from fastapi_forge.config import Settings;"
            "from fastapi_forge.db import migrate;"
            "migrate(Settings().sqlalchemy_url())",
        ],
        [
            str(BIN / "uvicorn"), "--factory", "fastapi_forge.app:create_app",
            "--host", "127.0.0.1", "--port", "{port}",
        ],
    ),
    "flask": (
        [str(BIN / "flask"), "--app", "flask_forge.app", "db", "upgrade"],
        [
            str(BIN / "gunicorn"), "flask_forge.app:create_app()",
            "--bind", "127.0.0.1:{port}",
        ],
    ),
    "django": (
        [str(BIN / "django-admin"), "migrate", "--settings=django_forge.settings"],
        [str(BIN / "gunicorn"), "django_forge.wsgi", "--bind", "127.0.0.1:{port}"],
    ),
}  # fmt: skip

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed"
)
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"no Chromium at {CHROMIUM}: .ci/install-chromium installs Debian's",
)


def free_port() -> int:
    """A port nobody listens on right now, on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def live_server(app: str, data_dir: Path) -> Iterator[str]:
    """Migrate, then serve ``app`` on a free port; always stop it by its pid."""
    migrate, serve = SERVERS[app]
    port = free_port()
    environment = {
        **os.environ,
        "FORGE_DATA_DIR": str(data_dir),
        "DATABASE_URL": "",
        "DJANGO_SETTINGS_MODULE": "django_forge.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(32),
    }
    subprocess.run(migrate, env=environment, check=True, capture_output=True)
    log = (data_dir / f"{app}.log").open("wb")
    command = [part.format(port=port) for part in serve]
    process = subprocess.Popen(command, env=environment, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{app} did not start: {(data_dir / f'{app}.log')}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def healthy(url: str) -> bool:
    """The server answers /healthz with 200."""
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    """Debian's Chromium, headless, with nothing of its own going to the network."""
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-domain-reliability",
                "--disable-sync",
                "--no-first-run",
                "--no-default-browser-check",
                "--metrics-recording-only",
            ],
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.mark.parametrize("app", list(SERVERS))
def test_docs_page_try_it_out(app: str, browser: "Browser", tmp_path: Path) -> None:
    """/docs lists the five operations and creates a user with "Try it out" (201)."""
    with live_server(app, tmp_path) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        outside: list[str] = []

        def only_local(route: "Route", request: "Request") -> None:
            target = request.url
            if urlsplit(target).hostname in LOCAL_HOSTS or target.startswith("data:"):
                route.continue_()
            else:
                outside.append(target)
                route.abort()

        page.route("**/*", only_local)
        page.goto(f"{url}/docs")
        page.wait_for_selector(".opblock", timeout=20_000)
        listed = [
            (
                block.locator(".opblock-summary-method").inner_text(),
                block.locator(".opblock-summary-path").inner_text(),
            )
            for block in page.locator(".opblock").all()
        ]
        listed = [(method, path.replace("\u200b", "")) for method, path in listed]

        post = page.locator(".opblock-post").filter(has_text="/forge/users").first
        post.locator(".opblock-summary").click()
        post.locator("button.try-out__btn").click()
        post.locator("textarea.body-param__text").fill('{"name": "Ada Lovelace"}')
        post.locator("button.execute").click()
        status = post.locator(".live-responses-table tbody .response-col_status").first
        status.wait_for(timeout=20_000)
        answered = status.inner_text().strip()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{app}.png"), full_page=True)

    assert all(operation in listed for operation in OPERATIONS), listed
    assert answered.startswith("201"), answered
    assert outside == []
