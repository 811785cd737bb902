"""Readable flows through the users API, each citing the rules it walks through."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from time_machine import Traveller as Clock

from tests.contract import ALLOW, JSON, assert_problem


def create(client: httpx.Client, name: str, **fields: Any) -> dict[str, Any]:
    """Create a user that must be accepted, and return it."""
    response = client.post("/forge/users", json={"name": name, **fields}, headers=JSON)
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    return user


def test_user_lifecycle_create_get_list_patch_delete(client: httpx.Client) -> None:
    """R15, R21, R19, R22, R23: one user from creation to deletion."""
    created = client.post("/forge/users", json={"name": "  Ada  "}, headers=JSON)
    assert created.status_code == 201
    assert created.headers["Location"] == f"/forge/users/{created.json()['id']}"
    ada = created.json()
    assert ada["name"] == "Ada"
    assert ada["tier"] == "Standard"

    fetched = client.get(f"/forge/users/{ada['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == ada

    listed = client.get("/forge/users")
    assert listed.status_code == 200
    assert listed.json() == {"items": [ada], "total": 1, "limit": 20, "offset": 0}

    patched = client.patch(
        f"/forge/users/{ada['id']}", json={"tier": "Pro"}, headers=JSON
    )
    assert patched.status_code == 200
    assert patched.json() == {**ada, "tier": "Pro"}

    deleted = client.delete(f"/forge/users/{ada['id']}")
    assert deleted.status_code == 204
    assert "Content-Type" not in deleted.headers
    assert deleted.content == b""

    assert_problem(client.get(f"/forge/users/{ada['id']}"), "user-not-found")


def test_list_pages_in_id_order(client: httpx.Client) -> None:
    """R19: limit and offset cut pages from the users ordered by id."""
    users = [create(client, name) for name in ("Cy", "Ann", "Bo", "Di", "Ed")]
    assert [user["id"] for user in users] == sorted(user["id"] for user in users)

    first = client.get("/forge/users", params={"limit": "2"}).json()
    second = client.get("/forge/users", params={"limit": "2", "offset": "2"}).json()
    last = client.get("/forge/users", params={"limit": "2", "offset": "4"}).json()
    past = client.get("/forge/users", params={"offset": "5"}).json()

    assert first == {"items": users[:2], "total": 5, "limit": 2, "offset": 0}
    assert second == {"items": users[2:4], "total": 5, "limit": 2, "offset": 2}
    assert last == {"items": users[4:], "total": 5, "limit": 2, "offset": 4}
    assert past == {"items": [], "total": 5, "limit": 20, "offset": 5}


def test_list_tier_filter_counts_only_that_tier(client: httpx.Client) -> None:
    """R19: with tier=T, total counts the users of tier T only."""
    create(client, "Ann", tier="Pro")
    create(client, "Bo")
    cy = create(client, "Cy", tier="Pro")

    page = client.get(
        "/forge/users", params={"tier": "Pro", "limit": "1", "offset": "1"}
    )

    assert page.status_code == 200
    assert page.json() == {"items": [cy], "total": 2, "limit": 1, "offset": 1}


def test_ids_increase_and_are_never_reused(client: httpx.Client) -> None:
    """R17: deleting the newest user does not free its id."""
    first = create(client, "Ann")
    second = create(client, "Bo")
    assert client.delete(f"/forge/users/{second['id']}").status_code == 204

    third = create(client, "Cy")

    assert first["id"] < second["id"] < third["id"]


def test_create_name_conflict_ignores_case_and_whitespace(client: httpx.Client) -> None:
    """R18: names equal under casefold after stripping are one name."""
    create(client, "Straße")

    for name in ("straße", "STRASSE", "  strasse\t"):
        response = client.post("/forge/users", json={"name": name}, headers=JSON)
        assert_problem(response, "conflict")
    assert client.get("/forge/users").json()["total"] == 1


def test_update_rename_to_own_spelling_is_allowed(client: httpx.Client) -> None:
    """R18: uniqueness compares a user with the others, not with itself."""
    ada = create(client, "ada")

    response = client.patch(
        f"/forge/users/{ada['id']}", json={"name": "Ada"}, headers=JSON
    )

    assert response.status_code == 200
    assert response.json() == {**ada, "name": "Ada"}


def test_update_rejected_changes_nothing(client: httpx.Client) -> None:
    """R22: neither a 409 nor a 422 PATCH changes the user."""
    create(client, "Bo")
    ada = create(client, "Ada", tier="Pro")
    path = f"/forge/users/{ada['id']}"

    conflict = client.patch(
        path, json={"name": "BO", "tier": "Enterprise"}, headers=JSON
    )
    invalid = client.patch(path, json={"name": "Eve", "tier": "Gold"}, headers=JSON)

    assert conflict.status_code == 409
    assert invalid.status_code == 422
    assert client.get(path).json() == ada


def test_update_keeps_id_and_created_at(client: httpx.Client) -> None:
    """R16, R22: a rename changes the name only."""
    ada = create(client, "Ada")

    renamed = client.patch(
        f"/forge/users/{ada['id']}", json={"name": "Eve"}, headers=JSON
    )

    assert renamed.json() == {**ada, "name": "Eve"}


def test_created_at_keeps_microseconds(client: httpx.Client) -> None:
    """R16: stored with microsecond precision, and read back the same.

    The format alone cannot tell: a clock kept to milliseconds still writes six
    digits, ending in 000. Of 20 users made in a row, some must not.
    """
    users = [create(client, f"User {number}") for number in range(20)]

    fractions = [int(user["created_at"][20:26]) for user in users]
    assert any(fraction % 1000 for fraction in fractions), fractions
    for user in users:
        assert client.get(f"/forge/users/{user['id']}").json() == user


@pytest.mark.parametrize(
    "instant",
    [
        datetime(2026, 11, 24, 10, 15, 30, 123456, tzinfo=UTC),
        datetime(2026, 11, 24, 10, 15, 30, 1, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    ],
    ids=lambda instant: instant.strftime("%Y-%m-%dT%H:%M:%S.%f"),
)
def test_created_at_is_the_clock_to_the_microsecond(
    client: httpx.Client, clock: Clock, instant: datetime
) -> None:
    """R1, R16: on a stopped clock, created_at is that instant, to the microsecond, in
    every response about the user."""
    clock.move_to(instant)

    ada = create(client, "Ada")

    written = instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert ada["created_at"] == written
    assert client.get(f"/forge/users/{ada['id']}").json()["created_at"] == written
    assert client.get("/forge/users").json()["items"][0]["created_at"] == written


def test_delete_frees_the_name(client: httpx.Client) -> None:
    """R23: a deleted user's name can be taken again, under a new id."""
    ada = create(client, "Ada")
    assert client.delete(f"/forge/users/{ada['id']}").status_code == 204

    again = create(client, "ADA")

    assert again["id"] > ada["id"]


