"""Anti-cheat: what differs per run (``forge_conformance/variation.py``), and every
create read back, so that an implementation cannot pass by knowing the inputs."""

import json
from collections.abc import Callable

import httpx
import pytest

from forge_conformance.cases import Case, load_cases, run_case
from forge_conformance.variation import Variation

CASES = {case.id: case for case in load_cases()}


def test_a_seed_repeats_its_run_and_another_seed_differs() -> None:
    runs = [Variation.from_seed(seed) for seed in (1, 1, 2, 3, 4)]

    assert runs[0] == runs[1]
    assert len({run.prefix for run in runs[1:]}) == 4
    assert len({run.absent_id for run in runs[1:]}) == 4
    assert {bool(run.tiers) for run in map(Variation.from_seed, range(20))} == {
        True,
        False,
    }


def traded() -> Variation:
    """A run whose seed trades Pro and Enterprise."""
    return next(run for run in map(Variation.from_seed, range(100)) if run.tiers)


def test_names_get_the_prefix_after_leading_whitespace() -> None:
    run = Variation.from_seed(7)

    assert run.name("Ada") == run.prefix + "Ada"
    assert run.name(" \tAda ") == " \t" + run.prefix + "Ada "
    assert run.name("   ") == "   "  # blank either way (R12)
    too_long = "x" * (64 - len(run.prefix) + 1)
    assert run.name(too_long) == too_long  # the prefix would make it too long


def test_a_case_and_its_answer_vary_alike() -> None:
    """The tier filter's case: setup names and tiers, the query and the answer."""
    run = traded()
    case = CASES["list-tier-filter"]

    varied = run.vary(case)

    sent = [step["request"]["json"] for step in varied.setup]
    assert [body["name"] for body in sent] == [
        run.prefix + step["request"]["json"]["name"] for step in case.setup
    ]
    assert [body.get("tier") for body in sent] == [
        None,
        "Enterprise",
        "Enterprise",
        "Pro",
    ]
    assert varied.request["path"] == "/forge/users?tier=Enterprise"
    items = varied.response["json"]["items"]
    assert {item["tier"] for item in items} == {"Enterprise"}
    assert all(item["name"].startswith(run.prefix) for item in items)


def test_literal_ids_vary_but_the_boundaries_stay() -> None:
    run = Variation.from_seed(7)
    absent = CASES["method-allow-absent-on-user-404"]

    assert run.vary(absent).request["path"] == f"/forge/users/{run.absent_id}"
    for path in (
        "/forge/users/9223372036854775807",
        "/forge/users/01",
        "/forge/users/0",
    ):
        case = Case(
            "x",
            ("R3",),
            "t",
            {"method": "GET", "path": path},
            {"status": 404, "empty": True},
        )
        assert run.vary(case).request["path"] == path


def test_a_raw_body_keeps_its_names() -> None:
    """A create sent as raw text keeps its name, and so does its answer."""
    run = Variation.from_seed(7)
    case = CASES["body-whitespace-around-value"]

    varied = run.vary(case)

    assert varied.request == case.request
    assert varied.response == case.response


def recording(
    answer: Callable[[httpx.Request], httpx.Response],
) -> tuple[httpx.Client, list[bytes]]:
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        return answer(request)

    client = httpx.Client(
        base_url="http://127.0.0.1:9", transport=httpx.MockTransport(handler)
    )
    return client, bodies


def test_two_runs_send_different_names() -> None:
    """A server keyed on the case's literal inputs meets other inputs each run."""
    case = CASES["create-user-defaults-tier"]
    sent = []
    for seed in (1, 2):
        client, bodies = recording(lambda request: httpx.Response(500))
        run_case(client, Variation.from_seed(seed).vary(case))
        sent.append(bodies[0])

    assert sent[0] != sent[1]


def test_a_create_not_kept_fails_its_read_back() -> None:
    """A server that answers a create as the contract says but keeps nothing: the
    create's own case would pass; read back, it fails."""
    case = Variation.from_seed(7).vary(CASES["create-user-defaults-tier"])

    def forgetful(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            user = {
                "id": 1,
                "name": json.loads(request.content)["name"],
                "tier": "Standard",
                "created_at": "2026-01-01T00:00:00.000000Z",
            }
            return httpx.Response(
                201,
                json=user,
                headers={"Location": "/forge/users/1"},
            )
        return httpx.Response(404, json={})

    client, _ = recording(forgetful)
    without = run_case(client, case)
    client, _ = recording(forgetful)
    read_back = run_case(client, case, read_back=True)

    assert without.passed, without.differences
    assert read_back.differences == [
        "read back: GET /forge/users/1 answered 404, not the user just created"
    ]


@pytest.mark.parametrize("seed", [1, 2])
def test_every_case_varies_to_a_valid_case(seed: int) -> None:
    """No case's variation sends a name the rules would judge otherwise: each name
    varied is the original with a prefix, within 64 characters once stripped."""
    run = Variation.from_seed(seed)
    for case in CASES.values():
        varied = run.vary(case)
        specs = [step["request"] for step in case.setup] + [case.request]
        sent = [step["request"] for step in varied.setup] + [varied.request]
        for before, after in zip(specs, sent, strict=True):
            if isinstance(before.get("json"), dict) and isinstance(
                before["json"].get("name"), str
            ):
                name = after["json"]["name"]
                assert len(name.strip()) <= max(64, len(before["json"]["name"].strip()))
                assert name.replace(run.prefix, "", 1) == before["json"]["name"]
