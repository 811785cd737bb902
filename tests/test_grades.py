"""Graded results: a deliberately broken server judged against a small contract of two
releases gets each grade, the same in the matrix, JUnit, JSON, HTML and the badge.

The contract is written here, in a folder of the test's own (``--contract``), so that
every grade has a case: one the server passes, one it fails, one it fails as its
expectations file says, one it passes though the file says it fails, one of what the
contract leaves open, and two added by the newer release while the team pins the
older (one passing, one not).
"""

import json
import subprocess
import sys
import threading
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from forge_conformance import versions
from forge_conformance.variation import Variation

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"
PROBLEM_404 = {
    "type": "about:blank",
    "title": "Not Found",
    "status": 404,
    "detail": "No user has this id.",
}


def case(case_id: str, rules: list[str], method: str, path: str, **response: Any):  # type: ignore[no-untyped-def]
    return {
        "id": case_id,
        "rules": rules,
        "title": f"{method} {path}",
        "request": {"method": method, "path": path, "headers": {}},
        "response": response,
    }


PASSES = case(
    "health-ok", ["R24"], "GET", "/healthz", status=200, json={"status": "ok"}
)
FAILS = case(
    "read-absent", ["R21"], "GET", "/forge/users/7", status=404, json=PROBLEM_404
)
KNOWN = case(
    "delete-absent", ["R23"], "DELETE", "/forge/users/7", status=404, json=PROBLEM_404
)
FIXED = case(
    "health-head", ["R4", "R24"], "HEAD", "/healthz", status=200, empty=True,
    headers={"Content-Type": "application/json"},
)  # fmt: skip
OPEN = dict(
    case("options-health", ["R4"], "OPTIONS", "/healthz", status=204, empty=True),
    grade="informational",
)
NEW_PASSING = case(
    "health-query", ["R24"], "GET", "/healthz?x=1", status=200, json={"status": "ok"}
)
NEW_FAILING = case(
    "patch-absent", ["R22"], "PATCH", "/forge/users/7", status=404, json=PROBLEM_404
)
EXPECT = """\
# What this team knows its server gets wrong.
[delete-absent]
reason = "deletes answer 200 for now"
link = "https://example.org/tracker/1"

[health-head]
reason = "HEAD was broken"
"""


def release(version: str, cases: list[dict[str, Any]]) -> versions.Release:
    openapi = {"openapi": "3.1.0", "info": {"title": "t", "version": version}}
    return versions.Release(version, openapi, {}, {"cases.json": {"cases": cases}})


@pytest.fixture
def contract(tmp_path: Path) -> Path:
    """A contract of two releases: 1.1.0 adds two cases to 1.0.0."""
    folder = tmp_path / "contract"
    (folder / "releases").mkdir(parents=True)
    older = [PASSES, FAILS, KNOWN, FIXED, OPEN]
    for each in (
        release("1.0.0", older),
        release("1.1.0", [*older, NEW_PASSING, NEW_FAILING]),
    ):
        path = folder / "releases" / f"{each.version}.json"
        path.write_text(versions.release_text(each))
    return folder


@pytest.fixture
def broken() -> Iterator[str]:
    """A server that answers /healthz right, an empty list of users, and 200 ``{}``
    to everything else. Yields its base URL; always stopped."""

    class Handler(BaseHTTPRequestHandler):
        def answer(self, body: bool = True) -> None:
            if self.path.startswith("/healthz"):
                content = b'{"status":"ok"}'
            elif self.path.startswith("/forge/users?"):
                content = b'{"items":[],"total":0,"limit":100,"offset":0}'
            else:
                content = b"{}"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if body:
                self.wfile.write(content)

        do_GET = do_POST = do_PATCH = do_DELETE = do_OPTIONS = answer  # noqa: N815

        def do_HEAD(self) -> None:
            self.answer(body=False)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the tests read the client's output, not this server's."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def conformance(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "forge", "conformance", *arguments],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


