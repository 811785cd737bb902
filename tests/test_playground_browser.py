"""The playground in a real browser, against ``forge serve`` as a user runs it.

Headless Chromium (Debian's package, installed by ``.ci/install-chromium``), driven by
Playwright, opens the playground of ``forge serve`` with the three apps and one more
implementation given by ``--url``: a relay to the FastAPI app that answers one route
wrongly, started here. It picks a conformance case, runs it (after the page's warning
that it empties the servers), reads the four columns and their verdicts, follows a
column's link to the lines citing a rule, composes a request on the broken route and
sees the broken column highlighted. Screenshots land in ``build/screenshots/``
(``docs/screenshots/playground.png`` is a copy). Skipped, saying why, where Chromium
or Playwright is missing.
"""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from forge.servers import SERVERS
from forge_conformance.cases import load_cases
from tests.browser import chromium, needs_chromium
from tests.live import Served, forge_serve

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "build" / "screenshots"
BROKEN_PATH = "/forge/users/0"
"""The one route the relay answers itself, wrongly: R3 says no id 0 exists (a 404)."""
BROKEN_USER = {
    "id": 0,
    "name": "Nobody",
    "tier": "Standard",
    "created_at": "2026-01-01T00:00:00.000000Z",
}
CASE = "route-bad-id-zero"
HOP_BY_HOP = {"connection", "content-length", "host", "transfer-encoding"}

pytestmark = needs_chromium


class Relay(ThreadingHTTPServer):
    """A server that passes every request on to ``target``, but for BROKEN_PATH."""

    daemon_threads = True
    target = ""


class RelayHandler(BaseHTTPRequestHandler):
    server: Relay
    protocol_version = "HTTP/1.1"

    def relay(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.command in ("GET", "HEAD") and self.path == BROKEN_PATH:
            status, content = 200, json.dumps(BROKEN_USER).encode()
            headers = [("Content-Type", "application/json")]
        else:
            response = httpx.request(
                self.command,
                self.server.target + self.path,
                headers=[
                    (name, value)
                    for name, value in self.headers.items()
                    if name.lower() not in HOP_BY_HOP
                ],
                content=body,
            )
            status, content = response.status_code, response.content
            headers = [
                (name, value)
                for name, value in response.headers.multi_items()
                if name not in HOP_BY_HOP
            ]
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    do_GET = do_HEAD = do_POST = do_PATCH = do_PUT = do_DELETE = do_OPTIONS = relay  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads the page."""


@contextmanager
def broken_relay() -> Iterator[Relay]:
    """The relay on a free port; set its ``target`` before use. Always stopped."""
    relay = Relay(("127.0.0.1", 0), RelayHandler)
    thread = threading.Thread(target=relay.serve_forever, daemon=True)
    thread.start()
    try:
        yield relay
    finally:
        relay.shutdown()
        relay.server_close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The three apps and the playground under ``forge serve``, comparing them with
    the broken relay to the FastAPI app; stopped after."""
    with broken_relay() as relay:
        url = f"http://127.0.0.1:{relay.server_address[1]}"
        directory = tmp_path_factory.mktemp("playground")
        with forge_serve(directory, SERVERS, f"--url=broken={url}") as served:
            relay.target = served.urls["fastapi"]
            yield served


@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    """Debian's Chromium, headless."""
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: "Browser", served: Served) -> Iterator["Page"]:
    """The playground's page, loaded, with every request it makes noted."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(served.playground)
    page.wait_for_selector("#case option")
    try:
        yield page
    finally:
        page.close()


def column(page: "Page", name: str) -> "Locator":
    """The column of the implementation ``name``."""
    return page.locator(f"article.column[data-app='{name}']")


def classes(element: "Locator") -> set[str]:
    """The classes of an element: how the page marks a difference."""
    return set((element.get_attribute("class") or "").split())


def test_playground_lists_every_implementation(page: "Page", served: Served) -> None:
    """The page names the three apps served and the one given with --url."""
    names = page.locator(".app .app-name").all_inner_texts()
    urls = page.locator(".app .url").all_inner_texts()

    assert names == [*SERVERS, "broken"]
    assert urls[: len(SERVERS)] == [served.urls[name] for name in SERVERS]
    assert urls[-1].endswith("(elsewhere)")
    assert f"│ playground │ {served.playground}/" in served.output()
    assert any(
        line.startswith("│ broken ") and f"{urls[-1].split()[0]}/forge/users" in line
        for line in served.output().splitlines()
    )


def test_picked_case_shows_the_runners_verdict_per_column(page: "Page") -> None:
    """A case runs after the page's warning; each column shows the answer and the
    verdict: the apps pass, the broken relay departs from the case's expectation."""
    case = next(case for case in load_cases() if case.id == CASE)
    expected = case.response["status"]
    page.fill("#case-filter", CASE)
    page.select_option("#case", CASE)
    page.click("#run-case")
    notice = page.locator("#notice")
    notice.wait_for()
    warning = notice.inner_text()
    sent_before_confirming = page.locator("article.column").count()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "playground-confirm.png"))
    page.click("#confirm")
    page.wait_for_selector("article.column[data-app='broken'] .verdict")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "playground-case.png"), full_page=True)

    assert "deletes every user" in warning
    assert sent_before_confirming == 0
    assert page.locator("#result-title").inner_text() == f"Case {CASE}"
    for name in SERVERS:
        shown = column(page, name)
        assert shown.locator(".status").inner_text() == str(expected), name
        assert "as the contract expects" in shown.locator(".verdict").inner_text()
    broken = column(page, "broken")
    departures = broken.locator(".verdict li").all_inner_texts()
    assert broken.locator(".status").inner_text() == "200"
    assert f"status: 200, expected {expected}" in departures
    assert classes(broken.locator(".status")) >= {"differs", "odd"}


