"""The application factory, the flaskr way.

Counterparts: ``fastapi_forge/app.py``; ``django_forge/settings.py``, ``urls.py`` and
``wsgi.py``. Run it with ``gunicorn 'flask_forge.app:create_app()'``.
"""

from collections.abc import Mapping
from typing import Any

from flask import Flask, Request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from flask_forge import db, docs, errors, hosts, routing, views
from flask_forge.config import (
    admin_enabled,
    checked_hosts,
    checked_token,
    engine_options,
    from_environment,
    sqlalchemy_url,
)
from flask_forge.contract import HOSTS_VARIABLE, TOKEN_VARIABLE
from flask_forge.parsing import StrictJSONRequest


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON output, with the contract's choices written out."""

    ensure_ascii = False  # R5: non-ASCII characters as themselves, never \u escapes
    sort_keys = False  # members in the order the schemas declare them


class AdminSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, opened for the admin's paths alone.

    The admin is the session's one user (its login flag and CSRF token); Flask would
    otherwise read the cookie and build a signing serializer on every API request.
    Elsewhere Flask's null session stands in, which nothing reads and Flask never saves.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """The cookie's session under /admin/; None, the null session, elsewhere."""
        if not request.path.startswith("/admin/"):
            return None
        return super().open_session(app, request)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app on the environment's settings, overridden by ``config``."""
    # No static folder: R2 allows no paths besides the API's, /openapi.json and /docs.
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(from_environment())
    if config is not None:
        app.config.from_mapping(config)
    url = sqlalchemy_url(app.config)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(url),
        # R4: views.py answers OPTIONS itself; Flask's own is a 200 with text/html.
        PROVIDE_AUTOMATIC_OPTIONS=False,
    )
    app.config[TOKEN_VARIABLE] = checked_token(app.config)  # R26: None for none
    app.config[HOSTS_VARIABLE] = checked_hosts(app.config)  # R28
    app.request_class = StrictJSONRequest
    app.session_interface = AdminSessionInterface()
    app.json = JSONProvider(app)

    db.init_app(app)
    errors.init_app(app)
    hosts.init_app(app)  # R28 before routing's own checks
    routing.init_app(app)
    app.register_blueprint(views.bp)
    docs.init_app(app)
    if admin_enabled(app.config):
        # /admin/, outside the API (R2). Imported only when on: Flask-Admin, WTForms
        # and its SQLAlchemy views are 6 MiB a worker without the admin never uses.
        from flask_forge import admin

        admin.init_app(app)
    return app
