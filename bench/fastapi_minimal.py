"""FastAPI as its tutorial teaches it: pydantic models, FastAPI's own errors, a dict.

What FastAPI gives for free: validation from type hints, 422 on invalid input (as
FastAPI words it), JSON out. No database: users live in a dict.
"""

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import FastAPI, HTTPException, Query, Response
from pydantic import BaseModel, Field

Tier = Literal["Standard", "Pro", "Enterprise"]


class UserCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    tier: Tier = "Standard"


class UserUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    tier: Tier | None = None


class UserRead(BaseModel):
    id: int
    name: str
    tier: Tier
    created_at: datetime


class UserPage(BaseModel):
    items: list[UserRead]
    total: int
    limit: int
    offset: int


app = FastAPI()
users: dict[int, UserRead] = {}


@app.post("/forge/users", status_code=201)
async def create_user(user: UserCreate) -> UserRead:
    """Create a user."""
    created = UserRead(
        id=max(users, default=0) + 1, created_at=datetime.now(UTC), **user.model_dump()
    )
    users[created.id] = created
    return created


@app.get("/forge/users")
async def list_users(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
    tier: Tier | None = None,
) -> UserPage:
    """List users, oldest first."""
    matching = [user for user in users.values() if tier is None or user.tier == tier]
    page = matching[offset : offset + limit]
    return UserPage(items=page, total=len(matching), limit=limit, offset=offset)


@app.get("/forge/users/{user_id}")
async def get_user(user_id: int) -> UserRead:
    """Read one user."""
    if user_id not in users:
        raise HTTPException(status_code=404, detail="User not found")
    return users[user_id]


@app.patch("/forge/users/{user_id}")
async def update_user(user_id: int, changes: UserUpdate) -> UserRead:
    """Change a user's name or tier."""
    if user_id not in users:
        raise HTTPException(status_code=404, detail="User not found")
    updated = users[user_id].model_copy(update=changes.model_dump(exclude_unset=True))
    users[user_id] = updated
    return updated


@app.delete("/forge/users/{user_id}", status_code=204)
async def delete_user(user_id: int) -> Response:
    """Delete a user."""
    if users.pop(user_id, None) is None:
        raise HTTPException(status_code=404, detail="User not found")
    return Response(status_code=204)


@app.get("/healthz")
async def health() -> dict[str, str]:
    """Say the app is up."""
    return {"status": "ok"}