GRADES = {
    "health-ok": "pass",
    "read-absent": "fail",
    "delete-absent": "expected",
    "health-head": "fixed",
    "options-health": "informational",
    "health-query": "pending",
    "patch-absent": "pending",
}


def test_every_report_grades_each_case(
    contract: Path, broken: str, tmp_path: Path
) -> None:
    """Pinned to 1.0.0 with an expectations file: one real failure fails the run,
    and each report gives every case its grade."""
    expect = tmp_path / "expect.toml"
    expect.write_text(EXPECT)
    files = {kind: tmp_path / f"report.{kind}" for kind in ("xml", "json", "html")}
    badge = tmp_path / "badge.json"

    result = conformance(
        f"--url=broken={broken}", f"--contract={contract}", "--mode=destructive",
        "--contract-version=1.0.0", f"--expect={expect}",
        f"--junit={files['xml']}", f"--json={files['json']}",
        f"--html={files['html']}", f"--badge={badge}",
        "--rules-url=https://example.org/contract/README.md", "--seed=5",
    )  # fmt: skip

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Conformance to contract 1.0.0" in result.stdout
    matrix = {
        line.split("│")[1].strip(): line.split("│")[3].strip()
        for line in result.stdout.splitlines()
        if line.startswith("│ ") and line.split("│")[1].strip() in GRADES
    }
    assert matrix == {
        "health-ok": "pass",
        "read-absent": "FAIL",
        "delete-absent": "expected",
        "health-head": "fixed",
        "options-health": "informational, differs",
        "health-query": "pending, passes",
        "patch-absent": "pending, differs",
    }
    assert "broken failed read-absent in cases.json (R21): GET /forge/users/7" in (
        result.stdout
    )
    assert "rules: https://example.org/contract/README.md#r21" in result.stdout
    assert (
        "graded expected: deletes answer 200 for now (https://example.org/tracker/1)"
        in result.stdout
    )
    assert "graded pending: new in contract 1.1.0" in result.stdout

    testcases = ElementTree.parse(files["xml"]).getroot().iter("testcase")
    junit = {testcase.get("name"): testcase for testcase in testcases}
    assert {
        name: testcase.find("properties/property[@name='grade']").get("value")  # type: ignore[union-attr]
        for name, testcase in junit.items()
    } == GRADES
    assert [name for name, t in junit.items() if t.find("failure") is not None] == [
        "read-absent"
    ]
    skipped = [name for name, t in junit.items() if t.find("skipped") is not None]
    assert skipped == ["delete-absent", "health-query", "patch-absent"]

    data = json.loads(files["json"].read_text())
    assert data["contract_version"] == "1.0.0"
    assert data["passed"] is False
    assert {c["id"]: c["results"]["broken"]["grade"] for c in data["cases"]} == GRADES
    figures = data["implementations"]["broken"]
    assert (figures["pass"], figures["fail"], figures["failing"]) == (1, 1, 1)
    assert (figures["pending"], figures["informational"]) == (2, 1)
    read_absent = next(c for c in data["cases"] if c["id"] == "read-absent")
    assert read_absent["rules"] == [
        {"rule": "R21", "link": "https://example.org/contract/README.md#r21"}
    ]

    page = files["html"].read_text()
    assert "<script" not in page  # self-contained: nothing to run
    assert "http-equiv" not in page
    absent = Variation.from_seed(5).absent_id  # the run's id for the case's 7
    assert f"GET /forge/users/{absent} HTTP/1.1" in page  # the bytes sent
    assert "HTTP/1.1 200 OK" in page  # and got
    assert f"curl -i --path-as-is -X GET {broken}/forge/users/{absent}" in page
    assert (
        '<td class="fail" title=""><a href="#broken-read-absent">fail</a></td>' in page
    )
    assert '<section id="broken-patch-absent">' in page

    assert json.loads(badge.read_text()) == {
        "schemaVersion": 1,
        "label": "forge contract 1.0.0",
        "message": "2/4 passed, 1 known",
        "color": "red",
    }


