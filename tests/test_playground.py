"""The playground's parts: composing a request, sending its exact bytes, reading the
answers into columns and their differences, its own API's refusals, and its place in
``forge serve`` (any subset of the apps, its port, its stop).

The page itself, in a browser against the three apps, is ``test_playground_browser.py``.
"""

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from forge import playground, rawhttp
from forge.citations import citations
from forge.columns import body_lines, differences
from forge.rawhttp import Answer, ComposeError, compose, framing, request_bytes
from forge_conformance.cases import load_cases
from forge_conformance.suite import run_on_empty_server
from tests.live import answering_wrong, forge_serve, free_port

CHUNKED_ANSWER = (
    b"HTTP/1.1 201 Created\r\n"
    b"Content-Type: application/json\r\n"
    b"X-Twice: one\r\n"
    b"X-Twice: two\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n"
    b'5\r\n{"a":\r\n3\r\n 1}\r\n0\r\n\r\n'
)


@contextmanager
def raw_server(answer: bytes) -> Iterator[tuple[str, list[bytes]]]:
    """A server on a free port that records each request's bytes, as received, and
    sends ``answer`` (then closes). Yields its URL and the list of requests."""
    listener = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:  # closed: the test is over
                return
            with connection:
                connection.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = connection.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":", 1)[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                while len(body) < length:
                    body += connection.recv(65536)
                received.append(head + b"\r\n\r\n" + body)
                connection.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", received
    finally:
        listener.close()


# Composing.


def test_compose_keeps_the_request_as_written() -> None:
    """Method case, target, header names, order and repeats: all kept."""
    composed = compose(
        "get", "//forge/../users", "limit=1&limit=2", "x-ODD: 1\nX-Odd:  2 \n\n", "é"
    )

    assert composed.method == "get"
    assert composed.target == "//forge/../users?limit=1&limit=2"
    assert composed.headers == (("x-ODD", "1"), ("X-Odd", "2"))
    assert composed.body == "é".encode()


@pytest.mark.parametrize(
    ("method", "path", "headers", "field", "message"),
    [
        ("GE T", "/", "", "method", "is not a method"),
        ("", "/", "", "method", "is not a method"),
        ("GET", "forge/users", "", "path", "is not a request target"),
        ("GET", "/forge users", "", "path", "percent-encode"),
        ("GET", "/forge/users\r\nX: 1", "", "path", "is not a request target"),
        ("GET", "/", "Accept application/json", "headers", "line 1"),
        ("GET", "/", "A: 1\n  folded", "headers", "folded lines are obsolete"),
        ("GET", "/", "Bad Name: 1", "headers", "is not a field name"),
        ("GET", "/", "X: a\x00b", "headers", "control character"),
        ("GET", "/", "X: 1\n" * 101, "headers", "101 header lines"),
    ],
)
def test_compose_refuses_what_cannot_be_sent(
    method: str, path: str, headers: str, field: str, message: str
) -> None:
    """Each malformed part is one message naming the part."""
    with pytest.raises(ComposeError) as refused:
        compose(method, path, "", headers, "")

    assert refused.value.field == field
    assert message in refused.value.message


def test_compose_refuses_a_body_over_the_limit() -> None:
    """The page sends bodies up to MAX_BODY_BYTES, counted as UTF-8 bytes."""
    fits = "é" * (rawhttp.MAX_BODY_BYTES // 2)
    compose("POST", "/", "", "", fits)

    with pytest.raises(ComposeError) as refused:
        compose("POST", "/", "", "", fits + "x")

    assert refused.value.field == "body"
    assert f"over the {rawhttp.MAX_BODY_BYTES:,} bytes" in refused.value.message


def test_framing_adds_only_what_was_not_written() -> None:
    """Host, Content-Length for a body and Connection: close, each only if absent."""
    bare = compose("POST", "/", "", "", "{}")
    written = compose(
        "POST", "/", "", "host: h\ncontent-length: 2\nconnection: keep-alive", "{}"
    )
    chunked = compose("POST", "/", "", "Transfer-Encoding: chunked", "0\r\n\r\n")
    empty = compose("GET", "/", "", "", "")

    assert framing(bare, "http://127.0.0.1:9") == [
        ("Host", "127.0.0.1:9"),
        ("Content-Length", "2"),
        ("Connection", "close"),
    ]
    assert framing(written, "http://127.0.0.1:9") == []
    assert framing(chunked, "http://127.0.0.1:9") == [
        ("Host", "127.0.0.1:9"),
        ("Connection", "close"),
    ]
    assert framing(empty, "http://[::1]:9") == [
        ("Host", "[::1]:9"),
        ("Connection", "close"),
    ]


# Sending.


def test_send_puts_the_exact_bytes_on_the_wire() -> None:
    """What the server receives is the request line, the headers as written, the
    added framing, the body: nothing rewritten."""
    composed = compose("get", "//forge/../users?a=1", "", "x-ODD: 1\nX-Odd: 2", "hi")
    with raw_server(CHUNKED_ANSWER) as (url, received):
        added = framing(composed, url)
        raw = request_bytes(composed, added)
        rawhttp.send(url, raw, composed.method)

    host = url.removeprefix("http://")
    assert received == [
        b"get //forge/../users?a=1 HTTP/1.1\r\n"
        b"x-ODD: 1\r\nX-Odd: 2\r\n"
        + f"Host: {host}\r\n".encode()
        + b"Content-Length: 2\r\nConnection: close\r\n\r\nhi"
    ]


def test_send_reads_the_answer_as_sent() -> None:
    """Status, every header in order with repeats, a chunked body put together."""
    with raw_server(CHUNKED_ANSWER) as (url, _):
        answer = rawhttp.send(url, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET")

    assert answer.error == ""
    assert (answer.status, answer.reason) == (201, "Created")
    assert answer.headers == [
        ("Content-Type", "application/json"),
        ("X-Twice", "one"),
        ("X-Twice", "two"),
        ("Transfer-Encoding", "chunked"),
    ]
    assert answer.body == b'{"a": 1}'
    assert answer.elapsed_ms > 0


def test_send_reports_a_server_that_is_not_there_or_not_http() -> None:
    """A refused connection and an answer that is not HTTP are errors, not raises."""
    refused = rawhttp.send(f"http://127.0.0.1:{free_port()}", b"GET / HTTP/1.1", "GET")
    with raw_server(b"SSH-2.0-OpenSSH\r\n") as (url, _):
        garbage = rawhttp.send(url, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET")

    assert refused.status is None
    assert "ConnectionRefusedError" in refused.error
    assert garbage.status is None
    assert "BadStatusLine" in garbage.error


# Columns and differences.


def test_body_lines_are_pretty_and_tagged_with_their_paths() -> None:
    """A JSON body by line, each with the path of its value; other text by line."""
    lines = body_lines(b'{"items":[{"id":1}],"odd name":true,"e":{}}')
    text = body_lines(b"not JSON\nat all")

    assert [(line.text, line.path) for line in lines] == [
        ("{", "$"),
        ('  "items": [', "$.items"),
        ("    {", "$.items[0]"),
        ('      "id": 1', "$.items[0].id"),
        ("    }", "$.items[0]"),
        ("  ],", "$.items"),
        ('  "odd name": true,', '$["odd name"]'),
        ('  "e": {}', "$.e"),
        ("}", "$"),
    ]
    assert [(line.text, line.path) for line in text] == [
        ("not JSON", "line 1"),
        ("at all", "line 2"),
    ]


def answer(
    status: int = 200, headers: list[tuple[str, str]] | None = None, body: bytes = b""
) -> Answer:
    return Answer(status=status, reason="OK", headers=headers or [], body=body)


def test_differences_find_every_place_the_answers_disagree() -> None:
    """The status, a header one lacks, a member missing, a changed JSON type; header
    names compared without case; a Date and timestamps marked as differing by nature."""
    first = answer(
        200,
        [("Content-Type", "application/json"), ("Date", "Mon"), ("X-A", "1")],
        b'{"id": 1, "ok": true, "at": "2026-01-01T00:00:00.000000Z"}',
    )
    second = answer(
        404,
        [("content-type", "application/json"), ("date", "Tue")],
        b'{"id": 1, "ok": 1, "at": "2026-01-01T00:00:01.000000Z", "more": null}',
    )

    found = {d.where: (d.values, d.varies) for d in differences([first, second])}

    assert found == {
        "status": (("200", "404"), False),
        "header date": (("Mon", "Tue"), True),
        "header x-a": (("1", None), False),
        "body $": (("object of 3", "object of 4"), False),
        "body $.ok": (("true", "1"), False),
        "body $.at": (
            ('"2026-01-01T00:00:00.000000Z"', '"2026-01-01T00:00:01.000000Z"'),
            True,
        ),
        "body $.more": ((None, "null"), False),
    }


def test_differences_leave_out_an_answer_that_never_came() -> None:
    """An error has no values to compare: its column's are None, and one answer
    alone has nothing to differ from."""
    gone = Answer(error="ConnectionRefusedError")
    one, other = answer(200), answer(201)

    found = differences([one, gone, other])

    assert [(d.where, d.values) for d in found] == [("status", ("200", None, "201"))]
    assert differences([one, gone]) == []
    assert differences([one, answer(200)]) == []


# The page's own API.


@contextmanager
def playground_at(
    urls: dict[str, str], served: frozenset[str] = frozenset()
) -> Iterator[str]:
    """The playground's server on a free port, comparing ``urls``; always stopped."""
    server = playground.start("127.0.0.1", 0, playground.Playground(urls, served))
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        playground.stop(server)


def test_api_sends_to_every_app_and_returns_columns() -> None:
    """Each app gets the request; each column has its answer, the differences none."""
    with (
        raw_server(CHUNKED_ANSWER) as (first, first_received),
        raw_server(CHUNKED_ANSWER) as (second, second_received),
        playground_at({"one": first, "two": second}) as page,
    ):
        result = httpx.post(
            f"{page}/api/send",
            json={"method": "GET", "path": "/forge/users", "headers": "A: 1"},
        )

    assert result.status_code == 200
    columns = result.json()["columns"]
    assert [column["name"] for column in columns] == ["one", "two"]
    assert [column["status"] for column in columns] == [201, 201]
    assert columns[0]["lines"][0] == {"text": "{", "path": "$"}
    assert columns[0]["sent"].startswith("GET /forge/users HTTP/1.1\r\nA: 1\r\n")
    assert result.json()["differences"] == []
    assert len(first_received) == len(second_received) == 1


@pytest.mark.parametrize(
    ("payload", "status", "field", "message"),
    [
        (
            {"method": "GET", "path": "/", "headers": "no colon"},
            400,
            "headers",
            "colon",
        ),
        ({"method": "GET", "path": "nope"}, 400, "path", "request target"),
        ({"method": "GET", "path": "/", "apps": ["pyramid"]}, 400, "apps", "pyramid"),
        ({"method": "GET", "path": "/", "apps": []}, 400, "apps", "at least one"),
        ({"method": 1, "path": "/"}, 400, "method", "want a string"),
        ({"method": "POST", "path": "/"}, 428, "confirmed", "would change data"),
        ({"method": "delete", "path": "/"}, 428, "confirmed", "would change data"),
    ],
)
def test_api_refuses_bad_input_with_a_problem(
    payload: dict[str, object], status: int, field: str, message: str
) -> None:
    """Bad input to the page, or a write not yet confirmed: a JSON problem naming
    the field, and nothing sent."""
    with (
        raw_server(CHUNKED_ANSWER) as (url, received),
        playground_at({"one": url}) as page,
    ):
        refused = httpx.post(f"{page}/api/send", json=payload)

    assert refused.status_code == status
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["field"] == field
    assert message in refused.json()["detail"]
    assert received == []


@pytest.mark.parametrize(
    ("request_line", "headers", "body", "status"),
    [
        ("POST /api/send", "Content-Type: text/plain", b"{}", 415),
        ("POST /api/send", "Content-Type: application/json", b"{nope", 400),
        ("POST /api/send", "Content-Type: application/json", b"[]", 400),
        ("POST /api/nothing", "Content-Type: application/json", b"{}", 404),
        ("GET /nothing", "", b"", 404),
        ("BREW /", "", b"", 501),
        ("GET /", "X-Long: " + "a" * 70_000, b"", 431),
    ],
)
def test_api_answers_every_refusal_as_json(
    request_line: str, headers: str, body: bytes, status: int
) -> None:
    """The wrong media type, broken JSON, an unknown path or method, a header line
    too long: a JSON problem each, never http.server's HTML page or a trace."""
    with playground_at({}) as page:
        raw = (
            f"{request_line} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
            f"{headers}\r\n\r\n"
        ).encode() + body
        answer = rawhttp.send(page, raw, request_line.split()[0])

    assert answer.status == status
    assert dict(answer.headers)["Content-Type"] == "application/problem+json"
    assert json.loads(answer.body)["status"] == status


def test_api_refuses_a_request_over_its_size_unread() -> None:
    """A request over what the page reads is a 413, without reading its body."""
    with playground_at({}) as page:
        length = playground.MAX_PAGE_REQUEST_BYTES + 1
        raw = (
            "POST /api/send HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n{{"
        ).encode()
        answer = rawhttp.send(page, raw, "POST")

    assert answer.status == 413
    assert (
        f"over the {playground.MAX_PAGE_REQUEST_BYTES:,}"
        in json.loads(answer.body)["detail"]
    )


def test_api_case_asks_first_then_gives_the_runners_verdict() -> None:
    """A case empties the servers: refused until confirmed; then each column holds
    exactly what forge conformance's runner says of that server."""
    case = next(case for case in load_cases() if case.id == "health-get")
    with answering_wrong() as wrong, playground_at({"wrong": wrong}) as page:
        asked = httpx.post(f"{page}/api/case", json={"case": case.id})
        ran = httpx.post(f"{page}/api/case", json={"case": case.id, "confirmed": True})
        unknown = httpx.post(
            f"{page}/api/case", json={"case": "no-such-case", "confirmed": True}
        )
        with httpx.Client(base_url=wrong) as client:
            direct = run_on_empty_server(client, case)

    verdict = ran.json()["columns"][0]["verdict"]
    assert asked.status_code == 428
    assert "deletes every user of wrong" in asked.json()["detail"]
    assert ran.status_code == 200
    assert verdict == {"passed": False, "differences": direct.differences}
    assert direct.differences  # it answers {} to a list: it cannot be emptied
    assert unknown.status_code == 404
    assert "no case 'no-such-case'" in unknown.json()["detail"]


def test_case_columns_cite_the_apps_lines_for_its_rules() -> None:
    """Each served app's column names the lines citing each rule of the case; an
    implementation elsewhere has none."""
    case = next(case for case in load_cases() if case.id == "health-get")
    with (
        answering_wrong() as wrong,
        playground_at({"flask": wrong, "mine": wrong}, frozenset({"flask"})) as page,
    ):
        ran = httpx.post(f"{page}/api/case", json={"case": case.id, "confirmed": True})

    flask, mine = ran.json()["columns"]
    assert set(flask["citations"]) == set(case.rules)
    for rule, cited in flask["citations"].items():
        expected = citations("flask").get(rule, [])
        assert [(c["file"], c["line"]) for c in cited] == [
            (c.file, c.line) for c in expected
        ]
    assert mine["citations"] is None


def test_source_page_shows_the_cited_lines_and_refuses_the_rest() -> None:
    """The page of a rule's lines shows each cited line; an app not served here or
    a rule it does not cite is a 404 page that says so."""
    cited = citations("django")["R3"][0]
    with playground_at({"django": "http://127.0.0.1:9"}, frozenset({"django"})) as page:
        shown = httpx.get(f"{page}/source", params={"app": "django", "rule": "R3"})
        other = httpx.get(f"{page}/source", params={"app": "mine", "rule": "R3"})
        none = httpx.get(f"{page}/source", params={"app": "django", "rule": "R99"})

    assert shown.status_code == 200
    assert f"{cited.file}:{cited.line}" in shown.text
    assert "R3" in shown.text
    assert other.status_code == 404
    assert "No app &#x27;mine&#x27; is served here" in other.text
    assert none.status_code == 404
    assert "cites &#x27;R99&#x27;" in none.text


def test_citations_are_comments_naming_the_rule() -> None:
    """Each citation is a comment line of the app's own files naming the rule."""
    found = citations("fastapi")

    assert "R14" in found
    for rule, lines in found.items():
        for cited in lines:
            comment = cited.text.partition("#")[2]
            assert rule in comment, cited
            assert (
                Path(__file__).parents[1] / "apps" / "fastapi_forge" / cited.file
            ).is_file()


# In forge serve.


def test_forge_serve_runs_the_playground_for_the_apps_asked_then_stops_it(
    tmp_path: Path,
) -> None:
    """`forge serve flask` serves the playground comparing flask alone, lists it in
    its table, and closes it with the rest."""
    with forge_serve(tmp_path, ["flask"]) as served:
        setup = httpx.get(f"{served.playground}/api/setup").json()
        page = httpx.get(served.playground)

    assert [app["name"] for app in setup["apps"]] == ["flask"]
    assert setup["apps"][0]["url"] == served.urls["flask"]
    assert page.status_code == 200
    assert "Forge playground" in page.text
    assert f"│ playground │ {served.playground}/" in served.output()
    with pytest.raises(httpx.ConnectError):
        httpx.get(served.playground)


def test_forge_serve_stops_when_the_playgrounds_port_is_taken(tmp_path: Path) -> None:
    """A playground port in use is one line naming it, before any app starts."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with forge_serve(
            tmp_path, ["flask"], f"--port=playground={port}", wait=False
        ) as served:
            served.process.wait(timeout=60)

    assert served.process.returncode == 1
    assert served.output().strip().splitlines()[-1] == (
        f"forge serve: playground: port {port} on 127.0.0.1 is already in use"
        " (choose another with --port playground=PORT)"
    )


def test_cases_offered_are_those_for_the_servers_mode() -> None:
    """Without a token, the cases for servers without one; with one, the others."""
    cases = load_cases()
    without = playground.Playground({}).setup()["cases"]
    with_token = playground.Playground({}, token="t" * 32).setup()["cases"]

    assert [case["id"] for case in without] == [
        case.id for case in cases if case.token is not True
    ]
    assert [case["id"] for case in with_token] == [
        case.id for case in cases if case.token is not False
    ]
    assert len(without) != len(with_token)
