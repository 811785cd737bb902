"""A request refused before its handler does no database work (issue 16).

R6 orders the checks: Content-Type (415), size (413), malformed JSON (400), then
validation of the body or the query (422) all come before any user is looked up, so
none of them needs the database. Each implementation runs in-process on PostgreSQL
through ``forge.bench.delay``'s proxy, which counts the connections opened and the
round trips made; after a request that does use the database (so that a pool holds
its connections, as a running server's does), every refusal below must leave both
counts at zero: no connection opened, checked for liveness or begun a transaction on.
"""

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import make_url

from forge.bench.delay import DelayProxy
from forge.servers import render
from tests.contract import JSON, PROBLEMS
from tests.contract import problem as expected
from tests.inprocess import IMPLEMENTATIONS, own_postgres_database

BIG = 16385
"""R8: one byte over the largest body served."""

REFUSALS = {
    # case: (method, path, headers, body, the problem of R5 it answers)
    "415 wrong Content-Type": (
        "POST", "/forge/users", {"Content-Type": "text/plain"}, b'{"name": "Ada"}',
        "unsupported-media-type",
    ),
    "413 body too large": (
        "POST", "/forge/users", JSON, b'{"name": "' + b"a" * BIG + b'"}',
        "content-too-large",
    ),
    "400 malformed JSON": (
        "POST", "/forge/users", JSON, b'{"name": ', "malformed-json",
    ),
    "422 invalid body": (
        "POST", "/forge/users", JSON, b'{"name": ""}', "validation-error",
    ),
    "422 invalid PATCH body": (
        "PATCH", "/forge/users/1", JSON, b'{"tier": "Gold"}', "validation-error",
    ),
    "422 invalid query": (
        "GET", "/forge/users?limit=0", {}, b"", "validation-error",
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def refusal_database(implementation: str) -> Iterator[str]:
    """The implementation's own PostgreSQL database for these tests, migrated
    directly (not through the proxy); dropped after them."""
    with own_postgres_database(
        implementation, "refusals", "its database is not seen"
    ) as url:
        yield url


@pytest.fixture(scope="module")
def counted(
    implementation: str, refusal_database: str
) -> Iterator[tuple[httpx.Client, DelayProxy]]:
    """An in-process client of the implementation, its database behind the proxy."""
    url = make_url(refusal_database)
    with DelayProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        through = render(url.set(host="127.0.0.1", port=proxy.port))
        with IMPLEMENTATIONS[implementation].client(through) as client:
            yield client, proxy


@pytest.mark.parametrize("refusal", REFUSALS)
def test_a_refused_request_makes_no_round_trip_to_the_database(
    counted: tuple[httpx.Client, DelayProxy], refusal: str
) -> None:
    client, proxy = counted
    method, path, headers, body, problem = REFUSALS[refusal]
    created = client.post("/forge/users", json={"name": f"warm {refusal}"})
    assert created.status_code == 201  # the database was used just before
    assert proxy.counts.round_trips > 0
    proxy.reset(0)

    response = client.request(method, path, headers=headers, content=body)

    # R5: the problem's own members (a 422 adds the errors of R11 to them).
    assert response.status_code == PROBLEMS[problem]["status"], response.text
    assert response.json().items() >= expected(problem).items()
    assert (proxy.counts.connections, proxy.counts.round_trips) == (0, 0)
