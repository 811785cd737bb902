"""Expected values read from ``contract/``, so that tests never restate them."""

import json
from typing import Any

import httpx

from forge.cases import CONTRACT

PROBLEMS: dict[str, dict[str, Any]] = json.loads(
    (CONTRACT / "problems.json").read_text(encoding="utf-8")
)["problems"]
JSON = {"Content-Type": "application/json"}
ALLOW = {
    "/forge/users": "GET, HEAD, POST, OPTIONS",
    "/forge/users/{id}": "GET, HEAD, PATCH, DELETE, OPTIONS",
    "/healthz": "GET, HEAD, OPTIONS",
}


def problem(name: str) -> dict[str, Any]:
    """The exact body of the problem ``problems.json`` names ``name`` (R5)."""
    row = PROBLEMS[name]
    return {key: row[key] for key in ("type", "title", "status", "detail")}


def assert_problem(response: httpx.Response, name: str) -> None:
    """The response is the problem ``name``: status, then content type, then body."""
    assert response.status_code == PROBLEMS[name]["status"], response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json() == problem(name)