def test_case_column_links_to_the_lines_citing_its_rules(page: "Page") -> None:
    """Each app's column links to the app's comments naming the case's rules; the
    relay's says its source is elsewhere; a link shows the cited line in context."""
    case = next(case for case in load_cases() if case.id == CASE)
    page.select_option("#case", CASE)
    page.click("#run-case")
    page.click("#confirm")
    page.wait_for_selector("article.column[data-app='broken'] .citations")
    links = column(page, "fastapi").locator(".citations a")
    count = links.count()
    href = links.first.get_attribute("href") or ""
    cited = links.first.inner_text()
    relay = column(page, "broken").locator(".citations").inner_text()
    page.goto(page.url.rstrip("/") + href)
    highlighted = page.locator("tr.cited").first.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "playground-source.png"), full_page=True)
    rule = href.split("rule=")[1].split("#")[0]

    assert count >= 1
    assert rule in case.rules
    assert href.endswith(f"#{cited}")
    assert rule in highlighted  # the comment naming the rule
    assert "Served elsewhere" in relay


def test_composed_request_highlights_the_broken_column(page: "Page") -> None:
    """A request composed on the broken route: the relay's status and body stand out
    from the three apps', and the page lists each difference."""
    page.fill("#method", "GET")
    page.fill("#path", BROKEN_PATH)
    page.fill("#query", "")
    page.fill("#headers", "Accept: application/json")
    page.fill("#body", "")
    page.click("#send")
    page.wait_for_selector("article.column[data-app='broken'] .status")
    broken = column(page, "broken")
    names = page.locator("table.differences thead th").all_inner_texts()
    status_row = page.locator("table.differences tbody tr").filter(
        has=page.locator("td.where", has_text="status")
    )
    status_cells = status_row.first.locator("td").all()
    statuses = {
        name: column(page, name).locator(".status").inner_text()
        for name in [*SERVERS, "broken"]
    }
    highlighted_body = broken.locator("pre.body .line.differs").all_inner_texts()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "playground.png"), full_page=True)

    assert page.locator("#notice").is_hidden()  # a GET asks nothing first
    assert statuses == {**dict.fromkeys(SERVERS, "404"), "broken": "200"}
    assert "odd" in classes(broken.locator(".status"))
    for name in SERVERS:
        assert classes(column(page, name).locator(".status")) == {
            "status",
            "differs",
            "same",
        }
    assert names == ["where", *SERVERS, "broken"]
    assert [cell.inner_text() for cell in status_cells] == [
        "status",
        *statuses.values(),
    ]
    assert "odd" in classes(status_cells[-1])
    assert any('"name": "Nobody"' in line for line in highlighted_body)


def test_a_write_says_so_before_it_is_sent(page: "Page", served: Served) -> None:
    """A POST waits for the person's yes: cancelled, it reaches no app."""
    page.fill("#method", "POST")
    page.fill("#path", "/forge/users")
    page.fill("#headers", "Content-Type: application/json")
    page.fill("#body", '{"name": "Grace Hopper"}')
    page.click("#send")
    page.locator("#notice").wait_for()
    warning = page.locator("#notice-text").inner_text()
    page.click("#cancel")
    names = {
        app: [
            user["name"]
            for user in httpx.get(f"{url}/forge/users?limit=100").json()["items"]
        ]
        for app, url in served.urls.items()
    }

    assert "would change data" in warning
    assert page.locator("#notice").is_hidden()
    assert all("Grace Hopper" not in listed for listed in names.values()), names


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("#headers", "Accept application/json", "has no colon"),
        ("#path", "forge/users", "is not a request target"),
        ("#body", "x" * 70_000, "over the 65,536 bytes"),
    ],
)
def test_bad_input_is_a_message_on_the_page(
    page: "Page", field: str, value: str, message: str
) -> None:
    """A malformed header line, a path without its slash, a body over the page's
    limit: one clear message, no stack trace, nothing sent."""
    page.fill("#method", "GET")
    page.fill(field, value)
    page.click("#send")
    page.locator("#notice.problem").wait_for()
    text = page.locator("#notice-text").inner_text()

    assert message in text
    assert "Traceback" not in text
    assert page.locator("#result").is_hidden()
