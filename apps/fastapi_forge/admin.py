"""The back-office admin at /admin/: SQLAdmin's ``ModelView`` over the users table.

Counterparts: ``flask_forge/admin.py`` (Flask-Admin), ``django_forge/admin.py``
(``django.contrib.admin``). SQLAdmin gives the list, filter, search and forms on the
app's async engine, and a login hook on Starlette's signed session cookie; it leaves
the check to the app (``AdminAuth``: the credentials of ``FORGE_ADMIN_USER`` and
``FORGE_ADMIN_PASSWORD`` compared in constant time, and a second's wait after each
failed try), and has no CSRF protection: the forms here carry WTForms' session token
(``CSRFForm``), and the login page is SQLAdmin's own with that token added
(``templates/sqladmin/login.html``). What the contract adds is that the form takes no
name or tier the API would refuse: ``UserForm`` validates it with the API's own schema
and error texts (R12, R13), and the unique ``name_key`` refuses a name as the API's
409 does (R18). Without both credentials ``init_app`` mounts nothing, and /admin/ is
the route 404.
"""

import asyncio
import hmac
from collections.abc import MutableMapping
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from pydantic import ValidationError
from sqladmin import Admin, ModelView
from sqladmin.authentication import AuthenticationBackend
from sqladmin.filters import StaticValuesFilter
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from wtforms import Form, PasswordField, SelectField, StringField
from wtforms.csrf.session import SessionCSRF

from fastapi_forge.config import Settings
from fastapi_forge.contract import DEFAULT_TIER, INTERNAL_ERROR, NAME_CONFLICT, TIERS
from fastapi_forge.errors import error_item
from fastapi_forge.models import User
from fastapi_forge.schemas import UserCreate

FAILED_LOGIN_DELAY_SECONDS = 1.0
"""How long a failed login waits before its answer: a wait needs no state shared by
the workers, where a count of failures would."""
TEMPLATES = Path(__file__).with_name("templates")
"""The login page, which SQLAdmin finds here before its own."""
LOGGED_IN = "forge_admin"
"""The session key that marks a logged-in admin."""

SESSION: ContextVar[MutableMapping[str, Any]] = ContextVar("admin_session")
"""The request's session, where WTForms keeps the CSRF token: SQLAdmin builds its
forms with the form data alone, so the form finds the session here."""
SECRET: ContextVar[bytes] = ContextVar("admin_secret")
"""The key that signs CSRF tokens, the app's secret key."""


class CSRFForm(Form):
    """A form with WTForms' CSRF token, kept in the request's signed session."""

    class Meta:
        csrf = True
        csrf_class = SessionCSRF
        csrf_time_limit = timedelta(hours=1)

    def __init__(self, formdata: Any = None, **kwargs: Any) -> None:
        meta = {"csrf_context": SESSION.get(), "csrf_secret": SECRET.get()}
        super().__init__(formdata, meta=meta, **kwargs)


def bind(request: Request, secret: str) -> None:
    """Let the forms built while handling ``request`` find its session and key."""
    SESSION.set(request.session)
    SECRET.set(secret.encode())


class LoginForm(CSRFForm):
    """The login page's fields, the CSRF token included."""

    username = StringField()
    password = PasswordField()


class AdminAuth(AuthenticationBackend):
    """The login: the environment's credentials, a flag in the signed session."""

    def __init__(self, settings: Settings) -> None:
        # Starlette's session cookie is HttpOnly; SameSite=Lax; Secure over TLS. Not
        # named "session": cookies ignore ports, and the apps share a host.
        super().__init__(
            settings.forge_secret_key,
            session_cookie="forge_fastapi_admin",
            same_site="lax",
            https_only=settings.forge_https,
        )
        self.settings = settings

    async def login(self, request: Request) -> bool:
        """Log in with the environment's credentials, and a valid CSRF token."""
        bind(request, self.settings.forge_secret_key)
        form = LoginForm(await request.form())
        if form.validate() and self.credentials_match(
            form.username.data or "", form.password.data or ""
        ):
            request.session.clear()  # a fresh session: none fixed before the login
            request.session[LOGGED_IN] = True
            return True
        await asyncio.sleep(FAILED_LOGIN_DELAY_SECONDS)
        return False

    async def logout(self, request: Request) -> bool:
        request.session.clear()
        return True

    async def authenticate(self, request: Request) -> bool:
        # SQLAdmin calls this first on every page but the login: the forms built
        # after it find this request's session.
        bind(request, self.settings.forge_secret_key)
        return request.session.get(LOGGED_IN) is True

    def credentials_match(self, username: str, password: str) -> bool:
        """Both equal the configured ones, compared in time independent of them."""
        user_ok = hmac.compare_digest(
            username.encode(), self.settings.forge_admin_user.encode()
        )
        password_ok = hmac.compare_digest(
            password.encode(), self.settings.forge_admin_password.encode()
        )
        return user_ok & password_ok  # both compared, always


