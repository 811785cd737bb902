"""The cost ladder's rungs and the requests every rung answers.

A rung is one app: where it is (an ASGI or WSGI callable), how its database is made
before it runs, and the status it answers each scenario with. Only the Forge rungs
answer as the contract says; the others answer in their framework's own way (DRF's
400 for invalid input, FastAPI's 422 for malformed JSON), and that status is what a
run expects of them: any other status fails the run.
"""

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from forge.servers import SERVERS, environment

FRAMEWORKS = ("fastapi", "flask", "django")
LAYERS = ("raw", "minimal", "database", "forge")
"""The rungs of each framework's ladder, bottom up."""


@dataclass(frozen=True)
class Scenario:
    """One kind of request; ``{id}`` is a seeded user's, ``{n}`` unique per request."""

    name: str
    method: str
    path: str
    body: str | None = None
    served: bool = False
    """Whether the served benchmark drives it too (wrk), not only the in-process one."""
    writes: bool = False


SCENARIOS = (
    Scenario("create", "POST", "/forge/users", '{"name": "bench {n}"}', True, True),
    # The 422 path: a blank name and an unknown tier, two problems in one body.
    Scenario("invalid", "POST", "/forge/users", '{"name": "", "tier": "Gold"}', True),
    Scenario("malformed", "POST", "/forge/users", '{"name": '),
    Scenario("get", "GET", "/forge/users/{id}", served=True),
    Scenario("list", "GET", "/forge/users?limit=20"),
    Scenario("patch", "PATCH", "/forge/users/{id}", '{"tier": "{tier}"}', writes=True),
    Scenario("missing", "GET", "/forge/users/999999999"),
)
SCENARIO_NAMES = tuple(scenario.name for scenario in SCENARIOS)

CONTRACT_STATUSES = {
    "create": 201, "invalid": 422, "malformed": 400, "get": 200, "list": 200,
    "patch": 200, "missing": 404,
}  # fmt: skip
"""What the contract answers each scenario with (R15, R11, R9, R21, R19, R22)."""


@dataclass(frozen=True)
class Rung:
    """One app of the ladder."""

    name: str
    framework: str
    """``raw`` for the two ceilings, else a key of ``forge.servers.SERVERS``."""
    layer: str
    interface: str
    """``asgi`` or ``wsgi``."""
    target: str
    """``module:attribute``: the application, or its factory if ``factory``."""
    factory: bool = False
    statuses: Mapping[str, int] = field(
        default_factory=lambda: CONTRACT_STATUSES, hash=False
    )
    """The status each scenario must get: the contract's for the Forge apps."""
    tables: str | None = None
    """The ``bench`` module whose ``create_tables()`` makes its table, if any."""

    @property
    def forge(self) -> bool:
        return self.layer == "forge"

    def prepare_command(self) -> list[str] | None:
        """The command that makes the rung's tables, as forge serve's migration does."""
        if self.forge:
            return SERVERS[self.framework].migrate_command()
        if self.tables is None:
            return None
        code = (
            f"import asyncio, inspect, {self.tables} as m; r = m.create_tables();"
            " inspect.isawaitable(r) and asyncio.run(r)"
        )
        return [sys.executable, "-c", code]

    def environment(
        self, data_dir: Path, inherited: Mapping[str, str]
    ) -> dict[str, str]:
        """The variables the rung runs with: its own database file in ``data_dir``."""
        if self.forge:
            database = f"sqlite:///{data_dir / 'forge.sqlite3'}"
            return environment(
                self.framework, database, data_dir, "127.0.0.1", inherited
            )
        return {**inherited, "BENCH_DATABASE": str(data_dir / f"{self.name}.sqlite3")}


def native(**statuses: int) -> dict[str, int]:
    """The contract's statuses but for those a framework answers its own way."""
    return {**CONTRACT_STATUSES, **statuses}


RUNGS = (
    Rung("raw_asgi", "raw", "raw", "asgi", "bench.raw_asgi:app"),
    Rung("raw_wsgi", "raw", "raw", "wsgi", "bench.raw_wsgi:app"),
    # FastAPI answers malformed JSON with its 422 (json_invalid), like any other error.
    Rung(
        "fastapi_minimal", "fastapi", "minimal", "asgi", "bench.fastapi_minimal:app",
        statuses=native(malformed=422),
    ),
    Rung(
        "fastapi_database", "fastapi", "database", "asgi", "bench.fastapi_database:app",
        statuses=native(malformed=422), tables="bench.fastapi_database",
    ),
    Rung("fastapi_forge", "fastapi", "forge", "asgi", "fastapi_forge.app:create_app",
         factory=True),
    Rung("flask_minimal", "flask", "minimal", "wsgi", "bench.flask_minimal:app"),
    Rung(
        "flask_database", "flask", "database", "wsgi", "bench.flask_database:app",
        tables="bench.flask_database",
    ),
    Rung("flask_forge", "flask", "forge", "wsgi", "flask_forge.app:create_app",
         factory=True),
    # DRF answers every invalid body with its 400.
    Rung(
        "django_minimal", "django", "minimal", "wsgi", "bench.drf_minimal:application",
        statuses=native(invalid=400),
    ),
    Rung(
        "django_database", "django", "database", "wsgi",
        "bench.drf_database:application", statuses=native(invalid=400),
        tables="bench.drf_database",
    ),
    Rung("django_forge", "django", "forge", "wsgi", "django_forge.wsgi:application"),
)  # fmt: skip
RUNG_NAMES = {rung.name: rung for rung in RUNGS}


def ladder(framework: str) -> list[Rung]:
    """A framework's rungs bottom up, its interface's raw ceiling first."""
    interface = "asgi" if framework == "fastapi" else "wsgi"
    raw = RUNG_NAMES[f"raw_{interface}"]
    return [raw, *(rung for rung in RUNGS if rung.framework == framework)]


def forge_rung(framework: str) -> Rung:
    return RUNG_NAMES[f"{framework}_forge"]
