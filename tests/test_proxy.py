"""HAProxy in front of the app servers (issue 18, contract R27): slow and abusive
clients hold no worker, and every answer the proxy makes itself is a problem.

The abuses are the ones that stopped Flask and Django under gunicorn's sync workers
when clients reached them directly: headers sent byte by byte, a body trickled in,
connections that stay silent, keep-alive connections left idle. Under each, a normal
client's requests are all answered, and every abusive connection is closed by the
proxy's timeout. Every test skips, saying how to install it, without HAProxy.
"""

import contextlib
import json
import resource
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from forge import proxy
from forge.abuse import ABUSES, Abuse, address
from forge.servers import SERVERS
from tests.contract import JSON, PROBLEMS, assert_problem
from tests.live import Served, forge_serve, free_port

pytestmark = pytest.mark.skipif(
    proxy.find_haproxy() is None,
    reason=f"HAProxy is not installed: {proxy.INSTALL}",
)

SERVER_PROBLEMS = json.loads(
    (Path(__file__).parents[1] / "contract" / "problems.json").read_text("utf-8")
)["server_problems"]

PROXY_TIMEOUT = 5.0
"""``timeout http-request`` and ``timeout http-keep-alive`` of forge/haproxy.cfg."""

CLOSE_SLACK = 2.5
"""How much later than the timeout a connection may be seen closed on a busy machine."""

ABUSIVE_CONNECTIONS = 1000
"""Per abuse, spread over the three apps."""

# Raw requests name 127.0.0.1, a host every app serves by default (R28).


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The three apps as `forge serve` deploys them: HAProxy in front of gunicorn's
    and uvicorn's two workers each."""
    directory = tmp_path_factory.mktemp("proxy")
    with forge_serve(directory, SERVERS, "--workers=2", "--proxy=haproxy") as served:
        assert served.behind_proxy
        yield served


@pytest.fixture(scope="module", autouse=True)
def enough_open_files() -> None:
    """A thousand client sockets need more than the 1024 files many shells allow."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * ABUSIVE_CONNECTIONS + 512
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"needs {wanted} open files; this shell allows {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))


def raw_exchange(url: str, request: bytes, wait: float = 10) -> bytes:
    """Send ``request`` on a new connection: all that comes back until it closes."""
    with socket.create_connection(address(url), timeout=wait) as connection:
        connection.sendall(request)
        received = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := connection.recv(65536):
                received += chunk
    return received


def problem_of(response: bytes) -> tuple[int, str, dict[str, object]]:
    """The status, Content-Type and JSON body of a raw HTTP/1.1 response."""
    head, _, body = response.partition(b"\r\n\r\n")
    status_line, *fields = head.decode("latin-1").split("\r\n")
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (field.partition(":") for field in fields)
    }
    if headers.get("transfer-encoding") == "chunked":
        body = unchunked(body)
    return int(status_line.split()[1]), headers["content-type"], json.loads(body)


def unchunked(body: bytes) -> bytes:
    """A chunked body's content (RFC 9112 section 7.1), without extensions."""
    content = b""
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return content
        content, body = content + body[:size], body[size + 2 :]


@pytest.mark.parametrize("abuse", ABUSES)
def test_a_normal_client_is_answered_while_clients_abuse_the_servers(
    served: Served, abuse: str
) -> None:
    """Under each abuse, every request of a normal client gets its answer, on every
    app; then every abusive connection is closed by the proxy's timeout."""
    urls = list(served.urls.values())
    attack = Abuse(urls, ABUSES[abuse], ABUSIVE_CONNECTIONS)
    try:
        answered = dict.fromkeys(served.urls, 0)
        with httpx.Client(timeout=2) as client:
            for _ in range(5):
                for name, url in served.urls.items():
                    response = client.get(
                        f"{url}/forge/users", headers={"Connection": "close"}
                    )
                    assert response.status_code == 200, (name, response.text)
                    answered[name] += 1
                time.sleep(0.2)
        deadline = attack.opened + PROXY_TIMEOUT + CLOSE_SLACK + 1.5
        while len(attack.closed_after) < ABUSIVE_CONNECTIONS:
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        attack.close()

    assert answered == dict.fromkeys(served.urls, 5)
    open_still = ABUSIVE_CONNECTIONS - len(attack.closed_after)
    assert open_still == 0, f"{open_still} abusive connections still open"
    assert max(attack.closed_after.values()) <= PROXY_TIMEOUT + CLOSE_SLACK + 1
    if abuse == "a body trickled in":
        # Once a request was read, what the proxy says is a problem: R27's 408.
        answers = {problem_of(first)[0] for first in attack.first_bytes.values()}
        assert answers == {408}
    if abuse in ("headers byte by byte", "silent connections"):
        # No request was read: closed without an answer, never an HTML page (R27).
        assert attack.first_bytes == {}


