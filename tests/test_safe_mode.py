"""Safe mode, the default of ``forge conformance``, on a server holding real users: a
thousand users are there before the run and are byte for byte the same after it,
while every case safe mode can judge passes and each other one says why not."""

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from forge_conformance.cases import load_cases
from tests.live import Served, forge_serve

USERS = 1000
TIERS = ("Standard", "Pro", "Enterprise")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with forge_serve(
        tmp_path_factory.mktemp("safe"), ["flask"], "--no-playground"
    ) as served:
        yield served


def every_page(client: httpx.Client) -> list[bytes]:
    """Every user the server lists, as the bytes of each page of 100."""
    pages = []
    offset = 0
    while True:
        response = client.get("/forge/users", params={"limit": 100, "offset": offset})
        assert response.status_code == 200, response.text
        pages.append(response.content)
        offset += 100
        if offset >= response.json()["total"]:
            return pages


def test_a_thousand_users_are_left_byte_for_byte_unchanged(
    served: Served, tmp_path: Path
) -> None:
    url = served.urls["flask"]
    with httpx.Client(base_url=url, timeout=30) as client:
        for number in range(USERS):
            # Names the cases use too (Ada, Bob), so that a run without its prefix
            # would meet them.
            name = ("Ada", "Bob", "Cy", "Ann")[number % 4] + f" {number}"
            if number < 4:
                name = ("Ada", "Bob", "Cy", "Ann")[number]
            body = {"name": name, "tier": TIERS[number % 3]}
            assert client.post("/forge/users", json=body).status_code == 201
        before = every_page(client)
        report = tmp_path / "report.json"

        result = subprocess.run(
            [
                sys.executable, "-m", "forge", "conformance", f"--url=flask={url}",
                "--seed=23", f"--json={report}",
            ],
            capture_output=True, text=True, check=False, timeout=900,
        )  # fmt: skip

        after = every_page(client)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert after == before
    assert json.loads(before[-1])["total"] == USERS
    assert "seed 23 (--seed 23 repeats this run), safe mode" in result.stderr
    data = json.loads(report.read_text())
    assert data["mode"] == "safe"
    figures = data["implementations"]["flask"]
    cases = [case for case in load_cases() if case.applies(None)]
    assert figures["pass"] + figures["skipped"] == len(cases)
    assert 0 < figures["skipped"] < len(cases) / 10
    for case in data["cases"]:
        result_here = case["results"]["flask"]
        if result_here["grade"] == "skipped":
            assert result_here["note"], case["id"]  # each says why
