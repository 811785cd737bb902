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

    def body(self, value: Any) -> Any:
        """A JSON value with every ``name`` and ``tier`` member varied, at any depth
        (a user, a list's items)."""
        if isinstance(value, list):
            return [self.body(item) for item in value]
        if not isinstance(value, dict):
            return value
        varied = {}
        for key, member in value.items():
            if key == "name" and isinstance(member, str):
                varied[key] = self.name(member)
            elif key == "tier" and isinstance(member, str):
                varied[key] = self.tier(member)
            else:
                varied[key] = self.body(member)
        return varied

    def path(self, path: str, ids_only: bool = False) -> str:
        """A request target with its literal user id and its tier filter varied."""
        found = LITERAL_ID.match(path)
        if found and int(found[1]) < LARGEST_ID:
            path = f"/forge/users/{self.absent_id}" + path[found.end() :]
        if ids_only:
            return path
        return TIER_QUERY.sub(lambda found: f"tier={self.tier(found[1])}", path)

    def tier(self, tier: str) -> str:
        return self.tiers.get(tier, tier)

    def request(self, spec: Mapping[str, Any], ids_only: bool) -> dict[str, Any]:
        if ids_only:
            return {**spec, "path": self.path(spec["path"], ids_only)}
        varied = {**spec, "path": self.path(spec["path"], ids_only)}
        if "json" in spec:
            varied["json"] = self.body(spec["json"])
        return varied

    def vary(self, case: Case) -> Case:
        """``case`` as this run sends it, and the answer it then expects: its ids
        only when one of its bodies is raw bytes, whose names stay as written."""
        specs = [step["request"] for step in case.setup] + [case.request]
        raw = any("text" in spec or "base64" in spec for spec in specs)
        response = dict(case.response)
        if "json" in response and not raw:
            response["json"] = self.body(response["json"])
        return replace(
            case,
            setup=tuple(
                {**step, "request": self.request(step["request"], raw)}
                for step in case.setup
            ),
            request=self.request(case.request, raw),
            response=response,
        )