def test_strict_fails_pending_and_fixed_cases(
    contract: Path, broken: str, tmp_path: Path
) -> None:
    """Without the real failure the run passes; strict, a pending case that differs
    and a known failure that now passes fail it."""
    expect = tmp_path / "expect.toml"
    expect.write_text(EXPECT)
    cases = [f"--case={c}" for c in GRADES if c != "read-absent"]
    common = [
        f"--url=broken={broken}",
        "--mode=destructive",
        f"--contract={contract}",
        "--contract-version=1.0.0",
        f"--expect={expect}",
        *cases,
    ]

    lenient = conformance(*common)
    strict = conformance(*common, "--strict", f"--json={tmp_path / 'strict.json'}")

    assert lenient.returncode == 0, lenient.stdout + lenient.stderr
    assert strict.returncode == 1, strict.stdout + strict.stderr
    data = json.loads((tmp_path / "strict.json").read_text())
    failing = {c["id"] for c in data["cases"] if c["results"]["broken"]["failing"]}
    assert failing == {"health-head", "patch-absent"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[no-such-case]\nreason = 'x'\n",
            "[no-such-case] is no case of this contract",
        ),
        ("[health-ok]\nlink = 'https://example.org'\n", "[health-ok] needs a reason"),
        (
            "[health-ok]\nreason = 'x'\nlink = 'ftp://x'\n",
            "link must be an http(s) URL",
        ),
        ("[health-ok\n", "Expected ']'"),
    ],
)
def test_a_bad_expectations_file_is_one_line(
    contract: Path, broken: str, tmp_path: Path, text: str, message: str
) -> None:
    expect = tmp_path / "expect.toml"
    expect.write_text(text)

    result = conformance(
        f"--url=broken={broken}",
        f"--contract={contract}",
        "--mode=destructive",
        f"--expect={expect}",
    )

    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert message in result.stderr


def test_an_unknown_contract_version_is_one_line(contract: Path, broken: str) -> None:
    result = conformance(
        f"--url=broken={broken}",
        f"--contract={contract}",
        "--mode=destructive",
        "--contract-version=0.9.0",
    )

    assert result.returncode == 2
    assert result.stderr == (
        "forge conformance: Invalid value for --contract-version: no contract 0.9.0:"
        " the releases are 1.0.0, 1.1.0\n"
    )


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}")
def test_the_html_report_in_a_browser(
    contract: Path, broken: str, tmp_path: Path
) -> None:
    """The HTML report opens with nothing fetched: each grade's cell, a failure's
    link to its bytes; the screenshot lands in build/screenshots/."""
    sync_api = pytest.importorskip("playwright.sync_api")
    expect = tmp_path / "expect.toml"
    expect.write_text(EXPECT)
    page_file = tmp_path / "report.html"
    conformance(
        f"--url=broken={broken}", f"--contract={contract}", "--mode=destructive",
        "--contract-version=1.0.0", f"--expect={expect}", f"--html={page_file}",
    )  # fmt: skip
    fetched: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("request", lambda request: fetched.append(request.url))
            page.goto(page_file.as_uri())
            cells = {
                row.locator("td").nth(0).inner_text(): row.locator("td")
                .nth(2)
                .inner_text()
                for row in page.locator("table").nth(1).locator("tr").all()[1:]
            }
            page.locator("a[href='#broken-read-absent']").click()
            visible = page.locator("#broken-read-absent").is_visible()
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.goto(page_file.as_uri())
            page.screenshot(
                path=str(SCREENSHOTS / "conformance-report.png"), full_page=True
            )
        finally:
            browser.close()

    assert cells == {
        **GRADES,
        "options-health": "informational, differs",
        "health-query": "pending, passes",
        "patch-absent": "pending, differs",
    }
    assert visible
    assert {url for url in fetched if not url.startswith("file:")} == set()
