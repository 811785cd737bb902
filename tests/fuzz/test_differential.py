"""Differential fuzzing: generated requests to the three apps at once (issue 7).

Every request goes to every app, each on a fresh database in the same state; ``Trio``
fails the example unless the three answers are alike and each is right by the contract
(``judge.py``). Where the contract's model can say more (``model.py``), the test also
checks the answer against it.
"""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import strategies
from tests.fuzz.judge import Request
from tests.fuzz.model import body_errors, has_noncharacter, same_name, stored_name
from tests.fuzz.trio import Seen, Trio

JSON = (("Content-Type", "application/json"),)


def create(trio: Trio, name: str, tier: str = "Standard") -> Seen:
    """Create a user in every app; the example's set-up."""
    body = f'{{"name": "{name}", "tier": "{tier}"}}'.encode()
    seen = trio.send(Request("POST", "/forge/users", JSON, body))
    assert seen.status == 201
    return seen


def ada(trio: Trio) -> None:
    """One user, Ada."""
    create(trio, "Ada")


def ada_and_grace(trio: Trio) -> None:
    """Ada, then Grace of tier Pro."""
    create(trio, "Ada")
    create(trio, "Grace", "Pro")


def three_tiers(trio: Trio) -> None:
    """A user of each tier."""
    ada_and_grace(trio)
    create(trio, "Linus", "Enterprise")


def assert_matches_model(seen: Seen, body: Any, *, create: bool, taken: str) -> None:
    """The status and errors the rules give ``body``, or the stored user."""
    if has_noncharacter(body):
        assert seen.status == 400
        return
    errors = body_errors(body, create=create)
    if errors:
        assert seen.status == 422
        assert [(e["pointer"], e["code"]) for e in seen.json()["errors"]] == errors
        return
    name = body.get("name")
    if name is not None and same_name(stored_name(name), taken):
        assert seen.status == 409
        return
    assert seen.status == (201 if create else 200)
    user = seen.json()
    if name is not None:
        assert user["name"] == stored_name(name)
    assert user["tier"] == body.get("tier", "Standard" if create else "Pro")


@given(pair=strategies.JSON_BODIES, chunked=st.booleans())
def test_create_body_answers_as_rules_say(
    trio: Trio, pair: tuple[Any, bytes], chunked: bool
) -> None:
    """POST with any JSON body: 201, 409 or the 422 R10-R14 give it, alike in all."""
    trio.prepare(ada, ada)
    body, raw = pair
    seen = trio.send(Request("POST", "/forge/users", JSON, raw, chunked))
    assert_matches_model(seen, body, create=True, taken="Ada")


@given(pair=strategies.JSON_BODIES)
def test_update_body_answers_as_rules_say(trio: Trio, pair: tuple[Any, bytes]) -> None:
    """PATCH with any JSON body: 200, 409 or the 422 R22 gives it, alike in all."""
    trio.prepare(ada_and_grace, ada_and_grace)
    body, raw = pair
    seen = trio.send(Request("PATCH", "/forge/users/{id}", JSON, raw), user=2)
    assert_matches_model(seen, body, create=False, taken="Ada")


@given(
    method=st.sampled_from(["POST", "PATCH"]),
    body=strategies.ALMOST_JSON,
    chunked=st.booleans(),
)
def test_almost_json_bodies_answer_alike(
    trio: Trio, method: str, body: bytes, chunked: bool
) -> None:
    """Bytes that are almost JSON: one answer in all apps, never a 5xx (R8, R9)."""
    trio.prepare(ada, ada)
    target = "/forge/users" if method == "POST" else "/forge/users/{id}"
    trio.send(Request(method, target, JSON, body, chunked), user=1)


@given(
    method=st.sampled_from(["POST", "PATCH"]),
    content_type=strategies.content_types(),
    pair=strategies.JSON_BODIES,
)
def test_content_types_answer_alike(
    trio: Trio, method: str, content_type: str | None, pair: tuple[Any, bytes]
) -> None:
    """Any Content-Type: the examples of R7 as R7 says, all alike in all apps."""
    trio.prepare(ada, ada)
    headers = () if content_type is None else (("Content-Type", content_type),)
    target = "/forge/users" if method == "POST" else "/forge/users/{id}"
    seen = trio.send(Request(method, target, headers, pair[1]), user=1)
    if content_type in strategies.ACCEPTED_TYPES:
        assert seen.status != 415
    elif content_type is None or content_type in strategies.REFUSED_TYPES:
        assert seen.status == 415


@given(method=st.sampled_from(["GET", "HEAD"]), query=strategies.queries())
def test_list_queries_answer_alike(trio: Trio, method: str, query: str) -> None:
    """Any query string on the list: one answer in all apps (R19, R20)."""
    trio.prepare(three_tiers, three_tiers)
    trio.send(Request(method, f"/forge/users?{query}"))


@given(request=strategies.requests())
def test_any_request_answers_alike(trio: Trio, request: Request) -> None:
    """Any method, path, query, Content-Type and body: one answer in all apps."""
    trio.prepare(ada, ada)
    trio.send(request, user=1)
