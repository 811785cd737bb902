"""The back-office admin at /admin/: Flask-Admin's SQLAlchemy ``ModelView`` of users.

Counterparts: ``fastapi_forge/admin.py`` (SQLAdmin), ``django_forge/admin.py``
(``django.contrib.admin``). Flask-Admin gives the list, filter, search and forms, and
CSRF through its ``SecureForm``; it leaves the login to the app ("Flask-Admin does
not make any assumptions about the authentication system"), so ``AdminHome`` has one:
the credentials of ``FORGE_ADMIN_USER`` and ``FORGE_ADMIN_PASSWORD`` compared in
constant time, a session in Flask's signed cookie, and a second's wait after each
failed try. What the contract adds is that the form takes no name or tier the API
would refuse: ``UserView`` validates it with the API's own schema and error texts
(R12, R13), and the unique ``name_key`` refuses a name as the API's 409 does (R18).
Without both credentials ``init_app`` adds nothing, and /admin/ is the route 404.
"""

import hmac
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.form import SecureForm
from flask_admin.menu import MenuLink
from flask_admin.theme import Bootstrap4Theme
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.wrappers import Response
from wtforms import Form, PasswordField, SelectField, StringField

from flask_forge.config import (
    admin_enabled,
    refused_in_one_line,
    require_secret_key,
)
from flask_forge.contract import DEFAULT_TIER, INTERNAL_ERROR, NAME_CONFLICT, TIERS
from flask_forge.db import db
from flask_forge.errors import error_items
from flask_forge.models import User
from flask_forge.schemas import UserCreate

FAILED_LOGIN_DELAY_SECONDS = 1.0
"""How long a failed login waits before its answer: a guess a second per worker.

Flask-Limiter, the ecosystem's rate limiter, counts in each worker's memory unless
given a Redis or Memcached server; a wait needs no shared state.
"""
LOGGED_IN = "forge_admin"
"""The session key that marks a logged-in admin."""


def credentials_match(username: str, password: str) -> bool:
    """Both equal the configured ones, compared in time independent of the values."""
    config = current_app.config
    # Both compared, always: "and" would skip the password for a wrong user name.
    user_ok = hmac.compare_digest(
        username.encode(), config["FORGE_ADMIN_USER"].encode()
    )
    password_ok = hmac.compare_digest(
        password.encode(), config["FORGE_ADMIN_PASSWORD"].encode()
    )
    return user_ok & password_ok


def logged_in() -> bool:
    """Whether this request's signed session belongs to a logged-in admin."""
    return session.get(LOGGED_IN) is True


class LoginForm(SecureForm):
    """The login form, with Flask-Admin's CSRF token in the session."""

    username = StringField("User name")
    password = PasswordField("Password")


class AdminHome(AdminIndexView):
    """/admin/: the index, behind the login and logout pages it adds."""

    @expose("/")
    def index(self) -> Response | str:
        """The admin's home page, once logged in."""
        if not logged_in():
            return redirect(url_for(".login"))
        return str(super().index())

    @expose("/login/", methods=("GET", "POST"))
    def login(self) -> Response | str:
        """Log in with the environment's credentials."""
        form = LoginForm(request.form)
        if request.method == "POST" and form.validate():
            if credentials_match(form.username.data or "", form.password.data or ""):
                session.clear()  # a fresh session: none fixed before the login
                session[LOGGED_IN] = True
                return redirect(url_for(".index"))
            time.sleep(FAILED_LOGIN_DELAY_SECONDS)
            form.form_errors.append("Wrong user name or password.")
        return str(self.render("admin/login.html", form=form))

    @expose("/logout/")
    def logout(self) -> Response:
        """Log out, and back to the login page."""
        session.clear()
        return redirect(url_for(".login"))


class UserForm(SecureForm):
    """The add and edit form, whose fields only render: the API's rules decide."""

    # No validators of WTForms' own (Flask-Admin would scaffold Length and
    # InputRequired from the column), so each field has one error: the API's.
    name = StringField("Name")
    tier = SelectField(
        "Tier",
        choices=[(tier, tier) for tier in TIERS],
        default=DEFAULT_TIER,
        validate_choice=False,
    )


class UserView(ModelView):
    """The users: listed by id, filtered by tier, searched by name."""

    form = UserForm
    column_list = ("id", "name", "tier", "created_at")
    column_filters = ("tier",)
    column_searchable_list = ("name",)
    column_default_sort = "id"

    def is_accessible(self) -> bool:
        return logged_in()

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Response:
        return redirect(url_for("admin.login"))

    def validate_form(self, form: UserForm) -> bool:
        """Validate as the API does: ``UserCreate`` and its error texts (R11)."""
        if not super().validate_form(form):  # the CSRF token
            return False
        given = {name: form[name].data for name in ("name", "tier")}
        try:
            fields = UserCreate().load(
                {name: value for name, value in given.items() if value is not None}
            )
        except ValidationError as error:
            for item in error_items(error, in_query=False):
                field = form[item["pointer"].removeprefix("#/")]
                field.errors = [*field.errors, item["detail"]]
            return False
        form.name.data, form.tier.data = fields["name"], fields["tier"]  # stripped
        return True

    def on_model_change(self, form: Form, model: User, is_created: bool) -> None:
        # R16: as views.create_user sets it; the model has no default of its own.
        if is_created:
            model.created_at = datetime.now(UTC)

    def handle_view_exception(self, exc: Exception) -> bool:
        # Flask-Admin would flash the database's own message, SQL included.
        if isinstance(exc, IntegrityError):  # R18: the unique name_key refused it
            flash(NAME_CONFLICT.detail, "error")
            return True
        if isinstance(exc, SQLAlchemyError):  # R25's text; the log has the rest
            current_app.logger.exception("The admin could not save a user")
            flash(INTERNAL_ERROR.detail, "error")
            return True
        return bool(super().handle_view_exception(exc))


def init_app(app: Flask) -> None:
    """Add the admin at /admin/ to ``app``, if its config has both credentials."""
    if not admin_enabled(app.config):
        return
    refused_in_one_line(require_secret_key, app.config["SECRET_KEY"])
    admin = Admin(app, name="Forge", index_view=AdminHome(), theme=Bootstrap4Theme())
    admin.add_view(UserView(User, db, name="Users"))
    admin.add_link(MenuLink("Log out", endpoint="admin.logout"))