def test_create_racing_for_one_name_only_one_wins(client: httpx.Client) -> None:
    """R18: concurrent creates of one name give one 201 and 409s, never a 500."""
    names = ["Racer", "racer", "RACER", " Racer ", "rAcEr", "Racer\t"]

    def attempt(name: str) -> int:
        response = client.post("/forge/users", json={"name": name}, headers=JSON)
        return response.status_code

    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        statuses = sorted(pool.map(attempt, names))

    assert statuses == [201] + [409] * (len(names) - 1)
    assert client.get("/forge/users").json()["total"] == 1


def test_delete_racing_for_one_user_only_one_wins(client: httpx.Client) -> None:
    """R23: concurrent deletes of one user give one 204 and user 404s, never a 500."""
    for _ in range(5):
        ada = create(client, "Ada")

        def attempt(_: int, user_id: int = ada["id"]) -> httpx.Response:
            return client.delete(f"/forge/users/{user_id}")

        with ThreadPoolExecutor(max_workers=4) as pool:
            responses = list(pool.map(attempt, range(4)))

        assert sorted(r.status_code for r in responses) == [204, 404, 404, 404]
        for response in responses:
            if response.status_code == 404:
                assert_problem(response, "user-not-found")


def test_update_racing_a_delete_never_brings_the_user_back(
    client: httpx.Client,
) -> None:
    """R22, R23: a PATCH racing a DELETE is 200 or the user 404; the user stays gone."""
    for round_ in range(5):
        ada = create(client, f"Ada {round_}")
        path = f"/forge/users/{ada['id']}"

        def attempt(method: str, path: str = path) -> httpx.Response:
            if method == "DELETE":
                return client.delete(path)
            return client.patch(path, json={"tier": "Pro"}, headers=JSON)

        with ThreadPoolExecutor(max_workers=4) as pool:
            responses = list(pool.map(attempt, ["PATCH", "DELETE", "PATCH", "PATCH"]))

        assert responses[1].status_code == 204
        for response in responses[::2] + responses[3:]:
            assert response.status_code in (200, 404), response.text
            if response.status_code == 404:
                assert_problem(response, "user-not-found")
        assert_problem(client.get(path), "user-not-found")
    assert client.get("/forge/users").json()["total"] == 0


def test_head_answers_like_get_without_body(client: httpx.Client) -> None:
    """R4: HEAD has GET's status and contract headers, and no body."""
    ada = create(client, "Ada")
    for path in (
        "/forge/users",
        f"/forge/users/{ada['id']}",
        "/healthz",
        "/forge/users/9",
    ):
        get = client.get(path)
        head = client.head(path)
        assert head.status_code == get.status_code, path
        assert head.headers["Content-Type"] == get.headers["Content-Type"], path
        assert head.content == b"", path


def test_options_and_405_name_the_allowed_methods(client: httpx.Client) -> None:
    """R4: OPTIONS is 204 and other methods 405, both with the path's Allow."""
    ada = create(client, "Ada")
    paths = {
        "/forge/users": "/forge/users",
        f"/forge/users/{ada['id']}": "/forge/users/{id}",
        "/healthz": "/healthz",
    }
    for path, template in paths.items():
        options = client.options(path)
        put = client.put(path, json={"name": "Eve"}, headers=JSON)
        assert options.status_code == 204, path
        assert options.headers["Allow"] == ALLOW[template]
        assert options.content == b""
        assert_problem(put, "method-not-allowed")
        assert put.headers["Allow"] == ALLOW[template]
