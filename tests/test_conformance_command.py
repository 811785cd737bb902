"""``forge conformance`` on running servers: the matrix, the reports, the exit code."""

import json
import subprocess
import sys
import threading
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from forge.cases import load_cases
from forge.conformance import select
from tests.live import Served, forge_serve, free_port

CREATE_CASES = select(load_cases(), ["create-*"])


class WrongServer(BaseHTTPRequestHandler):
    """An implementation that gets everything wrong: 200 and ``{}`` to any request."""

    def answer(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_OPTIONS = answer  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads the command's output, not this server's."""


@pytest.fixture
def wrong_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), WrongServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with forge_serve(tmp_path_factory.mktemp("serve"), ["fastapi", "flask"]) as served:
        yield served


def conformance(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "forge", "conformance", *arguments],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_conforming_servers_pass_with_reports(served: Served, tmp_path: Path) -> None:
    """Two real servers pass every create case; the reports say so case by case."""
    urls = [f"--url={name}={url}" for name, url in served.urls.items()]
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"

    result = conformance(
        *urls, "--case=create-*", f"--junit={junit}", f"--json={report}"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    for case in CREATE_CASES:
        assert f"│ {case.id} " in result.stdout
    suites = ElementTree.parse(junit).getroot()
    assert [suite.get("name") for suite in suites] == ["fastapi", "flask"]
    for suite in suites:
        assert suite.get("tests") == str(len(CREATE_CASES))
        assert suite.get("failures") == "0"
        assert len(suite.findall("testcase")) == len(CREATE_CASES)
    data = json.loads(report.read_text())
    assert data["implementations"]["flask"]["passed"] == len(CREATE_CASES)
    assert [case["id"] for case in data["cases"]] == [c.id for c in CREATE_CASES]


def test_a_wrong_server_fails_with_request_and_difference(
    wrong_server: str, tmp_path: Path
) -> None:
    """A server that answers 200 {} to everything fails every case, exit 1."""
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"

    result = conformance(
        f"--url=wrong={wrong_server}",
        "--case=create-*",
        f"--junit={junit}",
        f"--json={report}",
    )

    assert result.returncode == 1
    assert "FAIL" in result.stdout
    assert "wrong failed create-" in result.stdout
    suite = ElementTree.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert suite.get("failures") == str(len(CREATE_CASES))
    data = json.loads(report.read_text())
    assert data["implementations"]["wrong"]["passed"] == 0
    first = data["cases"][0]["results"]["wrong"]
    assert first["passed"] is False
    assert first["differences"]


def test_a_server_that_is_down_fails_every_case(tmp_path: Path) -> None:
    """Nothing listening is a failure of every case, not a crash."""
    result = conformance(f"--url=gone=http://127.0.0.1:{free_port()}", "--case=read-*")

    assert result.returncode == 1
    assert "ConnectError" in result.stdout
    assert "Traceback" not in result.stderr
