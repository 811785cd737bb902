"""The handlers of /forge/users and /healthz.

Counterparts: ``flask_forge/views.py`` (a blueprint), ``django_forge/views.py`` (a
viewset).
"""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError, WithJsonSchema
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError
from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import Match

from fastapi_forge import docs
from fastapi_forge.db import SessionDep
from fastapi_forge.errors import (
    CONTENT_TOO_LARGE,
    INTERNAL_ERROR,
    MALFORMED_JSON,
    NAME_CONFLICT,
    SERVICE_UNAVAILABLE,
    UNSUPPORTED_MEDIA_TYPE,
    USER_NOT_FOUND,
    ProblemError,
)
from fastapi_forge.models import User
from fastapi_forge.parsing import StrictJSONRoute
from fastapi_forge.schemas import (
    Health,
    UserCreate,
    UserListQuery,
    UserPage,
    UserRead,
    UserUpdate,
)

MAX_ID = 2**63 - 1
# R4: the order of the Allow header, whatever order the routes are declared in.
METHOD_ORDER = ("GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS")


def decimal_up_to(bound: int) -> str:
    """A regex of the canonical decimal integers from 1 to ``bound``.

    A regex cannot compare numbers, so it lists the shorter numbers, then for each digit
    of the bound the numbers that match it so far and are smaller at that digit.
    """
    digits = str(bound)
    shorter = f"[1-9][0-9]{{0,{len(digits) - 2}}}"
    same_length = [
        f"{digits[:i]}[{int(i == 0)}-{int(digit) - 1}][0-9]{{{len(digits) - i - 1}}}"
        for i, digit in enumerate(digits)
        if int(digit) > int(i == 0)
    ]
    return "|".join([shorter, *same_length, digits])


class UserIdConvertor(Convertor[int]):
    """``{id}`` matches canonical ids up to 2^63-1 only; others are no route (R3)."""

    # Starlette's own int convertor takes "0", "01" and numbers of any size.
    regex = f"(?:{decimal_up_to(MAX_ID)})"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("user_id", UserIdConvertor())

router = APIRouter(route_class=StrictJSONRoute)
USERS = "/forge/users"
USER = "/forge/users/{id:user_id}"
# The contract names the segment "id"; the JSON Schema of the text it matches.
UserId = Annotated[int, Path(alias="id"), WithJsonSchema(docs.USER_ID)]
BODY_PROBLEMS = (
    MALFORMED_JSON,
    NAME_CONFLICT,
    CONTENT_TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
)


def allowed_methods(request: Request) -> str:
    """The Allow header of the request's path: the methods of its routes (R4)."""
    # Starlette's own 405 names only the first matching route's methods, in set order.
    methods = {
        method
        for route in router.routes
        if isinstance(route, APIRoute)
        and route.matches(request.scope)[0] is not Match.NONE
        for method in route.methods or ()
    }
    return ", ".join(method for method in METHOD_ORDER if method in methods)


def list_query(request: Request) -> UserListQuery:
    """The list query, validated from all values of each parameter (R20)."""
    # FastAPI keeps only the last value of a repeated parameter, so read them all here.
    params = request.query_params
    given = {
        name: params.getlist(name)
        for name in UserListQuery.model_fields
        if name in params
    }
    try:
        return UserListQuery.model_validate(given)
    except ValidationError as error:
        errors = [{**item, "loc": ("query", *item["loc"])} for item in error.errors()]
        raise RequestValidationError(errors) from error


ListQueryDep = Annotated[UserListQuery, Depends(list_query)]


async def find_user(session: AsyncSession, user_id: int) -> User:
    """The user with this id, or the user 404."""
    user = await session.get(User, user_id)
    if user is None:
        raise ProblemError(USER_NOT_FOUND)
    return user


