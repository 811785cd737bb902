"""``forge reliability``: its figures, its report, its refusals, and one real run.

The real runs measure one app (Flask, under gunicorn's sync workers, the one slow
clients used to stop) with small counts: on SQLite, and on PostgreSQL when
``FORGE_TEST_POSTGRES_URL`` is set. ``tests/test_proxy.py``, ``test_instances.py`` and
``test_database_timeouts.py`` hold every app to the same promises one by one.
"""

import math
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from forge import proxy, reliability
from forge.abuse import ABUSES
from tests.databases import POSTGRES_URL

NO_HAPROXY = pytest.mark.skipif(
    proxy.find_haproxy() is None,
    reason=f"forge reliability needs HAProxy, which is not installed: {proxy.INSTALL}",
)


def answer(status: int, content_type: str, body: bytes) -> httpx.Response:
    request = httpx.Request("GET", "http://127.0.0.1/forge/users")
    headers = {"Content-Type": content_type}
    return httpx.Response(status, headers=headers, content=body, request=request)


PROBLEM = b'{"type":"about:blank","title":"T","status":503,"detail":"D"}'


def test_the_tally_counts_5xx_and_errors_that_are_not_problems() -> None:
    """R5: an error is a problem; a 5xx is one only where it is excused."""
    tally = reliability.Tally()
    tally.count(answer(200, "application/json", b"{}"))
    tally.count(answer(503, "application/problem+json", PROBLEM), excused=True)
    tally.count(answer(503, "application/problem+json", PROBLEM))
    tally.count(answer(500, "text/html", b"<h1>Server Error</h1>"))
    tally.count(answer(400, "application/problem+json", b'{"detail": "no type"}'))
    tally.count(answer(404, "application/problem+json", b'["type", "title"]'))

    assert (tally.answers, tally.server_errors, tally.not_problems) == (6, 2, 3)


def test_p99_is_the_nearest_rank() -> None:
    assert reliability.percentile_99([0.5, *[0.1] * 19]) == 0.5
    assert reliability.percentile_99([float(n) for n in range(1, 201)]) == 198.0
    assert math.isnan(reliability.percentile_99([]))


def test_the_report_replaces_only_its_section(tmp_path: Path) -> None:
    """The tables go between the markers; the text around them stays."""
    report = tmp_path / "reliability.md"
    report.write_text(
        f"# Before\n\n{reliability.BEGIN}\nold\n{reliability.END}\n\nAfter\n"
    )
    figures = reliability.Figures("flask", "sqlite", kills=1, kills_survived=1)
    figures.abuses.append(reliability.AbuseFigures("silent", 3, 5, 5, 0.01, 5.0))

    reliability.write_report(report, "forge reliability flask", [figures], "0.5")

    text = report.read_text()
    assert text.startswith(f"# Before\n\n{reliability.BEGIN}\nMeasured on ")
    assert text.endswith(f"{reliability.END}\n\nAfter\n")
    assert "old" not in text
    assert "| sqlite | flask | 1 of 1 |" in text
    assert "| sqlite | flask | silent | 3 | 5.00 | 5 of 5 | 0.010 |" in text
    unmarked = tmp_path / "unmarked.md"
    unmarked.write_text("# No markers\n")
    with pytest.raises(ValueError, match="has no <!-- forge reliability: begin -->"):
        reliability.write_report(unmarked, "forge reliability", [figures], "0.5")


def forge_reliability(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "forge", "reliability", *arguments],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["--kills", "6"], "--kills must be 1 to 5"),
        (["--connections", "0"], "--connections and --requests must be at least 1"),
        (["nope"], "'nope' is not one of fastapi, flask, django"),
        (["--postgres-url", "sqlite:///x"], "want postgresql://USER@HOST/NAME"),
        (
            ["--postgres-url", "postgresql://nobody@127.0.0.1:1/x"],
            "no PostgreSQL answers there",
        ),
    ],
)
def test_bad_settings_are_refused_in_one_line(arguments: list[str], says: str) -> None:
    """Before anything starts, exit 2 and one line saying what is wrong."""
    finished = forge_reliability(*arguments)

    assert finished.returncode == 2
    assert says in finished.stderr
    assert "Traceback" not in finished.stderr


@NO_HAPROXY
def test_a_real_run_holds_every_promise(tmp_path: Path) -> None:
    """A small run of Flask, on SQLite and on PostgreSQL if there is one: exit 0,
    and the report's rows say no write was lost, every kill was survived and the
    normal client got every answer under every abuse."""
    databases = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]
    report = tmp_path / "report.md"
    report.write_text(f"{reliability.BEGIN}\n{reliability.END}\n")
    finished = forge_reliability(
        "flask", "--kills=2", "--connections=40", "--requests=5",
        f"--markdown={report}",
        *([f"--postgres-url={POSTGRES_URL}"] if POSTGRES_URL else []),
    )  # fmt: skip

    assert finished.returncode == 0, finished.stdout + finished.stderr
    lines = report.read_text().splitlines()
    for database in databases:
        outcome, *abuses = [
            [cell.strip() for cell in line.strip("|").split("|")]
            for line in lines
            if line.startswith(f"| {database} | flask |")
        ]
        kills, acknowledged, lost = outcome[2], int(outcome[3]), int(outcome[4])
        assert (kills, lost) == ("2 of 2", 0), outcome
        assert acknowledged > 0
        assert [row[2] for row in abuses] == list(ABUSES)
        assert {row[5] for row in abuses} == {"5 of 5"}, abuses
