"""The users API with no framework at all: what ``raw_asgi`` and ``raw_wsgi`` serve.

A request comes in as method, path, query and body and leaves as status and JSON
bytes: the least work any implementation can do, so the servers' ceiling. It checks
only what it must to stay up (a JSON object with a string name).
"""

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs

Answer = tuple[int, bytes]

USERS: dict[int, dict[str, object]] = {}
TIERS = ("Standard", "Pro", "Enterprise")


def handle(method: str, path: str, query: str, body: bytes) -> Answer:
    """The answer to one request."""
    if path == "/healthz":
        return answer(200, {"status": "ok"})
    if path == "/forge/users":
        if method == "POST":
            return create(body)
        if method == "GET":
            return listing(parse_qs(query))
        return answer(405, {"detail": "Method not allowed"})
    prefix, _, tail = path.rpartition("/")
    if prefix != "/forge/users" or not tail.isdigit():
        return answer(404, {"detail": "Not found"})
    user = USERS.get(int(tail))
    if user is None:
        return answer(404, {"detail": "User not found"})
    if method == "GET":
        return answer(200, user)
    if method == "PATCH":
        return update(user, body)
    if method == "DELETE":
        del USERS[user["id"]]  # type: ignore[arg-type]
        return 204, b""
    return answer(405, {"detail": "Method not allowed"})


def create(body: bytes) -> Answer:
    data = parsed(body)
    if data is None:
        return answer(400, {"detail": "Malformed JSON"})
    name, tier = data.get("name"), data.get("tier", "Standard")
    if not isinstance(name, str) or not name or tier not in TIERS:
        return answer(422, {"detail": "Invalid user"})
    user_id = max(USERS, default=0) + 1
    created_at = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    user = {"id": user_id, "name": name, "tier": tier, "created_at": created_at}
    USERS[user_id] = user
    return answer(201, user)


def listing(query: dict[str, list[str]]) -> Answer:
    limit = int(query.get("limit", ["20"])[0])
    offset = int(query.get("offset", ["0"])[0])
    users = list(USERS.values())
    page = users[offset : offset + limit]
    return answer(
        200, {"items": page, "total": len(users), "limit": limit, "offset": offset}
    )


def update(user: dict[str, object], body: bytes) -> Answer:
    data = parsed(body)
    if data is None:
        return answer(400, {"detail": "Malformed JSON"})
    user.update({key: data[key] for key in ("name", "tier") if key in data})
    return answer(200, user)


def parsed(body: bytes) -> dict[str, object] | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def answer(status: int, payload: object) -> Answer:
    return status, json.dumps(payload).encode()
