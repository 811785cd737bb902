"""The contract as the judge of one response, whatever the other apps answered.

``openapi-core`` validates each response of an API operation against
``contract/openapi.json``; the checks below add what that document can only say in
words: the route 404 and the 405 of paths and methods it does not list (R2-R4), the
exact problem of each 4xx (R5, ``problems.json``), the details and order of 422 errors
(R11), HEAD and OPTIONS (R4), and unescaped non-ASCII output (R5).
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any
from urllib.parse import unquote_to_bytes

import httpx
from openapi_core import OpenAPI

from forge_conformance.cases import TIMESTAMP
from forge_conformance.paths import CONTRACT
from tests.contract import ALLOW, PROBLEMS, openapi_document, problem
from tests.openapi_check import load, response_mismatch

MAX_ID = 2**63 - 1
CANONICAL_ID = re.compile(r"[1-9][0-9]{0,18}")
# Outside the contract (R2): each implementation's own documentation.
DOCUMENTATION = ("/openapi.json", "/docs")
ERROR_DETAILS: dict[str, Any] = json.loads(
    (CONTRACT / "problems.json").read_text(encoding="utf-8")
)["error_details"]
NAME_CODES = {"required", "null", "type", "blank", "too_long", "invalid"}
TIER_CODES = {"null", "type", "enum"}
# A \u escape that a JSON writer produced, not an escaped backslash followed by "u".
UNICODE_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u([0-9a-fA-F]{4})")


@dataclass(frozen=True)
class Request:
    """One request as the fuzz tests send it: bytes and headers exactly as written."""

    method: str
    target: str  # the path as sent, percent-escapes and query included
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    chunked: bool = False

    @property
    def path(self) -> str:
        """The path after the percent-decoding every server applies (R2)."""
        raw = self.target.partition("?")[0]
        return unquote_to_bytes(raw).decode("utf-8", errors="replace")

    def describe(self) -> str:
        """The request in one line, for reports and case files."""
        body = "" if self.body is None else f" body={self.body[:200]!r}"
        size = "" if self.body is None else f" ({len(self.body)} bytes)"
        chunked = " chunked" if self.chunked else ""
        return f"{self.method} {self.target} {dict(self.headers)}{body}{size}{chunked}"


@cache
def openapi() -> OpenAPI:
    """The contract's OpenAPI document, problems parsed as the JSON they are."""
    return load(openapi_document())


def route_of(path: str) -> str | None:
    """The R2 path a decoded path is, or None for the route 404 (R2, R3)."""
    if path in ("/forge/users", "/healthz"):
        return path
    segment = path.removeprefix("/forge/users/")
    if segment != path and CANONICAL_ID.fullmatch(segment) and int(segment) <= MAX_ID:
        return "/forge/users/{id}"
    return None


def judge(request: Request, response: httpx.Response) -> list[str]:
    """Every way ``response`` breaks the contract for ``request``."""
    status = response.status_code
    if status >= 500:
        return [f"a {status}: {response.content[:300]!r}"]
    if request.path in DOCUMENTATION:
        return []
    route = route_of(request.path)
    head = request.method == "HEAD"
    if route is None:
        return expect_problem(response, "route-not-found", head) + no_allow(response)
    allowed = ALLOW[route].split(", ")
    if request.method not in allowed:
        found = expect_problem(response, "method-not-allowed", head)
        if response.headers.get("Allow") != ALLOW[route]:
            found.append(f"Allow {response.headers.get('Allow')!r} on a 405")
        return found
    if request.method == "OPTIONS":
        return expect_options(response, ALLOW[route])
    found = no_allow(response)
    if request.method == "HEAD":
        found += expect_head(response)
    elif status == 204:
        found += expect_no_content(response)
    elif status < 400:
        found += expect_json(response)
    else:
        found += expect_error(response, route)
    found += openapi_violations(request, response)
    if status == 201:
        location = f"/forge/users/{response.json().get('id')}"
        if response.headers.get("Location") != location:
            found.append(f"Location {response.headers.get('Location')!r}")
    return found


def expect_problem(response: httpx.Response, name: str, head: bool) -> list[str]:
    """The response is exactly the problem ``problems.json`` names ``name``.

    An answer to HEAD is the same without its body (R4).
    """
    found = []
    if response.status_code != PROBLEMS[name]["status"]:
        found.append(f"status {response.status_code}, expected the {name} problem")
    if response.headers.get("Content-Type") != "application/problem+json":
        found.append(f"Content-Type {response.headers.get('Content-Type')!r}")
    if head:
        found += [f"HEAD answered with a body {response.content[:100]!r}"] * bool(
            response.content
        )
    elif parsed(response) != problem(name):
        found.append(f"body {response.content[:300]!r}, expected the {name} problem")
    return found


def expect_options(response: httpx.Response, allow: str) -> list[str]:
    """R4: OPTIONS is 204 with the path's Allow, no body, no Content-Type."""
    found = expect_no_content(response)
    if response.status_code != 204:
        found.append(f"OPTIONS answered {response.status_code}")
    if response.headers.get("Allow") != allow:
        found.append(f"Allow {response.headers.get('Allow')!r} on OPTIONS")
    return found


