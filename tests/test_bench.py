"""``forge bench``: its ladder, its instruments, its gate, and one quick real run.

No test here judges a speed: each checks that a figure is measured, present and
honest (a failed run is reported failed, a non-conformant server is not measured),
whatever the figure is. The servers and wrk runs need wrk; without it those tests
skip and say how to install it.
"""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from forge.bench import delay, inprocess, machine, served, sqlite, targets, wrk
from forge.bench.ladder import (
    CONTRACT_STATUSES,
    RUNGS,
    SCENARIO_NAMES,
    Rung,
    forge_rung,
)
from forge.bench.run import QUICK
from forge.databases import server_process
from tests.databases import POSTGRES_URL

NO_WRK = pytest.mark.skipif(wrk.installed() is None, reason=wrk.INSTALL)
SERVED_KEYS = [
    f"{scenario} keep-alive {state}"
    for scenario in ("create", "invalid", "get")
    for state in ("on", "off")
]


QUICK_KEYS = [
    key for key in SERVED_KEYS
    if any(key.endswith("on" if alive else "off") for alive in QUICK.keep_alive)
]  # fmt: skip


@pytest.mark.parametrize("rung", RUNGS, ids=lambda rung: rung.name)
def test_every_rung_answers_every_scenario_with_its_status(
    rung: Rung, tmp_path: Path
) -> None:
    """The ladder's apps run, and answer as their framework does; the Forge apps as
    the contract does (the driver fails a scenario on any other status)."""
    arguments = ["--batches", "1", "--size", "5", "--users", "5"]
    result, _ = inprocess.child(rung, tmp_path, arguments)

    assert sorted(result) == sorted(SCENARIO_NAMES)
    for name, figures in result.items():
        assert figures["unexpected"] == {}, f"{rung.name} {name}"
        assert figures["statuses"] == {str(rung.statuses[name]): 5}
        assert all(cpu > 0 for cpu in figures["cpu_us"])


def test_the_forge_rungs_expect_what_the_contract_answers() -> None:
    """R15, R11, R9, R21, R19, R22 and the user 404: the contract's statuses."""
    assert CONTRACT_STATUSES == {
        "create": 201, "invalid": 422, "malformed": 400, "get": 200, "list": 200,
        "patch": 200, "missing": 404,
    }  # fmt: skip
    for framework in ("fastapi", "flask", "django"):
        assert forge_rung(framework).statuses == CONTRACT_STATUSES


def test_a_failing_rung_fails_its_run() -> None:
    """A rung whose app answers a scenario otherwise than declared is an error,
    never a figure: here the raw ASGI app is held to the contract's 422 for malformed
    JSON while it answers 400."""
    wrong = Rung("raw_asgi", "raw", "raw", "asgi", "bench.raw_asgi:app",
                 statuses={**CONTRACT_STATUSES, "malformed": 422})  # fmt: skip
    result = inprocess.run(wrong, batches=1, size=3, users=2, profiled=None)

    assert inprocess.combined([result["malformed"]])["failed"] == (
        "unexpected statuses {'400': 3}"
    )
    assert inprocess.combined([result["get"]])["failed"] is None


def test_a_profile_by_cumulative_time_shows_the_app_under_its_interface() -> None:
    """The profile of a missed target: by cumulative time, the callers first, so two
    rungs' profiles line up; the app's own function is among its lines."""
    rung = Rung("raw_wsgi", "raw", "raw", "wsgi", "bench.raw_wsgi:app")
    result = inprocess.run(
        rung, batches=1, size=20, users=2, profiled="get", sort="cumulative", lines=8
    )
    text = result["profile"]

    assert "Ordered by: cumulative time" in text
    assert "restriction <8>" in text
    assert "raw_wsgi.py" in text


BURN = "import time\nwhile time.process_time() < 0.4:\n    pass"
"""A child that spends 0.4 s of CPU, then ends."""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
def test_a_server_that_forks_per_connection_is_measured_whole() -> None:
    """A database backend that served its connection and ended still cost CPU: the
    tree's CPU counts children already reaped, as PostgreSQL's server reaps each
    backend of a connection-per-request app."""
    script = (
        "import subprocess, sys, time\n"
        f"subprocess.run([sys.executable, '-c', {BURN!r}], check=True)\n"
        "print('reaped', flush=True)\n"
        "time.sleep(30)\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE
    ) as parent:
        try:
            before = machine.tree_cpu_seconds(parent.pid)
            assert parent.stdout is not None
            assert parent.stdout.readline() == b"reaped\n"
            spent = machine.tree_cpu_seconds(parent.pid) - before
            assert machine.descendants(parent.pid) == [parent.pid]  # the child is gone
            assert spent >= 0.35
        finally:
            parent.kill()


