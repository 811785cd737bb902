"""The handlers of /forge/users and /healthz, on one router.

Counterparts: ``flask_forge/views.py`` (a blueprint), ``django_forge/views.py`` (a
viewset). What the document says of each route is one entry of ``docs.py``; which ids
are paths, and the Allow header, are ``routing.py``'s.
"""

from datetime import UTC, datetime

from fastapi import Request, Response, Security, status
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from fastapi_forge import docs, routing
from fastapi_forge.auth import bearer
from fastapi_forge.contract import (
    NAME_CONFLICT,
    SERVICE_UNAVAILABLE,
    USER_NOT_FOUND,
    ProblemError,
)
from fastapi_forge.db import ReadSessionDep, SessionDep
from fastapi_forge.models import User
from fastapi_forge.routing import UserId, allowed_methods
from fastapi_forge.schemas import (
    Health,
    ListQueryDep,
    UserCreate,
    UserPage,
    UserRead,
    UserUpdate,
)

router = routing.router  # the one allowed_methods reads (R4)
USERS = "/forge/users"
USER = "/forge/users/{id:user_id}"


# R26: POST, PATCH and DELETE need the token, when the server has one.
@router.post(
    USERS,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Security(bearer)],
    **docs.CREATE_USER,
)
async def create_user(
    user: UserCreate, session: SessionDep, request: Request, response: Response
) -> UserRead:
    """Create a user."""
    created = User(name=user.name, tier=user.tier, created_at=datetime.now(UTC))
    session.add(created)
    await commit_unique(session)
    # R15: the path only, no scheme or host.
    response.headers["Location"] = request.app.url_path_for("get_user", id=created.id)
    return UserRead.model_validate(created)


# R4: FastAPI answers no HEAD by itself; a route per method keeps operation ids unique.
@router.get(USERS, **docs.LIST_USERS)
@router.head(USERS, **docs.LIST_USERS_HEAD)
async def list_users(query: ListQueryDep, session: ReadSessionDep) -> UserPage:
    """List users by id, a page at a time, optionally of one tier."""
    filters = [User.tier == query.tier] if query.tier else []
    total = await session.scalar(select(func.count()).select_from(User).where(*filters))
    users = await session.scalars(
        select(User)
        .where(*filters)
        .order_by(User.id)
        .limit(query.limit)
        .offset(query.offset)
    )
    return UserPage(
        items=[UserRead.model_validate(user) for user in users],
        total=total or 0,
        limit=query.limit,
        offset=query.offset,
    )


@router.get(USER, **docs.GET_USER)
@router.head(USER, **docs.GET_USER_HEAD)
async def get_user(user_id: UserId, session: ReadSessionDep) -> UserRead:
    """Read one user."""
    return UserRead.model_validate(await find_user(session, user_id))


@router.patch(USER, dependencies=[Security(bearer)], **docs.UPDATE_USER)
async def update_user(
    user_id: UserId, changes: UserUpdate, session: SessionDep
) -> UserRead:
    """Change a user's name and/or tier."""
    user = await find_user(session, user_id)
    for field, value in changes.model_dump(exclude_unset=True).items():
        setattr(user, field, value)
    await commit_unique(session)
    return UserRead.model_validate(user)


@router.delete(
    USER,
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Security(bearer)],
    **docs.DELETE_USER,
)
async def delete_user(user_id: UserId, session: SessionDep) -> Response:
    """Delete a user."""
    # R23: one DELETE statement, not get-then-delete: of racing deletes, one deletes a
    # row and the others see none, so exactly one answers 204.
    deleted = await session.scalar(
        delete(User).where(User.id == user_id).returning(User.id)
    )
    await session.commit()
    if deleted is None:
        raise ProblemError(USER_NOT_FOUND)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/healthz", **docs.CHECK_HEALTH)
@router.head("/healthz", **docs.CHECK_HEALTH_HEAD)
async def check_health(session: ReadSessionDep) -> Health:
    """Say whether the app can serve the API (R24)."""
    try:
        # R24: a query on the users table, since a database without it cannot serve;
        # open_engine's connection is to the file at its path, or fails.
        await session.execute(select(User.id).limit(1))
    except (SQLAlchemyError, OSError) as error:
        raise ProblemError(SERVICE_UNAVAILABLE) from error
    return Health(status="ok")


# R4: FastAPI answers no OPTIONS by itself.
@router.options(USERS, status_code=204, **docs.OPTIONS_USERS)
@router.options(USER, status_code=204, **docs.OPTIONS_USER)
@router.options("/healthz", status_code=204, **docs.OPTIONS_HEALTH)
async def options(request: Request) -> Response:
    """Name the methods this path allows."""
    return Response(
        status_code=status.HTTP_204_NO_CONTENT,
        headers={"Allow": allowed_methods(request)},
    )


async def find_user(session: AsyncSession, user_id: int) -> User:
    """The user with this id, or the user 404."""
    user = await session.get(User, user_id)
    if user is None:
        raise ProblemError(USER_NOT_FOUND)
    return user


async def commit_unique(session: AsyncSession) -> None:
    """Commit, turning a clash on the unique name key into the 409 (R18).

    An update whose user a racing DELETE removed first matches no row: the user 404
    (R22).
    """
    try:
        await session.commit()
    except IntegrityError as error:
        await session.rollback()
        raise ProblemError(NAME_CONFLICT) from error
    except StaleDataError as error:
        await session.rollback()
        raise ProblemError(USER_NOT_FOUND) from error