async def commit_unique(session: AsyncSession) -> None:
    """Commit, turning a clash on the unique name key into the 409 (R18).

    An update whose user a racing DELETE removed first matches no row: the user 404.
    """
    try:
        await session.commit()
    except IntegrityError as error:
        await session.rollback()
        raise ProblemError(NAME_CONFLICT) from error
    except StaleDataError as error:
        await session.rollback()
        raise ProblemError(USER_NOT_FOUND) from error


@router.post(
    USERS,
    status_code=status.HTTP_201_CREATED,
    responses={
        201: {
            "headers": docs.header(
                "Location", {"pattern": "^/forge/users/[1-9][0-9]{0,18}$"}
            )
        },
        **docs.problems(
            *BODY_PROBLEMS, INTERNAL_ERROR, validation=docs.BODY_VALIDATION
        ),
    },
)
async def create_user(
    user: UserCreate, session: SessionDep, request: Request, response: Response
) -> UserRead:
    """Create a user."""
    created = User(name=user.name, tier=user.tier, created_at=datetime.now(UTC))
    session.add(created)
    await commit_unique(session)
    response.headers["Location"] = request.app.url_path_for("get_user", id=created.id)
    return UserRead.model_validate(created)


# FastAPI does not answer HEAD for GET routes by itself; one route per method keeps
# the operation ids of the OpenAPI document unique.
@router.get(
    USERS,
    openapi_extra={"parameters": docs.query_parameters(UserListQuery)},
    responses=docs.problems(INTERNAL_ERROR, validation=docs.QUERY_VALIDATION),
)
@router.head(
    USERS,
    openapi_extra={"parameters": docs.query_parameters(UserListQuery)},
    responses=docs.headers_only(422, 500),
)
async def list_users(query: ListQueryDep, session: SessionDep) -> UserPage:
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


@router.get(USER, responses=docs.problems(USER_NOT_FOUND, INTERNAL_ERROR))
@router.head(USER, responses=docs.headers_only(404, 500))
async def get_user(user_id: UserId, session: SessionDep) -> UserRead:
    """Read one user."""
    return UserRead.model_validate(await find_user(session, user_id))


@router.patch(
    USER,
    responses=docs.problems(
        *BODY_PROBLEMS, USER_NOT_FOUND, INTERNAL_ERROR, validation=docs.BODY_VALIDATION
    ),
)
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
    responses=docs.problems(USER_NOT_FOUND, INTERNAL_ERROR),
)
async def delete_user(user_id: UserId, session: SessionDep) -> Response:
    """Delete a user."""
    # One DELETE statement, not get-then-delete: of racing deletes, one deletes a
    # row and the others see none, so exactly one answers 204 (R23).
    deleted = await session.scalar(
        delete(User).where(User.id == user_id).returning(User.id)
    )
    await session.commit()
    if deleted is None:
        raise ProblemError(USER_NOT_FOUND)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/healthz", responses=docs.problems(INTERNAL_ERROR, SERVICE_UNAVAILABLE))
@router.head("/healthz", responses=docs.headers_only(500, 503))
async def check_health(session: SessionDep) -> Health:
    """Say whether the database answers."""
    try:
        await session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as error:
        raise ProblemError(SERVICE_UNAVAILABLE) from error
    return Health(status="ok")


# Each path's own Allow value in the document; one function answers them all.
@router.options(
    USERS, status_code=204, responses=docs.allow("GET, HEAD, POST, OPTIONS")
)
@router.options(
    USER,
    status_code=204,
    responses=docs.allow("GET, HEAD, PATCH, DELETE, OPTIONS"),
    # The function reads no id, so FastAPI would not list the path's parameter.
    openapi_extra={"parameters": [docs.USER_ID_PARAMETER]},
)
@router.options("/healthz", status_code=204, responses=docs.allow("GET, HEAD, OPTIONS"))
async def options(request: Request) -> Response:
    """Name the methods this path allows."""
    return Response(
        status_code=status.HTTP_204_NO_CONTENT,
        headers={"Allow": allowed_methods(request)},
    )
