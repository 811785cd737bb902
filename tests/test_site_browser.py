"""``forge compare --html`` for real, read in headless Chromium, offline.

The command runs every conformance case against the three apps under ``forge serve``
and writes the site; Chromium opens it from the disk with every other request
refused, reads the grid, a concern page and a pair page, switches the pair (the URL
changes, the concern stays), and takes the screenshots the README shows (in
``build/screenshots/``, copied to ``docs/screenshots/``). Skipped, saying why, where
Chromium or Playwright is missing.
"""

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from forge import concerns
from forge_conformance.cases import load_cases
from tests.browser import chromium, needs_chromium

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Request, Route

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "build" / "screenshots"
pytestmark = needs_chromium


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, as `forge compare --html DIR` writes it after its run of the cases."""
    folder = tmp_path_factory.mktemp("reader") / "site"
    result = subprocess.run(
        [sys.executable, "-m", "forge", "compare", "--html", str(folder)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert f"The reader: {folder / 'index.html'}" in result.stdout
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: "Browser") -> Iterator[tuple["Page", list[str]]]:
    """A page that may load files only: every other request is refused, and kept."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    outside: list[str] = []

    def files_only(route: "Route", request: "Request") -> None:
        if request.url.startswith("file://"):
            route.continue_()
        else:
            outside.append(request.url)
            route.abort()

    page.route("**/*", files_only)
    try:
        yield page, outside
    finally:
        page.close()


def screenshot(page: "Page", name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


def test_grid_shows_every_concern_and_its_verdicts(
    built: Path, page: tuple["Page", list[str]]
) -> None:
    """The grid: a row per concern, a cell per app, every case of it passing."""
    browser_page, outside = page
    browser_page.goto((built / "index.html").as_uri())
    rows = browser_page.locator("table.grid tbody tr")
    loaded = concerns.load()
    screenshot(browser_page, "reader-grid.png")

    assert rows.count() == len(loaded)
    assert browser_page.locator("td.cell").count() == 3 * len(loaded)
    badges = browser_page.locator("td.cell .pass, td.cell .fail").all_inner_texts()
    assert len(badges) == 3 * len(loaded)
    for badge in badges:
        good, ran = re.fullmatch(r"(\d+)/(\d+) cases pass", badge).groups()  # type: ignore[union-attr]
        assert good == ran
        assert int(ran) > 0
    cases = [case for case in load_cases() if case.applies(None)]
    hint = browser_page.locator("p.hint").first.inner_text()
    assert f"{len(cases)} cases run on " in hint
    assert outside == []


def test_concern_page_shows_code_cases_and_commands(
    built: Path, page: tuple["Page", list[str]]
) -> None:
    browser_page, outside = page
    browser_page.goto((built / "concerns" / "defaults.html").as_uri())
    for summary in browser_page.locator("details.try summary").all():
        summary.click()
    screenshot(browser_page, "reader-concern.png")
    columns = browser_page.locator("section.column")
    defaults = concerns.find(concerns.load(), "defaults")

    assert columns.count() == 3
    assert browser_page.locator(".line.bridge").count() == sum(
        cell.bridge_lines for cell in defaults.cells.values()
    )
    shells = browser_page.locator("pre.shell").all_inner_texts()
    assert [shell.splitlines()[0] for shell in shells] == [
        "forge serve fastapi",
        "forge serve flask",
        "forge serve django",
    ]
    assert all("curl -i --path-as-is" in shell for shell in shells)
    ran = [case for case in defaults.cases if case.applies(None)]
    assert browser_page.locator("table.cases td.pass").count() == 3 * len(ran)
    assert outside == []


def test_pair_page_keeps_the_pair_in_the_url(
    built: Path, page: tuple["Page", list[str]]
) -> None:
    """Another pair is another page, at the same concern."""
    browser_page, outside = page
    browser_page.goto((built / "pairs" / "fastapi-vs-flask.html").as_uri() + "#allow")
    screenshot(browser_page, "reader-pair.png")
    allow = browser_page.locator("section.concern#allow")

    assert allow.locator("section.column").count() == 2
    assert allow.locator(".line.differs").count() > 0
    assert allow.locator(".line:not(.differs)").count() > 0

    browser_page.select_option("#pair", "flask-vs-django")
    browser_page.wait_for_url("**/pairs/flask-vs-django.html#allow")
    shown = browser_page.locator("section.concern#allow section.column h3")
    assert [text.split()[0] for text in shown.all_inner_texts()] == [
        "flask_forge",
        "django_forge",
    ]
    assert outside == []
