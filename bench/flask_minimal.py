"""Flask as its tutorial and marshmallow's quickstart teach it, users in a dict.

What Flask and marshmallow give for free: a schema that loads and dumps, a
``ValidationError`` with every field's messages (turned into a 422 by the one error
handler a newcomer writes), Flask's own errors (HTML) for everything else.
"""

from datetime import UTC, datetime
from typing import Any

from flask import Flask, abort, request
from marshmallow import Schema, ValidationError, fields, validate

TIERS = ("Standard", "Pro", "Enterprise")


class UserSchema(Schema):
    id = fields.Int(dump_only=True)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    tier = fields.Str(load_default="Standard", validate=validate.OneOf(TIERS))
    created_at = fields.DateTime(dump_only=True)


user_schema = UserSchema()
users_schema = UserSchema(many=True)
app = Flask(__name__)
users: dict[int, dict[str, Any]] = {}


@app.errorhandler(ValidationError)
def invalid(error: ValidationError) -> tuple[dict[str, Any], int]:
    return {"errors": error.messages}, 422


@app.post("/forge/users")
def create_user() -> tuple[dict[str, Any], int]:
    """Create a user."""
    user = user_schema.load(request.get_json())
    user.update(id=max(users, default=0) + 1, created_at=datetime.now(UTC))
    users[user["id"]] = user
    return user_schema.dump(user), 201


@app.get("/forge/users")
def list_users() -> dict[str, Any]:
    """List users, oldest first."""
    limit = request.args.get("limit", 20, type=int)
    offset = request.args.get("offset", 0, type=int)
    tier = request.args.get("tier")
    matching = [user for user in users.values() if tier is None or user["tier"] == tier]
    page = users_schema.dump(matching[offset : offset + limit])
    return {"items": page, "total": len(matching), "limit": limit, "offset": offset}


@app.get("/forge/users/<int:user_id>")
def get_user(user_id: int) -> dict[str, Any]:
    """Read one user."""
    if user_id not in users:
        abort(404)
    return user_schema.dump(users[user_id])


@app.patch("/forge/users/<int:user_id>")
def update_user(user_id: int) -> dict[str, Any]:
    """Change a user's name or tier."""
    if user_id not in users:
        abort(404)
    users[user_id].update(user_schema.load(request.get_json(), partial=True))
    return user_schema.dump(users[user_id])


@app.delete("/forge/users/<int:user_id>")
def delete_user(user_id: int) -> tuple[str, int]:
    """Delete a user."""
    if users.pop(user_id, None) is None:
        abort(404)
    return "", 204


@app.get("/healthz")
def health() -> dict[str, str]:
    """Say the app is up."""
    return {"status": "ok"}
