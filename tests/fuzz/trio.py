"""The three apps side by side: one request to all of them, one verdict.

``Trio.send`` sends a request to every app, each on its own database in the same
state, and fails unless all answers are alike (status, Content-Type, Allow, Location
and JSON body, server-chosen values compared by type, format and order) and each one
is right by the contract alone (``judge.py``). ``FIGURES`` counts what it saw, for
the summary printed at the end of the run.
"""

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.databases import empty_users
from tests.fuzz.judge import Request, is_timestamp, judge, parsed

# An id no app ever hands out in a fuzz run: a canonical id of a user that is absent.
ABSENT_ID = 10**15
USER_PATH = re.compile(r"/forge/users/([0-9]+)")
SAFE = ("GET", "HEAD", "OPTIONS")


@dataclass
class Figures:
    """What one app went through in this run."""

    requests: int = 0
    differences: int = 0
    server_errors: int = 0
    violations: int = 0


FIGURES: dict[tuple[str, str], Figures] = {}
"""Per fuzzer and app, every fuzz request of this run: read by the terminal summary."""


def figures(app: str, fuzzer: str = "differential") -> Figures:
    """The running figures of ``app`` under ``fuzzer``."""
    return FIGURES.setdefault((fuzzer, app), Figures())


@dataclass(frozen=True)
class Seen:
    """What every app answered, once they agreed: the first app's response."""

    response: httpx.Response
    shape: tuple[Any, ...]

    @property
    def status(self) -> int:
        return self.response.status_code

    def json(self) -> Any:
        return self.response.json()

    @property
    def body(self) -> Any:
        """The JSON body as compared: ids as ``<user n>``, timestamps checked."""
        return self.shape[4]


@dataclass
class App:
    """One app under fuzz: its client, its database, and the users it created."""

    name: str
    client: httpx.Client
    database_url: str
    # The app's ids in creation order: the n-th id created is user n (R17).
    ids: list[int] = field(default_factory=list)
    created_at: dict[int, str] = field(default_factory=dict)

    def reset(self) -> None:
        """Back to an empty, never used database: no rows, ids from 1 again."""
        empty_users(self.database_url)
        self.ids.clear()
        self.created_at.clear()

    def id_of(self, user: int) -> int:
        """The app's id of user ``user`` (a creation ordinal), or an absent one."""
        return self.ids[user - 1] if 0 < user <= len(self.ids) else ABSENT_ID + user


