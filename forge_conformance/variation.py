"""What differs per run, so that no implementation passes by knowing the cases' inputs.

A seed (printed; ``--seed`` repeats a run) chooses a name prefix, whether the tiers
Pro and Enterprise trade places, and an id no user has: each case is then sent with
its names prefixed (after any leading whitespace, so that R12's stripping still
applies), its explicit tiers traded, and its literal user ids replaced, and its
expected answer changed alike. Standard stays, being the default a create gets (R13).
A name the prefix would push over R12's 64 characters is sent as written.
"""

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from forge_conformance.cases import Case

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
NAME_LIMIT = 64
LARGEST_ID = 2**63 - 1
# A literal user id in a path: canonical (no leading zero), followed by nothing, a
# slash or a query; the largest id is kept, as the boundary its cases are about.
LITERAL_ID = re.compile(r"^/forge/users/([1-9][0-9]{0,18})(?=$|[/?])")
TIER_QUERY = re.compile(r"(?<=[?&])tier=(Pro|Enterprise)(?=$|&)")


@dataclass(frozen=True)
class Variation:
    """One run's choices, all drawn from its seed."""

    seed: int
    prefix: str
    tiers: Mapping[str, str]
    absent_id: int
    """An id far above any a server has given out: a user no one has."""

    @classmethod
    def from_seed(cls, seed: int) -> "Variation":
        draw = random.Random(seed)
        prefix = "fc" + "".join(draw.choice(ALPHABET) for _ in range(5)) + "-"
        traded = draw.random() < 0.5
        tiers = {"Pro": "Enterprise", "Enterprise": "Pro"} if traded else {}
        return cls(seed, prefix, tiers, draw.randrange(2**40, 2**53))

    def name(self, name: str) -> str:
        """``name`` with the run's prefix after its leading whitespace; as written
        when blank (R12's error either way) or when the prefix would make it too
        long."""
        stripped = name.strip()
        if not stripped or len(stripped) + len(self.prefix) > NAME_LIMIT:
            return name
        lead = len(name) - len(name.lstrip())
        return name[:lead] + self.prefix + name[lead:]

    def vary(self, case: Case) -> Case:
        """``case`` as this run sends it, and the answer it then expects.

        Only JSON bodies are varied: a raw body is sent as written, so a name that
        only a raw body sent stays as written in the answer, and a case that names
        a tier in a raw body or an escaped query keeps its tiers.
        """
        specs = [step["request"] for step in case.setup] + [case.request]
        sent = {
            name.strip()
            for spec in specs
            if "json" in spec
            for name in names(spec["json"])
        }
        case_variation = CaseVariation(
            self, sent, self.tiers if not tiers_hidden(specs) else {}
        )
        response = dict(case.response)
        if "json" in response:
            response["json"] = case_variation.body(response["json"], answer=True)
        return replace(
            case,
            setup=tuple(
                {**step, "request": case_variation.request(step["request"])}
                for step in case.setup
            ),
            request=case_variation.request(case.request),
            response=response,
        )


@dataclass(frozen=True)
class CaseVariation:
    """The run's variation as one case can take it."""

    run: Variation
    sent: set[str]
    """The names (stripped) the case's JSON bodies send: an answer's are varied."""
    tiers: Mapping[str, str]

    def body(self, value: Any, answer: bool = False) -> Any:
        """A JSON value with its ``name`` and ``tier`` members varied, at any depth
        (a user, a list's items); in an answer, only the names the case sent."""
        if isinstance(value, list):
            return [self.body(item, answer) for item in value]
        if not isinstance(value, dict):
            return value
        varied = {}
        for key, member in value.items():
            if key == "name" and isinstance(member, str):
                keep = answer and member.strip() not in self.sent
                varied[key] = member if keep else self.run.name(member)
            elif key == "tier" and isinstance(member, str):
                varied[key] = self.tiers.get(member, member)
            else:
                varied[key] = self.body(member, answer)
        return varied

    def path(self, path: str) -> str:
        """A request target with its literal user id and its tier filter varied."""
        found = LITERAL_ID.match(path)
        if found and int(found[1]) < LARGEST_ID:
            path = f"/forge/users/{self.run.absent_id}" + path[found.end() :]
        return TIER_QUERY.sub(
            lambda tier: f"tier={self.tiers.get(tier[1], tier[1])}", path
        )

    def request(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        varied = {**spec, "path": self.path(spec["path"])}
        if "json" in spec:
            varied["json"] = self.body(spec["json"])
        return varied


def names(value: Any) -> list[str]:
    """Every string ``name`` member of a JSON value."""
    if isinstance(value, list):
        return [name for item in value for name in names(item)]
    if not isinstance(value, dict):
        return []
    found = [v for k, v in value.items() if k == "name" and isinstance(v, str)]
    return found + [name for v in value.values() for name in names(v)]


def tiers_hidden(specs: list[Mapping[str, Any]]) -> bool:
    """Whether a tier is named where it cannot be traded: in a raw body, or in a
    tier parameter written otherwise than plainly."""
    for spec in specs:
        if raw(spec) and any(
            tier in str(spec.get("text", spec.get("base64")))
            for tier in ("Pro", "Enterprise")
        ):
            return True
        query = spec["path"].partition("?")[2]
        for part in query.split("&"):
            if part.startswith("tier=") and ("%" in part or "+" in part):
                return True
    return False


def raw(spec: Mapping[str, Any]) -> bool:
    """Whether a request's body is bytes as written, not a JSON value."""
    return "text" in spec or "base64" in spec
