"""The case runner of ``forge_conformance.cases``: it sends what a case says and
fails when it must.

A fake server (httpx.MockTransport, or a socket where the bytes on the wire matter)
answers each request, so these tests need no app.
"""

import json
import socket
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from forge_conformance.cases import Case, run_case

Answer = Callable[[httpx.Request], httpx.Response]
USER = {
    "id": 7,
    "name": "Ada",
    "tier": "Standard",
    "created_at": "2026-11-24T10:15:30.123456Z",
}
NEW_USER = {
    "id": {"$id": "new"},
    "name": "Ada",
    "tier": "Standard",
    "created_at": {"$timestamp": "new"},
}


def case(response: dict[str, Any], **request: Any) -> Case:
    """A case POSTing to /forge/users unless ``request`` says otherwise."""
    spec = {"method": "POST", "path": "/forge/users", **request}
    return Case(id="t", rules=("R1",), title="t", request=spec, response=response)


def serve(answer: Answer) -> httpx.Client:
    """A client whose every request is answered by ``answer``."""
    return httpx.Client(transport=httpx.MockTransport(answer), base_url="http://t")


def created(body: Any, **headers: str) -> Answer:
    """A fake server that answers 201 with ``body`` as JSON."""
    content = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", **headers}
    return lambda request: httpx.Response(201, headers=headers, content=content)


def test_run_case_passes_matching_response() -> None:
    """A response equal to the case, placeholders filled by server values, passes."""
    expected = {
        "status": 201,
        "headers": {"Location": "/forge/users/{response.id}"},
        "json": NEW_USER,
    }
    answer = created(USER, Location="/forge/users/7")

    assert run_case(serve(answer), case(expected)).differences == []


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("id", 0),
        ("id", "7"),
        ("id", True),
        ("id", 7.0),
        ("created_at", "2026-11-24T10:15:30.123Z"),
        ("created_at", "2026-11-24T10:15:30.123456+00:00"),
        ("created_at", 1764000000),
    ],
)
def test_run_case_placeholder_rejects_wrong_server_value(
    member: str, value: Any
) -> None:
    """``$id`` wants a positive integer and ``$timestamp`` R1's exact format."""
    answer = created({**USER, member: value})

    outcome = run_case(serve(answer), case({"status": 201, "json": NEW_USER}))

    assert len(outcome.differences) == 1
    assert outcome.differences[0].startswith(f"body.{member}: ")


@pytest.mark.parametrize(
    ("actual", "expected"),
    [(1, True), (1, 1.0), ({"a": 1}, {"a": 1, "b": 2}), ({"a": 1, "b": 2}, {"a": 1})],
)
def test_run_case_json_compared_exactly(actual: Any, expected: Any) -> None:
    """JSON types differ even where Python's equal, and members must match both ways."""
    outcome = run_case(serve(created(actual)), case({"status": 201, "json": expected}))

    assert not outcome.passed


def test_run_case_header_null_means_absent() -> None:
    """A header expected as null fails when the server sends it."""
    expected = {"status": 201, "headers": {"Location": None}, "json": USER}
    answer = created(USER, Location="/forge/users/7")

    outcome = run_case(serve(answer), case(expected))

    assert outcome.differences == ["header Location: '/forge/users/7', expected absent"]


def test_run_case_empty_body_expected() -> None:
    """``empty`` fails on any body."""
    outcome = run_case(serve(created({})), case({"status": 201, "empty": True}))

    assert outcome.differences == ["body: b'{}', expected none"]


def test_run_case_setup_keeps_bodies_for_refs() -> None:
    """A setup step's body is kept under its name for paths, refs and bounds."""
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        body = USER if request.method == "POST" else {**USER, "id": 8}
        return httpx.Response(201, json=body)

    step = {"as": "ada", "request": {"method": "POST", "path": "/forge/users"}}
    newer = {"$id": "new", "greater_than": "ada.id"}
    body = {**USER, "id": newer, "name": {"$ref": "ada.name"}}
    expected = {"status": 201, "json": body}
    outcome = run_case(
        serve(answer),
        Case(
            id="t",
            rules=("R17",),
            title="t",
            setup=({**step, "status": 201},),
            request={"method": "PUT", "path": "/forge/users/{ada.id}"},
            response=expected,
        ),
    )

    assert outcome.differences == []
    assert seen == ["POST /forge/users", "PUT /forge/users/7"]