class Trio:
    """The apps under fuzz, sent every request together."""

    def __init__(self, apps: Mapping[str, tuple[httpx.Client, str]]):
        self.apps = [App(name, client, url) for name, (client, url) in apps.items()]
        self.state: object = None

    def reset(self) -> None:
        """Every app back to an empty database, in the same state."""
        for app in self.apps:
            app.reset()
        self.state = None

    def prepare(self, state: object, setup: Callable[["Trio"], object]) -> None:
        """Bring every app to ``state``, made by ``setup`` on empty databases.

        Most fuzz requests are refused and change nothing: the apps stay in the state
        the last example left them in, and only a request that may have changed it
        (any success of a method that is not GET, HEAD or OPTIONS) makes this start
        again from empty databases.
        """
        if self.state != state:
            self.reset()
            setup(self)
            self.state = state

    def send(self, request: Request, user: int = 0) -> Seen:
        """Send ``request`` to every app, ``{id}`` in its path being user ``user``."""
        responses = {}
        problems: list[str] = []
        for app in self.apps:
            sent = Request(
                request.method,
                request.target.replace("{id}", str(app.id_of(user))),
                request.headers,
                request.body,
                request.chunked,
            )
            response = self.request(app, sent)
            responses[app.name] = response
            found = judge(sent, response) + self.bookkeeping(app, response)
            if request.method == "HEAD":
                found += self.head_like_get(app, sent, response)
            tally = figures(app.name)
            tally.server_errors += response.status_code >= 500
            tally.violations += bool(found)
            problems += [f"{app.name}: {problem}" for problem in found]
        if request.method not in SAFE and any(r.is_success for r in responses.values()):
            self.state = None
        shapes = {
            name: self.shape(name, response) for name, response in responses.items()
        }
        odd = odd_ones(shapes)
        for name in odd:
            figures(name).differences += 1
        if odd:
            problems += [f"{name} answered {shape}" for name, shape in shapes.items()]
        first = next(iter(responses))
        if problems:
            raise AssertionError(
                f"{request.describe()} (user {user})\n  " + "\n  ".join(problems)
            )
        return Seen(responses[first], shapes[first])

    def request(self, app: App, request: Request) -> httpx.Response:
        """Send one request to one app exactly as written."""
        figures(app.name).requests += 1
        content: bytes | Iterator[bytes] | None = request.body
        if request.body is not None and request.chunked:
            body = request.body
            content = iter([body[i : i + 1000] for i in range(0, len(body), 1000)])
        built = app.client.build_request(
            request.method,
            request.target,
            headers=list(request.headers),
            content=content,
        )
        return app.client.send(built)

    def bookkeeping(self, app: App, response: httpx.Response) -> list[str]:
        """Learn a new user's id and check R16 and R17 on the way."""
        body = parsed(response)
        found = []
        if response.status_code == 201 and isinstance(body, dict):
            new = body.get("id")
            if isinstance(new, int) and new not in app.ids:
                if app.ids and new <= max(app.ids):
                    found.append(f"R17: id {new} after ids {app.ids}")
                app.ids.append(new)
        for user in users_in(body):
            if user.get("id") in app.ids and isinstance(user.get("created_at"), str):
                first = app.created_at.setdefault(user["id"], user["created_at"])
                if first != user["created_at"]:
                    found.append(f"R16: created_at {first} became {user['created_at']}")
        return found

    def head_like_get(
        self, app: App, request: Request, response: httpx.Response
    ) -> list[str]:
        """R4: HEAD answers the status and headers the same GET gets."""
        get = self.request(app, Request("GET", request.target, request.headers))
        found = []
        if get.status_code != response.status_code:
            found.append(f"HEAD {response.status_code}, GET {get.status_code}")
        for name in ("Content-Type", "Allow", "Location"):
            if get.headers.get(name) != response.headers.get(name):
                found.append(f"HEAD and GET differ in {name}")
        return found

    def shape(self, name: str, response: httpx.Response) -> tuple[Any, ...]:
        """What must be equal across apps, with server-chosen values made comparable."""
        app = next(app for app in self.apps if app.name == name)
        location = response.headers.get("Location")
        if location is not None:
            location = USER_PATH.sub(
                lambda found: self.user_ref(app, found[1]), location
            )
        body: Any = response.content
        if response.content:
            value = parsed(response)
            body = response.content if value is None else comparable(app, value)
        return (
            response.status_code,
            response.headers.get("Content-Type"),
            response.headers.get("Allow"),
            location,
            body,
        )

    @staticmethod
    def user_ref(app: App, text: str) -> str:
        """An id as the user it is, by creation order."""
        number = int(text)
        return (
            f"/forge/users/<user {app.ids.index(number) + 1}>"
            if number in app.ids
            else f"/forge/users/{text}"
        )


def comparable(app: App, value: Any) -> Any:
    """A JSON body with ids as creation ordinals and timestamps as their format."""
    if isinstance(value, list):
        return [comparable(app, item) for item in value]
    if not isinstance(value, dict):
        return value
    result = {key: comparable(app, item) for key, item in value.items()}
    if set(value) == {"id", "name", "tier", "created_at"}:
        number = value["id"]
        if type(number) is int and number in app.ids:
            result["id"] = f"<user {app.ids.index(number) + 1}>"
        if is_timestamp(value["created_at"]):
            result["created_at"] = "<timestamp>"
    return result


def users_in(body: Any) -> list[dict[str, Any]]:
    """The users of a user body or a page body."""
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        return [item for item in body["items"] if isinstance(item, dict)]
    return [body] if isinstance(body, dict) and "created_at" in body else []


def odd_ones(shapes: Mapping[str, tuple[Any, ...]]) -> list[str]:
    """The apps whose answer differs from the most common one (all, if none is)."""
    counts = Counter(json.dumps(shape, default=repr) for shape in shapes.values())
    if len(counts) == 1:
        return []
    common, number = counts.most_common(1)[0]
    if number == 1:
        return list(shapes)
    return [
        name
        for name, shape in shapes.items()
        if json.dumps(shape, default=repr) != common
    ]