class UserForm(CSRFForm):
    """The add and edit form, whose fields only render: the API's rules decide."""

    # No validators of WTForms' own (SQLAdmin would scaffold Length and
    # InputRequired from the column), so each field has one error: the API's.
    # SQLAdmin's own forms carry this class, which its CSS styles.
    name = StringField("Name", render_kw={"class": "form-control"})
    tier = SelectField(
        "Tier",
        choices=[(tier, tier) for tier in TIERS],
        default=DEFAULT_TIER,
        validate_choice=False,
        render_kw={"class": "form-control"},
    )

    def validate(self, extra_validators: Any = None) -> bool:
        """Validate as the API does: ``UserCreate`` and its error texts (R11)."""
        if not super().validate(extra_validators):  # the CSRF token
            return False
        given = {"name": self.name.data, "tier": self.tier.data}
        try:
            user = UserCreate.model_validate(
                {name: value for name, value in given.items() if value is not None}
            )
        except ValidationError as error:
            for problem in error.errors():
                item = error_item({**problem, "loc": ("body", *problem["loc"])})
                field = self[item["pointer"].removeprefix("#/")]
                field.errors = [*field.errors, item["detail"]]
            return False
        self.name.data, self.tier.data = user.name, user.tier  # stripped
        return True


class UserAdmin(ModelView, model=User):
    """The users: listed by id, filtered by tier, searched by name."""

    name_plural = "Users"
    form = UserForm
    column_list = (User.id, User.name, User.tier, User.created_at)
    column_filters = (StaticValuesFilter(User.tier, [(tier, tier) for tier in TIERS]),)
    column_searchable_list = (User.name,)
    column_default_sort = "id"

    async def on_model_change(
        self, data: dict[str, Any], model: User, is_created: bool, request: Request
    ) -> None:
        # R16: as views.create_user sets it; the model has no default of its own.
        if is_created:
            model.created_at = datetime.now(UTC)

    async def insert_model(self, request: Request, data: dict[str, Any]) -> Any:
        return await unique_name(super().insert_model(request, data))

    async def update_model(
        self, request: Request, pk: str, data: dict[str, Any]
    ) -> Any:
        return await unique_name(super().update_model(request, pk, data))


async def unique_name(saving: Any) -> Any:
    """Save; the unique name_key's refusal is the API's 409 text, not SQL (R18)."""
    # SQLAdmin shows an exception's text above the form, and logs its traceback.
    try:
        return await saving
    except IntegrityError as error:
        raise ValueError(NAME_CONFLICT.detail) from error
    except SQLAlchemyError as error:  # R25's text, never the database's own
        raise ValueError(INTERNAL_ERROR.detail) from error


def init_app(app: FastAPI, settings: Settings, engine: AsyncEngine) -> None:
    """Mount the admin at /admin/ on ``app``, if ``settings`` has both credentials."""
    if not settings.admin_enabled():
        return
    admin = Admin(
        app,
        engine,
        title="Forge",
        templates_dir=str(TEMPLATES),
        authentication_backend=AdminAuth(settings),
    )
    admin.add_view(UserAdmin)

    def login_csrf_field(request: Request) -> str:
        """The login page's CSRF field (``templates/sqladmin/login.html``)."""
        bind(request, settings.forge_secret_key)
        return str(LoginForm()["csrf_token"]())

    admin.templates.env.globals["login_csrf_field"] = login_csrf_field