def test_run_case_setup_failure_stops_the_case() -> None:
    """A setup step answered with another status fails the case, naming the step."""
    step = {"request": {"method": "POST", "path": "/forge/users"}, "status": 200}
    outcome = run_case(
        serve(created(USER)),
        Case(
            id="t",
            rules=("R1",),
            title="t",
            setup=(step,),
            request={"method": "GET", "path": "/"},
            response={"status": 200, "empty": True},
        ),
    )

    assert len(outcome.differences) == 1
    assert outcome.differences[0].startswith("setup step 1 (POST /forge/users")


def test_run_case_sends_request_exactly_as_written() -> None:
    """Method case, headers and padded body go out as the case says, nothing added."""
    sent = send_one({"method": "get", "text": "{}", "pad_to": 10})

    assert sent.method == "get"
    assert "Content-Type" not in sent.headers
    assert sent.content == b"{}        "
    assert sent.headers["Content-Length"] == "10"


def test_run_case_chunked_body_has_no_length() -> None:
    """``chunked`` sends the body with Transfer-Encoding and no Content-Length."""
    sent = send_one({"json": {"name": "Ada"}, "pad_to": 3000, "chunked": True})

    assert sent.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in sent.headers
    assert len(sent.content) == 3000


def send_one(request: dict[str, Any]) -> httpx.Request:
    """The request the runner sends for a case with this request spec."""
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        request.read()
        sent.append(request)
        return httpx.Response(204)

    run_case(serve(answer), case({"status": 204, "empty": True}, **request))
    return sent[0]


@pytest.mark.parametrize(
    "path",
    [
        "//forge/users",
        "///healthz",
        "/forge/users//1",
        "/forge/users?",
        "/forge/./users",
        "/forge/x/../users",
    ],
)
def test_run_case_sends_the_request_target_as_written(path: str) -> None:
    """The path goes out exactly as the case writes it, as a server would receive it:
    not read as a host ("//forge") nor tidied up (".." resolved)."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    run_case(
        serve(answer), case({"status": 204, "empty": True}, method="GET", path=path)
    )

    assert seen[0].url.host == "t"
    assert seen[0].extensions["target"] == path.encode()


def test_run_case_puts_the_target_on_the_request_line() -> None:
    """On a socket, the request line carries the target as written: httpx alone would
    send "/forge/users" for "/forge/x/../users"."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        received: list[bytes] = []

        def answer_once() -> None:
            connection, _ = listener.accept()
            with connection:
                received.append(connection.recv(65536).partition(b"\r\n")[0])
                connection.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")

        thread = threading.Thread(target=answer_once, daemon=True)
        thread.start()
        port = listener.getsockname()[1]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            spec = {"method": "GET", "path": "/forge/x/../users"}
            run_case(client, case({"status": 204, "empty": True}, **spec))
        thread.join(timeout=5)

    assert received == [b"GET /forge/x/../users HTTP/1.1"]


def test_run_case_location_of_a_body_without_id_is_a_difference() -> None:
    """An expected Location built from the body's id, on a body with no id: the
    status and the header are reported, not a KeyError."""
    refused = {"type": "urn:forge:problem:unauthorized"}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json=refused)

    expected = {
        "status": 201,
        "headers": {"Location": "/forge/users/{response.id}"},
        "json": NEW_USER,
    }
    outcome = run_case(serve(answer), case(expected))

    assert outcome.differences[0] == "status: 401, expected 201"
    assert outcome.differences[1].startswith("header Location: None, expected")
