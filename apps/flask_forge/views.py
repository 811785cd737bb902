"""The handlers of /forge/users and /healthz, on one blueprint.

Counterparts: ``fastapi_forge/views.py`` (a router), ``django_forge/views.py`` (a
viewset). What the document says of each view is one entry of ``docs.py``; which ids
are paths, and the Allow header, are ``routing.py``'s; who may write is ``auth.py``'s.
"""

from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, request, url_for
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from flask_forge.auth import token_required
from flask_forge.contract import (
    NAME_CONFLICT,
    SERVICE_UNAVAILABLE,
    USER_NOT_FOUND,
    ProblemError,
)
from flask_forge.db import db
from flask_forge.models import User
from flask_forge.routing import allowed_methods
from flask_forge.schemas import (
    Health,
    UserCreate,
    UserListQuery,
    UserPage,
    UserRead,
    UserUpdate,
)

bp = Blueprint("forge", __name__)
# One instance of each schema, as marshmallow's own examples do: building one per
# request cost more than the GET's query did. They keep no state between calls.
user_create = UserCreate()
user_update = UserUpdate()
user_read = UserRead()
user_page = UserPage()
list_query = UserListQuery()
health = Health()
USERS = "/forge/users"
USER = "/forge/users/<user_id:id>"


@bp.post(USERS)
@token_required
def create_user() -> tuple[Response, int, dict[str, str]]:
    """Create a user."""
    fields = user_create.load(request.get_json())
    user = User(**fields, created_at=datetime.now(UTC))
    db.session.add(user)
    commit_unique()
    # R15: the path only, no scheme or host.
    location = url_for(".get_user", id=user.id)
    return jsonify(user_read.dump(user)), 201, {"Location": location}


# Werkzeug answers HEAD wherever GET is, with GET's headers and no body.
@bp.get(USERS)
def list_users() -> Response:
    """List users by id, a page at a time, optionally of one tier."""
    query = list_query.load(request.args)
    filters = [User.tier == query["tier"]] if "tier" in query else []
    total = db.session.scalar(select(func.count()).select_from(User).where(*filters))
    users = db.session.scalars(
        select(User)
        .where(*filters)
        .order_by(User.id)
        .limit(query["limit"])
        .offset(query["offset"])
    ).all()
    done_reading()
    page = {
        "items": users,
        "total": total or 0,
        "limit": query["limit"],
        "offset": query["offset"],
    }
    return jsonify(user_page.dump(page))


@bp.get(USER)
def get_user(id: int) -> Response:
    """Read one user."""
    one_statement_read()
    user = find_user(id)
    done_reading()
    return jsonify(user_read.dump(user))


@bp.patch(USER)
@token_required
def update_user(id: int) -> Response:
    """Change a user's name and/or tier."""
    changes = user_update.load(request.get_json())
    user = find_user(id)
    for field, value in changes.items():
        setattr(user, field, value)
    commit_unique()
    return jsonify(user_read.dump(user))


@bp.delete(USER)
@token_required
def delete_user(id: int) -> Response:
    """Delete a user."""
    # R23: one DELETE statement, not get-then-delete: of racing deletes, one deletes a
    # row and the others see none, so exactly one answers 204.
    deleted = db.session.scalar(delete(User).where(User.id == id).returning(User.id))
    db.session.commit()
    if deleted is None:
        raise ProblemError(USER_NOT_FOUND)
    return no_content()


@bp.get("/healthz")
def check_health() -> Response:
    """Say whether the app can serve the API (R24)."""
    # R24: a query on the users table, for a database without it cannot serve. A
    # deleted or moved SQLite file fails here too: each request opens the file at
    # its configured path (config.engine_options), and never creates one.
    try:
        db.session.execute(select(User.id).limit(1))
        done_reading()
    except (SQLAlchemyError, OSError) as error:
        raise ProblemError(SERVICE_UNAVAILABLE) from error
    return jsonify(health.dump({"status": "ok"}))


# R4: PROVIDE_AUTOMATIC_OPTIONS is off, for Flask's own OPTIONS answers 200 with
# text/html and lists the methods in set order.
@bp.route(USERS, methods=["OPTIONS"])
@bp.route(USER, methods=["OPTIONS"])
@bp.route("/healthz", methods=["OPTIONS"])
def options(id: int | None = None) -> Response:
    """Name the methods this path allows."""
    return no_content({"Allow": allowed_methods()})


def find_user(user_id: int) -> User:
    """The user with this id, or the user 404."""
    # Not db.get_or_404(): its 404 could not be told from the route 404 (R5).
    user = db.session.get(User, user_id)
    if user is None:
        raise ProblemError(USER_NOT_FOUND)
    return user


def one_statement_read() -> None:
    """Run the request's one statement outside a transaction, on PostgreSQL: one round
    trip instead of three (BEGIN, the SELECT, ROLLBACK), and one statement sees one
    snapshot anyway. SQLAlchemy resets the connection when it goes back to the pool.

    Not on SQLite: pysqlite begins no transaction before a SELECT already, and the
    reset would cost a PRAGMA a request.
    """
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def done_reading() -> None:
    """End the request's read transaction now, not at the app context's teardown.

    The connection goes back to the pool before the answer is written: a PostgreSQL
    transaction left open meanwhile could outlive idle_in_transaction_session_timeout
    under load, and the teardown's rollback would then fail. The objects read keep
    their loaded values (closed, not expired).
    """
    db.session.close()


def commit_unique() -> None:
    """Commit, turning a clash on the unique name key into the 409 (R18).

    An update whose user a racing DELETE removed first matches no row: the user 404
    (R22).
    """
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise ProblemError(NAME_CONFLICT) from error
    except StaleDataError as error:
        db.session.rollback()
        raise ProblemError(USER_NOT_FOUND) from error


def no_content(headers: dict[str, str] | None = None) -> Response:
    """A 204, without the text/html Content-Type Flask gives every response (R5)."""
    response = Response(status=204, headers=headers)
    del response.headers["Content-Type"]
    return response
