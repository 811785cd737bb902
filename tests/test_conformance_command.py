"""``forge conformance`` on running servers: the matrix, the reports, the exit code."""

import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path

import pytest

from forge_conformance.cases import load_cases
from forge_conformance.suite import select
from tests.contract import API_TOKEN
from tests.live import Served, answering_wrong, forge_serve, free_port

CREATE_CASES = select(load_cases(), ["create-*"])


@pytest.fixture
def wrong_server() -> Iterator[str]:
    with answering_wrong() as url:
        yield url


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
    assert data["implementations"]["flask"]["pass"] == len(CREATE_CASES)
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
    assert data["implementations"]["wrong"]["pass"] == 0
    first = data["cases"][0]["results"]["wrong"]
    assert first["passed"] is False
    assert first["differences"]


def test_a_server_that_is_down_stops_the_run_in_one_line() -> None:
    """Nothing listening: one line naming the URL and the cause, then exit 1."""
    url = f"http://127.0.0.1:{free_port()}"

    result = conformance(f"--url=gone={url}", "--url=other=http://127.0.0.1:9")

    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"forge conformance: gone: {url} does not answer" + (
        " ([Errno 111] Connection refused)"
    )
    assert len(lines) == 2  # one for each server that does not answer
    assert lines[1].startswith("forge conformance: other: http://127.0.0.1:9 ")


def test_a_server_that_dies_mid_run_leaves_the_rest_not_run(tmp_path: Path) -> None:
    """A server that stops answering: one line, and its remaining cases not run."""
    report = tmp_path / "report.json"
    with answering_wrong(requests=30) as url:
        result = conformance(
            f"--url=dying={url}", "--case=create-*", f"--json={report}"
        )

    assert result.returncode == 1
    stopped = [line for line in result.stderr.splitlines() if "not run" in line]
    assert len(stopped) == 1
    assert stopped[0].startswith(f"forge conformance: dying: {url} does not answer")
    assert result.stdout.count("ConnectError") <= 1
    figures = json.loads(report.read_text())["implementations"]["dying"]
    assert figures["pass"] == 0
    assert figures["fail"] >= 1
    assert figures["not_run"] > 0
    assert figures["fail"] + figures["not_run"] == len(CREATE_CASES)


def test_failures_only_with_no_failures_says_so(served: Served) -> None:
    """--failures-only on servers that pass: a sentence, not an empty table."""
    urls = [f"--url={name}={url}" for name, url in served.urls.items()]

    result = conformance(*urls, "--case=read-*", "--failures-only")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Every case passed on fastapi, flask: no failures to show." in result.stdout
    assert "Conformance" not in result.stdout  # the matrix's title


def test_token_judges_servers_started_with_one(tmp_path: Path) -> None:
    """`--token`: the cases for a server with an API token (R26) pass on one; the 1.0
    cases sent without it do not, and a server left with users says what is missing."""
    with forge_serve(tmp_path, ["django"], f"--api-token={API_TOKEN}") as served:
        url = f"--url=django={served.urls['django']}"
        report = tmp_path / "report.json"
        without = conformance(url, "--case=create-user-defaults-tier")
        with_token = conformance(
            url, "--case=auth-*", "--case=create-*", f"--token={API_TOKEN}",
            f"--json={report}", "--mode=destructive",
        )  # fmt: skip
        left_with_users = conformance(
            url, "--case=create-user-defaults-tier", "--mode=destructive"
        )

    assert with_token.returncode == 0, with_token.stdout + with_token.stderr
    assert "Conformance to contract" in with_token.stdout
    assert "servers with an API token" in with_token.stdout
    data = json.loads(report.read_text())
    assert data["with_api_token"] is True
    ids = {case["id"] for case in data["cases"]}
    assert "auth-create-without-credentials" in ids
    assert "auth-off-create-with-wrong-token" not in ids  # for servers without one
    assert API_TOKEN not in with_token.stdout + report.read_text()
    assert without.returncode == 1
    assert "status: 401, expected 201" in without.stdout
    assert left_with_users.returncode == 1
    assert "answered 401 (a server with an API token: say which, with --token)" in (
        left_with_users.stdout
    )
