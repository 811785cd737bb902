"""``flask_minimal`` with a database: Flask-SQLAlchemy on SQLite or PostgreSQL, as in
the Forge app.

The table comes from ``create_tables()`` (``forge bench`` runs it once before
serving, as a migration would). The file is the one ``BENCH_DATABASE`` names.
"""

import os
from datetime import UTC, datetime
from typing import Any

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

TIERS = ("Standard", "Pro", "Enterprise")

app = Flask(__name__)
database = os.path.abspath(os.environ.get("BENCH_DATABASE", "bench-flask.sqlite3"))
# DATABASE_URL (postgresql://...) when set, else the SQLite file; Flask-SQLAlchemy's
# defaults either way (a pool of 5 + 10 overflow on PostgreSQL).
app.config["SQLALCHEMY_DATABASE_URI"] = (
    os.environ.get("DATABASE_URL", "").replace("postgresql://", "postgresql+psycopg://")
    or f"sqlite:///{database}"
)
db = SQLAlchemy(app)


class User(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    tier: Mapped[str] = mapped_column(String(10), default="Standard")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC)
    )


class UserSchema(Schema):
    id = fields.Int(dump_only=True)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    tier = fields.Str(load_default="Standard", validate=validate.OneOf(TIERS))
    created_at = fields.DateTime(dump_only=True)


user_schema = UserSchema()
users_schema = UserSchema(many=True)


def create_tables() -> None:
    with app.app_context():
        db.create_all()


@app.errorhandler(ValidationError)
def invalid(error: ValidationError) -> tuple[dict[str, Any], int]:
    return {"errors": error.messages}, 422


@app.post("/forge/users")
def create_user() -> tuple[dict[str, Any], int]:
    """Create a user."""
    user = User(**user_schema.load(request.get_json()))
    db.session.add(user)
    db.session.commit()
    return user_schema.dump(user), 201


@app.get("/forge/users")
def list_users() -> dict[str, Any]:
    """List users, oldest first."""
    limit = request.args.get("limit", 20, type=int)
    offset = request.args.get("offset", 0, type=int)
    query = db.select(User).order_by(User.id)
    if tier := request.args.get("tier"):
        query = query.where(User.tier == tier)
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    users = db.session.scalars(query.limit(limit).offset(offset))
    return {
        "items": users_schema.dump(users),
        "total": total,
        "limit": limit,
        "offset": offset,
    }


@app.get("/forge/users/<int:user_id>")
def get_user(user_id: int) -> dict[str, Any]:
    """Read one user."""
    return user_schema.dump(db.get_or_404(User, user_id))


@app.patch("/forge/users/<int:user_id>")
def update_user(user_id: int) -> dict[str, Any]:
    """Change a user's name or tier."""
    user = db.get_or_404(User, user_id)
    for field, value in user_schema.load(request.get_json(), partial=True).items():
        setattr(user, field, value)
    db.session.commit()
    return user_schema.dump(user)


@app.delete("/forge/users/<int:user_id>")
def delete_user(user_id: int) -> tuple[str, int]:
    """Delete a user."""
    db.session.delete(db.get_or_404(User, user_id))
    db.session.commit()
    return "", 204


@app.get("/healthz")
def health() -> dict[str, str]:
    """Say the app is up."""
    return {"status": "ok"}
