"""Safe mode: judging a server that holds real users, changing none of them.

Each case runs on the server as it is, with the run's names (``variation.py``), so
that its users are its own; a list is judged past the users already there: they
have smaller ids than any the case creates (R17), and R19 lists by id, so the case's
users are where it expects them once the offset skips the others, and the total is
theirs plus the case's. Afterwards the case's users, and only those, are deleted.

A case that cannot be judged so is not sent, with the reason: a raw body that may
create a user under a name not the run's; a list query this module cannot shift (an
escape, a repeated parameter) when users are already there; a write to a literal id
that a user holds.
"""

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl

import httpx

from forge_conformance.cases import Case, Outcome, run_case
from forge_conformance.variation import raw

LARGEST_OFFSET = 2**63 - 1  # R20
LITERAL_ID = re.compile(r"^/forge/users/([1-9][0-9]*)(?=$|[/?])")
CANONICAL = re.compile(r"0|[1-9][0-9]*")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def why_not(client: httpx.Client, case: Case) -> str:
    """Why ``case`` cannot be judged in safe mode on this server, or empty."""
    steps = [(step["request"], step["status"]) for step in case.setup]
    steps.append((case.request, case.response["status"]))
    for spec, status in steps:
        if raw(spec) and spec["method"] in WRITES and 200 <= status < 300:
            return "its raw body may create a user under a name not the run's"
        found = LITERAL_ID.match(spec["path"])
        if found and spec["method"] in WRITES:
            held = client.get(f"/forge/users/{found[1]}").status_code
            if held != 404:
                return f"it writes to user {found[1]}, which this server holds"
    return ""


def shifted(client: httpx.Client, case: Case) -> Case | str:
    """``case`` with its list request shifted past the users already there, or why
    it cannot be; the case itself when its answer does not depend on them."""
    request, expected = case.request, case.response
    body = expected.get("json")
    # A list answer, whatever spelling of the path asked for it (R2's escapes).
    if (
        request["method"] != "GET"
        or expected["status"] != 200
        or not isinstance(body, dict)
        or set(body) != {"items", "total", "limit", "offset"}
    ):
        return case
    path, _, query = request["path"].partition("?")
    pairs = parse_qsl(query, keep_blank_values=True)
    read = [name for name, _ in pairs if name in ("limit", "offset", "tier")]
    raw = dict(part.partition("=")[::2] for part in query.split("&") if part)
    if len(read) != len(set(read)) or any(
        "%" in raw.get(name, "") or "+" in raw.get(name, "") for name in read
    ):
        return unshiftable(request) if already_there(client, {}) else case
    tier = {"tier": raw["tier"]} if "tier" in raw else {}
    there = already_there(client, tier)
    if not there:
        return case
    offset = raw.get("offset", "0")
    if not CANONICAL.fullmatch(offset):
        return unshiftable(request)
    if int(offset) + there > LARGEST_OFFSET:
        # Past every user either way: only the total counts the others.
        if body["items"]:
            return unshiftable(request)
        return replace(
            case,
            response={**expected, "json": {**body, "total": body["total"] + there}},
        )
    moved = [
        f"offset={int(offset) + there}" if part.startswith("offset=") else part
        for part in query.split("&")
        if part
    ]
    if "offset" not in raw:
        moved.append(f"offset={there}")
    answer = {
        **body,
        "total": body["total"] + there,
        "offset": body["offset"] + there,
    }
    return replace(
        case,
        request={**request, "path": f"{path}?{'&'.join(moved)}"},
        response={**expected, "json": answer},
    )


def unshiftable(request: Mapping[str, Any]) -> str:
    return (
        f"its list query ({request['path']}) cannot be shifted past the users"
        " already there"
    )


def already_there(client: httpx.Client, tier: Mapping[str, str]) -> int:
    """How many users (of the tier, if one) the server lists before the case."""
    response = client.get("/forge/users", params={"limit": "1", **tier})
    total = response.json()["total"] if response.status_code == 200 else 0
    return total if type(total) is int else 0


def run_safely(client: httpx.Client, case: Case, token: str | None = None) -> Outcome:
    """One case on a server as it is; then its own users, and only those, removed."""
    reason = why_not(client, case)
    judged = shifted(client, case) if not reason else case
    if isinstance(judged, str):
        reason = judged
    if reason or isinstance(judged, str):
        return Outcome(case, skipped=reason)
    outcome = run_case(client, judged, token, read_back=True)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for user_id in reversed(outcome.created):
        response = client.delete(f"/forge/users/{user_id}", headers=headers)
        if response.status_code not in (204, 404):
            outcome.differences.append(
                f"clean-up: DELETE /forge/users/{user_id}, a user this case created,"
                f" answered {response.status_code}"
            )
    return outcome