@pytest.mark.parametrize("name", SERVERS)
def test_a_lower_case_method_is_the_proxys_400_problem(
    served: Served, name: str
) -> None:
    """R4, R27: `get` never reaches the app (gunicorn would answer in HTML)."""
    response = raw_exchange(
        served.urls[name],
        b"get /forge/users HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    )
    status, content_type, body = problem_of(response)

    assert (status, content_type) == (400, "application/problem+json")
    assert body == {
        key: SERVER_PROBLEMS["bad-request"][key]
        for key in ("type", "title", "status", "detail")
    }


@pytest.mark.parametrize("name", SERVERS)
def test_a_header_section_the_proxy_reads_reaches_the_app_one_too_large_is_closed(
    served: Served, name: str
) -> None:
    """R27: 8,192 bytes of header section and 100 fields always reach the app (its
    server's own, smaller limits are lifted behind the proxy); 16,385 bytes, 101
    fields, a fragment or bytes that are not HTTP get the connection closed with no
    answer, never an HTML or text page."""
    url = served.urls[name]
    start = b"GET /forge/users?x="
    rest = b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"

    def target_of(size: int) -> bytes:
        return start + b"a" * (size - len(start) - len(rest)) + rest

    fields = b"".join(b"X-Field-%d: 1\r\n" % number for number in range(98))
    hundred = b"GET /forge/users HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"

    for readable in (target_of(8192), hundred + fields + b"\r\n"):
        assert raw_exchange(url, readable).startswith(b"HTTP/1.1 200"), name
    for unreadable in (
        target_of(16385),
        hundred + fields + b"X-One-Too-Many: 1\r\n\r\n",
        b"GET /forge/users#top HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        b"GET /forge/users HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: localhost\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not HTTP\r\n\r\n",
    ):
        assert raw_exchange(url, unreadable) == b"", (name, unreadable[:40])


@pytest.mark.parametrize("name", SERVERS)
def test_a_request_without_a_host_served_is_r28s_problem_behind_the_proxy(
    served: Served, name: str
) -> None:
    """The proxy passes on a request with no Host, an empty one or another host; the
    app answers R28's problem, whatever the path."""
    url = served.urls[name]
    host_not_served = {
        key: PROBLEMS["host-not-served"][key]
        for key in ("type", "title", "status", "detail")
    }
    for request in (
        b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n",
        b"GET /forge/users HTTP/1.0\r\n\r\n",
        b"GET /forge/users HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n",
        b"GET /nope HTTP/1.1\r\nHost: forge.example\r\nConnection: close\r\n\r\n",
    ):
        status, content_type, problem = problem_of(raw_exchange(url, request))

        assert (status, content_type) == (400, "application/problem+json"), request
        assert problem == host_not_served, request


@pytest.mark.parametrize("name", SERVERS)
def test_the_app_still_answers_its_own_checks_behind_the_proxy(
    served: Served, name: str
) -> None:
    """The proxy reads bodies for the app, never instead of it: R8's 413 and R9's 400
    are still the app's, after R6's route 404."""
    url = served.urls[name]
    too_large = httpx.post(
        f"{url}/forge/users", content=b" " * 16385, headers=JSON, timeout=10
    )
    malformed = httpx.post(f"{url}/forge/users", content=b"{", headers=JSON)
    elsewhere = httpx.post(f"{url}/nope", content=b" " * 16385, headers=JSON)

    assert_problem(too_large, "content-too-large")
    assert_problem(malformed, "malformed-json")
    assert_problem(elsewhere, "route-not-found")


HUGE_BODY = b" " * (1024 * 1024)
HUGE_BODY_TRIES = 20
"""Per app and framing. Without forge/gunicorn_hooks.py about one 1 MiB body in twenty
with a length, and one in three chunked, lost its 413 to a closed connection."""


@pytest.mark.parametrize("name", SERVERS)
def test_a_body_far_over_the_limit_gets_its_413_every_time(
    served: Served, name: str
) -> None:
    """The app stops reading at byte 16,385 and answers; the server reads the rest
    before it closes, so the answer is never lost (R8)."""
    url = f"{served.urls[name]}/forge/users"
    with httpx.Client(headers=JSON, timeout=10) as client:
        for _ in range(HUGE_BODY_TRIES):
            declared = client.post(url, content=HUGE_BODY)
            chunked = client.post(url, content=iter([HUGE_BODY[:8192]] * 128))

            assert_problem(declared, "content-too-large")
            assert_problem(chunked, "content-too-large")


def test_every_answer_the_proxy_makes_is_a_problem_of_the_contract(
    tmp_path: Path,
) -> None:
    """Each error file forge/proxy.py writes is a whole HTTP response: the status and
    the exact problem of problems.json (R5, R25, R27)."""
    everything = {**PROBLEMS, **SERVER_PROBLEMS}
    for status, name in proxy.SERVER_ANSWERS.items():
        head, _, body = proxy.problem_response(status).partition(b"\r\n\r\n")
        answered, content_type, problem = problem_of(proxy.problem_response(status))

        assert answered == everything[name]["status"]
        assert content_type == "application/problem+json"
        assert f"content-length: {len(body)}".encode() in head.lower()
        assert problem == {
            key: everything[name][key] for key in ("type", "title", "status", "detail")
        }


@contextlib.contextmanager
def haproxy_in_front_of(sockets: list[Path], run_dir: Path) -> Iterator[str]:
    """HAProxy alone, as forge serve configures it, in front of ``sockets``."""
    haproxy = proxy.find_haproxy()
    assert haproxy is not None
    port = free_port()
    site = proxy.Site("app", "127.0.0.1", port, sockets)
    command = proxy.command(haproxy, proxy.write_configuration(run_dir, [site]))
    checked = subprocess.run([*command, "-c"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_no_app_server_running_is_the_proxys_503_problem(tmp_path: Path) -> None:
    """R27: a socket nobody listens on (the app server died) answers R27's 503."""
    with haproxy_in_front_of([tmp_path / "gone.sock"], tmp_path) as url:
        response = httpx.get(f"{url}/forge/users", timeout=10)

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        key: SERVER_PROBLEMS["server-unavailable"][key]
        for key in ("type", "title", "status", "detail")
    }


def test_an_app_server_that_never_answers_is_the_proxys_503_within_5_s(
    tmp_path: Path,
) -> None:
    """R25, R27: an app server that takes the request and says nothing (a worker
    stuck on a database that does not answer) is answered for, within 5 s."""
    stuck = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stuck.bind(str(tmp_path / "stuck.sock"))
    stuck.listen(16)  # accepted by the kernel, never read
    try:
        with haproxy_in_front_of([tmp_path / "stuck.sock"], tmp_path) as url:
            started = time.monotonic()
            response = httpx.post(
                f"{url}/forge/users", json={"name": "ada"}, timeout=15
            )
            waited = time.monotonic() - started
    finally:
        stuck.close()

    assert response.status_code == 503
    assert response.json()["detail"] == SERVER_PROBLEMS["server-unavailable"]["detail"]
    assert waited < 5
