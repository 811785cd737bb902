"""``fastapi_minimal`` with a database: async SQLAlchemy on SQLite or PostgreSQL, as in
the Forge app.

The session comes from a dependency, the table from ``create_tables()`` (``forge
bench`` runs it once before serving, as a migration would). The file is the one
``BENCH_DATABASE`` names.
"""

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Tier = Literal["Standard", "Pro", "Enterprise"]

# DATABASE_URL (postgresql://...) when set, else the SQLite file BENCH_DATABASE names;
# the engine's defaults either way (a pool of 5 + 10 overflow on PostgreSQL).
SQLITE = os.environ.get("BENCH_DATABASE", "bench-fastapi.sqlite3")
URL = os.environ.get("DATABASE_URL", "").replace(
    "postgresql://", "postgresql+asyncpg://"
)
engine = create_async_engine(URL or f"sqlite+aiosqlite:///{SQLITE}")
Session = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    tier: Mapped[str] = mapped_column(String(10), default="Standard")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC)
    )


class UserCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    tier: Tier = "Standard"


class UserUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    tier: Tier | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    tier: Tier
    created_at: datetime


class UserPage(BaseModel):
    items: list[UserRead]
    total: int
    limit: int
    offset: int


async def get_session() -> AsyncIterator[AsyncSession]:
    async with Session() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
app = FastAPI()


async def create_tables() -> None:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)


@app.post("/forge/users", status_code=201, response_model=UserRead)
async def create_user(user: UserCreate, session: SessionDep) -> User:
    """Create a user."""
    created = User(**user.model_dump())
    session.add(created)
    await session.commit()
    return created


@app.get("/forge/users")
async def list_users(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
    tier: Tier | None = None,
) -> UserPage:
    """List users, oldest first."""
    query = select(User) if tier is None else select(User).where(User.tier == tier)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    users = await session.scalars(query.order_by(User.id).limit(limit).offset(offset))
    return UserPage(
        items=[UserRead.model_validate(user) for user in users],
        total=total or 0,
        limit=limit,
        offset=offset,
    )


@app.get("/forge/users/{user_id}", response_model=UserRead)
async def get_user(user_id: int, session: SessionDep) -> User:
    """Read one user."""
    user = await session.get(User, user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="User not found")
    return user


@app.patch("/forge/users/{user_id}", response_model=UserRead)
async def update_user(user_id: int, changes: UserUpdate, session: SessionDep) -> User:
    """Change a user's name or tier."""
    user = await session.get(User, user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="User not found")
    for field, value in changes.model_dump(exclude_unset=True).items():
        setattr(user, field, value)
    await session.commit()
    return user


@app.delete("/forge/users/{user_id}", status_code=204)
async def delete_user(user_id: int, session: SessionDep) -> Response:
    """Delete a user."""
    user = await session.get(User, user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="User not found")
    await session.delete(user)
    await session.commit()
    return Response(status_code=204)


@app.get("/healthz")
async def health() -> dict[str, str]:
    """Say the app is up."""
    return {"status": "ok"}
