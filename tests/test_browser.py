"""Each app's /docs in a real browser: Swagger UI works offline, "Try it out" included.

Headless Chromium (Debian's package, which ``.ci/install-chromium`` installs), driven by
Playwright, opens /docs on each app as ``forge serve`` runs it, refuses every request
that leaves the machine, checks that the five operations are listed, creates a user
through "Try it out" and sees the 201. A screenshot per app lands in
``build/screenshots/``. The README's own headless command for a picture of /docs is run
too. Skipped, saying why, where Chromium or Playwright is missing.
"""

import json
import os
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from forge.servers import SERVERS
from tests.browser import CHROMIUM, chromium, needs_chromium
from tests.contract import r2_methods, wrong_in_example
from tests.live import Served, forge_serve
from tests.markdown import fenced_blocks, read

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Request, Route

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "build" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
OPERATIONS = [
    ("POST", "/forge/users"),
    ("GET", "/forge/users"),
    ("GET", "/forge/users/{id}"),
    ("PATCH", "/forge/users/{id}"),
    ("DELETE", "/forge/users/{id}"),
]
pytestmark = needs_chromium


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The three apps under ``forge serve``, as a user runs them; stopped after."""
    with forge_serve(tmp_path_factory.mktemp("docs")) as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    """Debian's Chromium, headless, with nothing of its own going to the network."""
    with chromium() as browser:
        yield browser


@pytest.mark.parametrize("app", list(SERVERS))
def test_docs_page_try_it_out(app: str, browser: "Browser", served: Served) -> None:
    """/docs lists the five operations and creates a user with "Try it out" (201)."""
    url = served.urls[app]
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


@pytest.mark.parametrize("app", list(SERVERS))
def test_readme_screenshot_command_shows_the_rendered_page(
    app: str, served: Served, tmp_path: Path
) -> None:
    """The README's headless Chromium command catches the page, not its spinner."""
    block = next(
        block
        for block in fenced_blocks(read(ROOT / "README.md"), "sh")
        if "chromium --headless" in block
    )
    default = f"http://127.0.0.1:{SERVERS['fastapi'].default_port}"
    words = shlex.split(block.replace(f"{default}/docs", f"{served.urls[app]}/docs"))
    words[0] = str(CHROMIUM)
    if os.geteuid() == 0:
        words.insert(1, "--no-sandbox")  # as the README says for root
    words.insert(1, f"--user-data-dir={tmp_path / 'profile'}")
    picture = tmp_path / "docs.png"
    shot = [
        f"--screenshot={picture}" if w.startswith("--screenshot") else w for w in words
    ]
    dom = ["--dump-dom" if w.startswith("--screenshot") else w for w in words]

    subprocess.run(shot, capture_output=True, timeout=120, check=True)
    rendered = subprocess.run(
        dom, capture_output=True, text=True, timeout=120, check=True
    )

    assert picture.read_bytes().startswith(b"\x89PNG")
    assert rendered.stdout.count('class="opblock ') >= len(OPERATIONS), rendered.stdout[
        :300
    ]


def rendered_page(
    browser: "Browser", url: str
) -> list[tuple[str, str, str, list[Any]]]:
    """Every operation of a docs page, as shown: method, path, summary, and the JSON
    of every example it shows (request body and each response), once expanded."""
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    page.goto(f"{url}/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    operations = []
    for block in page.locator(".opblock").all():
        block.locator(".opblock-summary").click()
        block.locator(".responses-wrapper").wait_for(timeout=20_000)
        examples = [
            json.loads(code.inner_text())
            for code in block.locator(".microlight").all()
            if code.inner_text().lstrip().startswith("{")
        ]
        operations.append(
            (
                block.locator(".opblock-summary-method").inner_text(),
                block.locator(".opblock-summary-path")
                .inner_text()
                .replace("\u200b", ""),
                block.locator(".opblock-summary-description").inner_text(),
                examples,
            )
        )
    page.close()
    return operations


@pytest.fixture(scope="module")
def pages(browser: "Browser", served: Served) -> dict[str, list[Any]]:
    return {app: rendered_page(browser, url) for app, url in served.urls.items()}


@pytest.mark.parametrize("app", list(SERVERS))
def test_docs_examples_teach_the_contract(app: str, pages: dict[str, Any]) -> None:
    """Every example a docs page shows is right by the contract: a plausible name, a
    real timestamp, each problem as problems.json writes it."""
    shown = [example for *_, examples in pages[app] for example in examples]
    wrong = [w for example in shown for w in wrong_in_example(example)]

    assert any("created_at" in example for example in shown)
    assert wrong == []


def test_docs_pages_list_the_same_operations(pages: dict[str, Any]) -> None:
    """The three pages show the same operations in the same order, with the same
    summaries; Django's lacks only what the gap table says (HEAD and OPTIONS)."""
    listed = {app: [tuple(op[:3]) for op in ops] for app, ops in pages.items()}

    assert listed["fastapi"] == listed["flask"]
    assert listed["django"] == [
        op for op in listed["fastapi"] if op[0] not in ("HEAD", "OPTIONS")
    ]
    assert [op[:2] for op in listed["fastapi"]] == [
        (method, path) for path, methods in r2_methods().items() for method in methods
    ]
