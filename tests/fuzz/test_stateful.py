"""Stateful fuzzing: random sequences of operations on the three apps at once.

A Hypothesis state machine creates, renames, patches, deletes, reads and lists users,
in random order, in all three apps together (``Trio``), and keeps a model of what the
contract says the users now are: every answer must agree with the model as well as
across the apps (R12-R23).
"""

import json
from dataclasses import dataclass
from typing import Any, ClassVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

from tests.fuzz import strategies
from tests.fuzz.judge import Request
from tests.fuzz.model import (
    TIERS,
    body_errors,
    has_noncharacter,
    same_name,
    stored_name,
)
from tests.fuzz.trio import Seen, Trio

JSON = (("Content-Type", "application/json"),)
# Names that clash under str.casefold() (R18), beside the random ones.
CLASHING = ["Ada", "ada", " ADA ", "Straße", "STRASSE", "strasse", "Grace", "\u212aay"]
NAMES = st.one_of(st.sampled_from(CLASHING), strategies.NAMES)
# Users by creation order: some live, some deleted, some never created.
USERS = st.integers(1, 6)


@dataclass
class User:
    """The model of one live user."""

    name: str
    tier: str


class ForgeMachine(RuleBasedStateMachine):
    """The users the apps hold, as the contract says they must be."""

    trio: ClassVar[Trio]  # set by the test, which owns the apps

    def __init__(self) -> None:
        super().__init__()
        self.trio.reset()
        self.created = 0
        self.users: dict[int, User] = {}

    @rule(name=NAMES, tier=st.none() | st.sampled_from(TIERS) | strategies.TIER_VALUES)
    def create(self, name: str, tier: Any) -> None:
        """POST a user (R15)."""
        body = {"name": name} if tier is None else {"name": name, "tier": tier}
        seen = self.send("POST", "/forge/users", body)
        if self.expect(seen, body, user=None):
            self.created += 1
            self.users[self.created] = User(stored_name(name), tier or "Standard")
            assert seen.status == 201
            self.assert_user(seen, self.created)

    @rule(user=USERS, name=NAMES)
    def rename(self, user: int, name: str) -> None:
        """PATCH a user's name (R22)."""
        self.patch(user, {"name": name})

    @rule(user=USERS, body=strategies.BODIES)
    def patch_anything(self, user: int, body: Any) -> None:
        """PATCH a user with any body (R22)."""
        self.patch(user, body)

    @rule(user=USERS)
    def delete(self, user: int) -> None:
        """DELETE a user (R23)."""
        seen = self.trio.send(Request("DELETE", "/forge/users/{id}"), user=user)
        assert seen.status == (204 if self.users.pop(user, None) else 404)

    @rule(user=USERS, method=st.sampled_from(["GET", "HEAD"]))
    def read(self, user: int, method: str) -> None:
        """GET or HEAD a user (R21)."""
        seen = self.trio.send(Request(method, "/forge/users/{id}"), user=user)
        assert seen.status == (200 if user in self.users else 404)
        if method == "GET" and user in self.users:
            self.assert_user(seen, user)

    @rule(
        limit=st.integers(1, 4),
        offset=st.integers(0, 5),
        tier=st.none() | st.sampled_from(TIERS),
    )
    def list(self, limit: int, offset: int, tier: str | None) -> None:
        """GET a page of users (R19)."""
        query = f"limit={limit}&offset={offset}" + (f"&tier={tier}" if tier else "")
        seen = self.trio.send(Request("GET", f"/forge/users?{query}"))
        matching = [n for n, u in sorted(self.users.items()) if tier in (None, u.tier)]
        assert seen.status == 200
        page = seen.body
        assert (page["total"], page["limit"], page["offset"]) == (
            len(matching),
            limit,
            offset,
        )
        assert [item["id"] for item in page["items"]] == [
            f"<user {n}>" for n in matching[offset : offset + limit]
        ]
        for item, number in zip(page["items"], matching[offset:], strict=False):
            user = self.users[number]
            assert (item["name"], item["tier"]) == (user.name, user.tier)

    def patch(self, user: int, body: Any) -> None:
        """PATCH ``body`` and check the answer and the new state against the model."""
        seen = self.send("PATCH", "/forge/users/{id}", body, user)
        if self.expect(seen, body, user=user):
            assert seen.status == 200
            if "name" in body:
                self.users[user].name = stored_name(body["name"])
            self.users[user].tier = body.get("tier", self.users[user].tier)
            self.assert_user(seen, user)

    def send(self, method: str, target: str, body: Any, user: int = 0) -> Seen:
        """Send a JSON body to all three apps."""
        raw = json.dumps(body, ensure_ascii=False).encode()
        return self.trio.send(Request(method, target, JSON, raw), user=user)

    def expect(self, seen: Seen, body: Any, user: int | None) -> bool:
        """Check a refusal the model predicts; True when the model predicts success."""
        if has_noncharacter(body):
            assert seen.status == 400
            return False
        errors = body_errors(body, create=user is None)
        if errors:
            assert seen.status == 422
            assert [(e["pointer"], e["code"]) for e in seen.json()["errors"]] == errors
            return False
        if user is not None and user not in self.users:
            assert seen.status == 404
            return False
        if "name" in body and any(
            same_name(stored_name(body["name"]), other.name)
            for number, other in self.users.items()
            if number != user
        ):
            assert seen.status == 409
            return False
        return True

    def assert_user(self, seen: Seen, user: int) -> None:
        """The body is the model's user ``user``."""
        model = self.users[user]
        assert seen.body == {
            "id": f"<user {user}>",
            "name": model.name,
            "tier": model.tier,
            "created_at": "<timestamp>",
        }


def test_random_operation_sequences_keep_the_model(trio: Trio) -> None:
    """Any sequence of operations: the three apps agree, and agree with the model."""

    class OnTheseApps(ForgeMachine):
        pass

    OnTheseApps.trio = trio
    examples = max(20, settings().max_examples // 5)
    run_state_machine_as_test(OnTheseApps, settings=settings(max_examples=examples))