def expect_head(response: httpx.Response) -> list[str]:
    """R4: no body, and the Content-Type the GET would have."""
    found = [] if not response.content else ["HEAD answered with a body"]
    wanted = "application/json" if response.status_code < 400 else PROBLEM_TYPE
    if response.headers.get("Content-Type") != wanted:
        found.append(f"HEAD Content-Type {response.headers.get('Content-Type')!r}")
    return found


PROBLEM_TYPE = "application/problem+json"


def expect_no_content(response: httpx.Response) -> list[str]:
    """R5: a 204 has no body and no Content-Type."""
    found = [] if not response.content else ["a 204 with a body"]
    if "Content-Type" in response.headers:
        found.append("a 204 with a Content-Type")
    return found


def expect_json(response: httpx.Response) -> list[str]:
    """R5: a success body is application/json, non-ASCII written as itself."""
    if response.headers.get("Content-Type") != "application/json":
        return [f"Content-Type {response.headers.get('Content-Type')!r}"]
    return escaped_non_ascii(response)


def expect_error(response: httpx.Response, route: str) -> list[str]:
    """R5, R11: a 4xx is exactly a problem of problems.json, 422 errors as R11 says."""
    body = parsed(response)
    if response.headers.get("Content-Type") != PROBLEM_TYPE:
        return [f"Content-Type {response.headers.get('Content-Type')!r} on an error"]
    if not isinstance(body, dict):
        return [f"error body {response.content[:300]!r}"]
    fixed = {key: body.get(key) for key in ("type", "title", "status", "detail")}
    names = [name for name, row in PROBLEMS.items() if problem(name) == fixed]
    if not names or PROBLEMS[names[0]]["status"] != response.status_code:
        return [f"not a problem of problems.json: {fixed}"]
    user_404 = route == "/forge/users/{id}" and response.status_code == 404
    if user_404 and names != ["user-not-found"]:
        return [f"a 404 on a user path that is not the user 404: {fixed}"]
    expected_members = set(fixed) | (
        {"errors"} if response.status_code == 422 else set()
    )
    if set(body) != expected_members:
        return [f"problem members {sorted(body)}"]
    found = escaped_non_ascii(response)
    if response.status_code == 422:
        found += error_violations(body["errors"])
    return found


def error_violations(errors: list[dict[str, str]]) -> list[str]:
    """R11: each error's detail fixed by its place and code, one per place, sorted."""
    found = []
    places = []
    for error in errors:
        place = error.get("pointer", error.get("parameter", ""))
        places.append((place, error.get("code", "")))
        if error.get("detail") not in allowed_details(error):
            found.append(f"error {error} has a detail R11 does not give it")
    if len({place for place, _ in places}) != len(places):
        found.append(f"more than one error for a place: {places}")
    if places != sorted(places):
        found.append(f"errors not sorted by place then code: {places}")
    return found


def allowed_details(error: Mapping[str, str]) -> set[str]:
    """The details R11's table allows for an error, by its place and code."""
    code = error.get("code", "")
    if "parameter" in error:
        query = ERROR_DETAILS["query"]
        tables = [query.get(error["parameter"], {}), query["repeated"]]
        return {table[code] for table in tables if code in table}
    place = error.get("pointer", "")
    body = ERROR_DETAILS["body"]
    if place == "#":
        table = body["#"]
    elif (
        (place == "#/name" and code in NAME_CODES)
        or (place == "#/tier" and code in TIER_CODES)
    ) or (place not in ("#/name", "#/tier") and code == "unknown_field"):
        table = body["field"]
    else:
        return set()
    return {table[code]} if code in table else set()


def no_allow(response: httpx.Response) -> list[str]:
    """R4: only OPTIONS' 204 and the 405 carry Allow."""
    allow = response.headers.get("Allow")
    return [] if allow is None else [f"Allow {allow!r} on a {response.status_code}"]


def escaped_non_ascii(response: httpx.Response) -> list[str]:
    """R5: non-ASCII characters are written as themselves, never as \\u escapes."""
    text = response.content.decode("utf-8", errors="replace")
    escapes = {
        found[0] for found in UNICODE_ESCAPE.finditer(text) if int(found[1], 16) >= 0x80
    }
    return [f"non-ASCII written as escapes: {sorted(escapes)}"] if escapes else []


def openapi_violations(request: Request, response: httpx.Response) -> list[str]:
    """What openapi-core finds wrong with the response of an API operation."""
    return list(
        openapi_verdict(
            request.method.lower(),
            request.path,
            response.status_code,
            tuple(response.headers.multi_items()),
            response.content,
        )
    )


@lru_cache(maxsize=4096)
def openapi_verdict(
    method: str,
    path: str,
    status: int,
    headers: tuple[tuple[str, str], ...],
    content: bytes,
) -> tuple[str, ...]:
    """openapi-core's verdict, kept: the apps often give the very same answer."""
    mismatch = response_mismatch(openapi(), method, path, status, headers, content)
    return () if mismatch is None else (f"openapi.json: {mismatch}"[:600],)


def parsed(response: httpx.Response) -> Any:
    """The JSON body, or None if there is none or it is not JSON."""
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def is_timestamp(value: Any) -> bool:
    """R1's created_at format."""
    return isinstance(value, str) and TIMESTAMP.fullmatch(value) is not None