@pytest.mark.skipif(not POSTGRES_URL, reason="needs FORGE_TEST_POSTGRES_URL")
def test_the_local_postgresql_server_is_found_by_its_backend() -> None:
    """The process whose CPU the remote part measures is PostgreSQL's own server
    (postmaster), when the URL's server runs on this machine."""
    pid = server_process(POSTGRES_URL)
    if not Path(f"/proc/{pid}").exists():
        pytest.skip("PostgreSQL runs on another machine: its CPU is not measured")
    assert Path(f"/proc/{pid}/comm").read_text().strip() in {"postgres", "postmaster"}
    assert machine.tree_cpu_seconds(pid or 0) > 0


class Flaky(BaseHTTPRequestHandler):
    """Answers 200, and 500 to every fifth request."""

    protocol_version = "HTTP/1.1"
    count = 0
    lock = threading.Lock()

    def do_GET(self) -> None:
        with self.lock:
            Flaky.count += 1
            status = 500 if Flaky.count % 5 == 0 else 200
        self.send_response(status)
        if self.headers.get("Connection") == "close":
            self.send_header("Connection", "close")  # as every real server says
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


class Quiet(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A client gone before its answer (wrk stopping): nothing to report."""


@pytest.fixture
def flaky_url() -> Iterator[str]:
    server = Quiet(("127.0.0.1", 0), Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@NO_WRK
@pytest.mark.parametrize("keep_alive", [True, False], ids=["keep-alive", "close"])
def test_wrk_counts_every_status_and_a_stray_one_fails_the_run(
    flaky_url: str, keep_alive: bool, tmp_path: Path
) -> None:
    load = wrk.Load("GET", "/", "", keep_alive, connections=4, seconds=1)
    result = wrk.run(flaky_url, load, "test", tmp_path)

    statuses = result["statuses"]
    assert set(statuses) == {"200", "500"}
    assert sum(statuses.values()) == result["requests"] > 0
    assert statuses["500"] == pytest.approx(result["requests"] / 5, abs=5)
    reason = served.verdict(result, 200)
    assert reason is not None
    assert reason.startswith("unexpected statuses {'500': ")
    assert served.verdict({**result, "statuses": {"200": 9}}, 200) is None


def test_no_answer_and_socket_errors_fail_a_run() -> None:
    silent = {"requests": 0, "statuses": {}, "errors": {"connect": 0, "timeout": 0}}
    assert served.verdict(silent, 200) == "no answer at all"
    broken = {"requests": 3, "statuses": {"200": 3}, "errors": {"read": 2}}
    assert served.verdict(broken, 200) == "socket errors {'read': 2}"


def test_the_delay_proxy_holds_each_answer_and_counts_round_trips() -> None:
    """Three exchanges through the proxy at 100 ms: three round trips, each at
    least 100 ms long, on one connection."""
    echo = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        connection, _ = echo.accept()
        with connection:
            while data := connection.recv(1024):
                connection.sendall(data.upper())

    threading.Thread(target=serve, daemon=True).start()
    with delay.DelayProxy("127.0.0.1", echo.getsockname()[1]) as proxy:
        proxy.reset(0.1)
        with socket.create_connection(("127.0.0.1", proxy.port)) as client:
            for word in (b"one", b"two", b"three"):
                started = time.monotonic()
                client.sendall(word)
                assert client.recv(1024) == word.upper()
                assert time.monotonic() - started >= 0.1
        counts = proxy.counts
        assert (counts.round_trips, counts.connections, counts.peak_open) == (3, 1, 1)
    echo.close()


def test_what_a_worker_loads_is_charged_to_the_package_that_loaded_it(
    tmp_path: Path,
) -> None:
    """``forge.bench.loader`` over a base app: a package that holds 20 MiB once
    imported is charged about 20 MiB, and the app's own loading the rest."""
    (tmp_path / "small.py").write_text("app = object()\n")
    (tmp_path / "heavy.py").write_text("BLOB = b'x' * (20 * 2**20)\n")
    (tmp_path / "app.py").write_text(
        "import heavy\n\ndef make():\n    return b'y' * (5 * 2**20)\n"
    )
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path]),
    }
    command = [sys.executable, "-m", "forge.bench.loader"]
    alone = subprocess.run(
        [*command, "app:make()"], env=environment, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    loaded = json.loads(alone.stdout)
    assert {"app", "heavy"} <= set(loaded["modules"])
    over = subprocess.run(
        [*command, "app:make()", "--over", "small:app"], env=environment,
        input=json.dumps(loaded["modules"]), capture_output=True, text=True, check=True,
    )  # fmt: skip
    charged = json.loads(over.stdout)

    assert 18 < charged["packages"]["heavy"] < 23
    assert charged["packages"].get("app", 0) < 1
    assert 4 < charged["rest_mib"] < 7


@NO_WRK
def test_a_server_that_fails_the_conformance_gate_is_not_measured(
    tmp_path: Path,
) -> None:
    """The raw ASGI app, posing as a Forge app, fails the contract's cases: no
    figure is taken of it."""
    impostor = Rung("raw_forge", "fastapi", "forge", "asgi", "bench.raw_asgi:app")
    records = served.bench(
        [served.Config(impostor, "uvicorn")], tmp_path, rounds=1, seconds=1,
        connections=2, keep_alive=(True,),
    )  # fmt: skip

    [record] = records
    assert record["gate"] is not None
    assert record["gate"].endswith(")")
    assert "conformance cases failed" in record["gate"]
    assert record["results"] == {}


@NO_WRK
def test_a_quick_run_measures_every_figure_and_reports_it(tmp_path: Path) -> None:
    """``forge bench --quick``, as CI runs it: every rung and scenario in-process,
    every served server and measure, the remote database when PostgreSQL is there,
    the JSON, the report and its charts; then ``--compare`` of the run with itself."""
    output, report = tmp_path / "bench.json", tmp_path / "docs" / "benchmarks.md"
    command = [sys.executable, "-m", "forge", "bench", "--quick", "--json", str(output),
               "--markdown", str(report)]  # fmt: skip
    environment = {**os.environ, "FORGE_BENCH_POSTGRES_URL": POSTGRES_URL}
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=600, env=environment,
        cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(output.read_text())

    for rung in RUNGS:
        scenarios = result["inprocess"][rung.name]["scenarios"]
        assert sorted(scenarios) == sorted(SCENARIO_NAMES)
        assert all(s["cpu_us"] > 0 and s["failed"] is None for s in scenarios.values())
    assert all(r is not None for row in result["ratios"].values() for r in row.values())
    assert result["profile"]["top"].count("\n") > 10
    missed = [miss[:2] for miss in targets.inprocess_misses(result)]
    assert [[m["framework"], m["scenario"]] for m in result["miss_profiles"]] == [
        list(miss) for miss in missed
    ]
    for miss in result["miss_profiles"]:
        assert "Ordered by: cumulative time" in miss["forge"]
        assert miss["database"].count("\n") > 10
    assert {record["config"] for record in result["served"]} >= {
        "fastapi_forge · uvicorn", "flask_forge · gunicorn sync",
        "django_forge · gunicorn sync",
    }  # fmt: skip
    for record in result["served"]:
        assert record["gate"] is None, record["config"]
        assert sorted(record["results"]) == sorted(QUICK_KEYS)
        for figures in record["results"].values():
            assert figures["failed"] or figures["requests_per_second"] > 0
            assert len(figures["rounds"][0]["load_average"]) == 3
        assert record["peak_rss_per_worker_mib"] > 5
    assert sorted(record["rung"] for record in result["memory"]) == [
        "django_minimal", "fastapi_minimal", "flask_minimal",
    ]  # fmt: skip
    assert all(record["peak_rss_per_worker_mib"] > 5 for record in result["memory"])
    for framework, loaded in result["imports"].items():
        rss = loaded["rss_mib"]
        assert 5 < rss["minimal"] <= rss["database"] <= rss["forge"], framework
        # The database rung's library is among what the Forge app loads beyond the
        # minimal app, and is charged memory.
        charged = {p["package"]: p["mib"] for p in loaded["over_minimal"]}
        library = "django" if framework == "django" else "sqlalchemy"
        assert charged.get(library, 0) > 0, (framework, charged)
    assert sorted(result["imports"]) == ["django", "fastapi", "flask"]
    assert [(s["journal_mode"], s["synchronous"]) for s in result["sqlite"]] == list(
        sqlite.SETTINGS
    )
    assert all(setting["commits"] > 0 for setting in result["sqlite"])
    if POSTGRES_URL:
        postgres_here = server_process(POSTGRES_URL) is not None
        remote = {record["rung"]: record for record in result["remote"]}
        assert sorted(remote) == sorted(
            f"{framework}_{layer}"
            for framework in ("fastapi", "flask", "django")
            for layer in ("forge", "database")
        )
        for record in remote.values():
            forge = record["rung"].endswith("_forge")
            assert sorted(record["results"]) == (["5 ms"] if forge else [])
            measured = [record["served"], *record["results"].values()]
            for figures in measured:
                assert figures["round_trips_per_request"] >= 1, record["config"]
                assert figures["failed"] or figures["requests_per_second"] > 0
                if postgres_here:
                    assert figures["database_cpu_us"] > 0, record["config"]
    else:
        assert result["remote"] is None
        assert "PostgreSQL" in result["remote_not_measured"]
    conditions = result["conditions"]
    assert conditions["cores"]
    assert conditions["packages"]["fastapi"]
    assert conditions["wrk"]

    text = report.read_text()
    assert "## In-process: CPU microseconds per request" in text
    assert "| fastapi_forge · uvicorn (forge serve) |" in text
    for section in (
        "## Issue 16's targets", "## Memory per worker", "### What a worker loads",
        "## SQLite", "## The in-process targets missed, profiled",
    ):  # fmt: skip
        assert section in text
    assert text.count("| in-process CPU over the database rung") == 2
    charts = sorted((report.parent / "benchmarks").glob("*.png"))
    assert [chart.name for chart in charts] == sorted(
        [
            "ladder.png",
            "p99.png",
            "served.png",
            *(["remote.png"] if POSTGRES_URL else []),
        ]
    )
    for chart in charts:
        assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"(benchmarks/{chart.name})" in text

    compared = subprocess.run(
        [sys.executable, "-m", "forge", "bench", "--compare", str(output), str(output)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert compared.returncode == 0, compared.stderr
    assert "fastapi_forge get CPU µs" in compared.stdout
    assert "1.00×" in compared.stdout


def test_compare_refuses_a_file_that_is_not_a_run(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    done = subprocess.run(
        [sys.executable, "-m", "forge", "bench", "--compare", str(other), str(other)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "not a forge bench JSON file (no bench_version)" in done.stderr
    assert "Traceback" not in done.stderr


def test_without_wrk_it_says_how_to_install_it(tmp_path: Path) -> None:
    environment = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    done = subprocess.run(
        [sys.executable, "-m", "forge", "bench", "--quick"],
        capture_output=True, text=True, env=environment, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == f"forge bench: {wrk.INSTALL}"


HIDE_BENCH_EXTRA = """
import sys

# An import of a name that sys.modules maps to None fails, and find_spec finds none.
sys.modules.update(granian=None, matplotlib=None)
"""
"""A ``sitecustomize`` that makes a Python without the bench extra's packages."""


@NO_WRK
def test_without_the_bench_extra_it_says_how_to_install_it(tmp_path: Path) -> None:
    """Before it measures anything: a full run serves apps under granian and a
    report draws charts, and neither is in the README's first install."""
    (tmp_path / "sitecustomize.py").write_text(HIDE_BENCH_EXTRA)
    environment = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "forge", "bench", "--markdown", "report.md"],
        capture_output=True, text=True, env=environment, cwd=tmp_path, check=False,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "forge bench: granian, matplotlib not installed; install the bench extra:"
        " python -m pip install -e '.[bench]'"
    )
    assert not (tmp_path / "report.md").exists()


ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"


def headline_table(text: str) -> list[str]:
    """The rows of the first table after a '## Headline' heading."""
    lines = text.split("## Headline", 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    table = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        table.append(line)
    return table


def test_the_published_report_has_its_charts_and_the_readme_quotes_its_headline() -> (
    None
):
    """docs/benchmarks.md is a generated report: every chart it shows is committed
    beside it, and the README's headline is the report's, row for row."""
    text = REPORT.read_text()
    assert text.startswith("# Benchmarks: ")
    assert "- Command: `forge bench" in text
    charts = [line for line in text.splitlines() if line.startswith("![")]
    assert len(charts) >= 3
    for line in charts:
        path = REPORT.parent / line.split("](", 1)[1].rstrip(")")
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    headline = headline_table(text)
    assert len(headline) == 5  # the header, its rule and the three apps
    assert headline == headline_table((ROOT / "README.md").read_text())


def test_a_writer_refused_the_file_counts_it_failed(tmp_path: Path) -> None:
    """The SQLite part's writers: one that cannot even read the schema, the file
    locked past the busy timeout, counts a failure and goes on trying; none dies."""
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    holder.execute("BEGIN EXCLUSIVE")  # no other connection reads it now
    try:
        result = sqlite.writer(path, "delete", "full", seconds=0.5)
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert result["latencies"] == []
    assert len(result["failures"]) >= sqlite.WRITERS
    assert all("locked" in failure for failure in result["failures"])
