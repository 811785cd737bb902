"""``forge compare --html``'s pages, built from the map and given verdicts.

The pages are HTML strings: a failed case must show as failed where it is counted,
a pair's shared lines must stay unmarked and the others marked, each curl line must
send its case's request exactly, and nothing may come from the network. The real
run, in Chromium, is ``tests/test_site_browser.py``.
"""

import posixpath
import re
import shlex
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from forge import concerns, playground, site
from forge.concerns import APPS, Concern
from forge.servers import SERVERS
from forge_conformance.cases import load_cases, request_body

LINK = re.compile(r'(?:href|src)="([^"]*)"')


@pytest.fixture(scope="module")
def loaded() -> list[Concern]:
    return concerns.load()


def all_passed() -> dict[str, dict[str, bool]]:
    ids = [case.id for case in load_cases() if case.applies(None)]
    return {app: dict.fromkeys(ids, True) for app in APPS}


def test_failed_case_shown_failed_where_counted(loaded: list[Concern]) -> None:
    """One case failed on flask: its row says FAIL, its concern's counts say so."""
    verdicts = all_passed()
    defaults = concerns.find(loaded, "defaults")
    ran = [case.id for case in defaults.cases if case.applies(None)]
    failed = ran[0]
    verdicts["flask"][failed] = False
    total = len(ran)

    pages = site.render(loaded, verdicts, "a test's verdicts")

    row = re.search(
        rf'<tr data-case="{failed}">(.*?)</tr>',
        pages["concerns/defaults.html"],
        re.DOTALL,
    )
    assert row is not None
    assert re.findall(r'<td class="(pass|fail)">', row[1]) == ["pass", "fail", "pass"]
    grid_row = re.search(r'<tr id="defaults">(.*?)</tr>', pages["index.html"])
    assert grid_row is not None
    badges = re.findall(r'<span class="(\w+)">(\d+)/(\d+) cases pass', grid_row[1])
    assert badges == [
        ("pass", str(total), str(total)),
        ("fail", str(total - 1), str(total)),
        ("pass", str(total), str(total)),
    ]


def test_cases_not_run_say_so(loaded: list[Concern]) -> None:
    pages = site.render(loaded, {}, "nothing run")

    assert "cases pass" not in pages["index.html"]
    assert "cases not run" in pages["index.html"]
    assert '<td class="pass">' not in pages["concerns/handlers.html"]


def test_site_links_stay_inside_it(loaded: list[Concern]) -> None:
    """Every link and file is relative and exists: the site works offline."""
    pages = site.render(loaded, all_passed(), "test")

    assert len(pages) == 1 + 1 + len(loaded) + 3
    for name, content in pages.items():
        folder = posixpath.dirname(name)
        for link in LINK.findall(content):
            assert "//" not in link, (name, link)
            target = link.partition("#")[0]
            resolved = posixpath.normpath(posixpath.join(folder, target))
            assert (resolved if target else name) in pages, (name, link)


def test_pair_marks_only_lines_the_other_lacks(loaded: list[Concern]) -> None:
    """FastAPI's and Flask's create_user share their docstring, not their code."""
    handlers = concerns.find(loaded, "handlers")
    left, right = handlers.cells["fastapi"], handlers.cells["flask"]

    ours, theirs = site.differing_lines(left, right)

    def rows(cell: concerns.Cell, text: str) -> set[tuple[int, int]]:
        return {
            (index, number)
            for index, piece in enumerate(cell.pieces)
            for number, line in piece.numbered
            if line.strip() == text
        }

    shared = '"""Create a user."""'
    assert rows(left, shared)
    assert rows(right, shared)
    assert not rows(left, shared) & ours
    assert not rows(right, shared) & theirs
    assert rows(left, "session.add(created)") <= ours
    assert rows(right, "db.session.add(user)") <= theirs


def test_pair_page_marks_differences_and_bridges(loaded: list[Concern]) -> None:
    page = site.render(loaded, all_passed(), "test")["pairs/fastapi-vs-flask.html"]

    assert '<option value="fastapi-vs-flask" selected>' in page
    assert 'class="line differs"' in page
    assert 'class="line bridge differs"' in page
    assert re.search(r'class="line "><span class="no">\d+</span>', page)


@pytest.mark.parametrize("concern_id", ["defaults", "errors", "allow", "routing"])
def test_curl_sends_the_case_exactly(loaded: list[Concern], concern_id: str) -> None:
    """The curl line of a cell, read back as words, is its case's request."""
    concern = concerns.find(loaded, concern_id)
    case = site.reproducible(concern)
    assert case is not None
    request = case.request

    words = shlex.split(site.curl(case, "flask"))

    assert words[:3] == ["curl", "-i", "--path-as-is"]
    assert (
        words[-1]
        == f"http://127.0.0.1:{SERVERS['flask'].default_port}" + (request["path"])
    )
    if request["method"] == "HEAD":
        assert "--head" in words
    else:
        assert words[words.index("-X") + 1] == request["method"]
    sent = [words[i + 1] for i, word in enumerate(words) if word == "-H"]
    written = [
        f"{name}: {value}"
        for name, values in request.get("headers", {}).items()
        for value in ([values] if isinstance(values, str) else values)
    ]
    assert sent == written
    body = request_body(request)
    if body is None:
        assert "--data-binary" not in words
    else:
        assert words[words.index("--data-binary") + 1].encode() == body


@contextmanager
def playground_page() -> Iterator[str]:
    server = playground.start("127.0.0.1", 0, playground.Playground({}))
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        playground.stop(server)


def test_playground_links_to_the_reader() -> None:
    """forge serve's playground links to the reader and serves its pages."""
    with playground_page() as url:
        page = httpx.get(f"{url}/")
        index = httpx.get(f"{url}/reader/")
        concern = httpx.get(f"{url}/reader/concerns/handlers.html")
        css = httpx.get(f"{url}/reader/reader.css")
        missing = httpx.get(f"{url}/reader/nothing.html")

    assert 'href="/reader/"' in page.text
    assert index.status_code == 200
    assert index.headers["content-type"] == "text/html; charset=utf-8"
    assert "concerns/handlers.html" in index.text
    assert "not run by the playground" in index.text
    assert concern.status_code == 200
    assert "views.py:create_user" in concern.text
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
