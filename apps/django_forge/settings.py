"""Django's settings, read from the environment, with safe defaults for a laptop.

Counterparts: ``fastapi_forge/config.py`` and ``app.py``, ``flask_forge/config.py`` and
``app.py``. All three apps read ``DATABASE_URL``, ``FORGE_DATA_DIR``,
``FORGE_API_TOKEN`` (R26), ``FORGE_ALLOWED_HOSTS`` (R28) and the admin's
``FORGE_ADMIN_USER``, ``FORGE_ADMIN_PASSWORD`` and ``FORGE_HTTPS``; Django adds
``DJANGO_DEBUG`` and ``DJANGO_SECRET_KEY``.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any, NoReturn

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from django_forge.contract import (
    HOSTS_VARIABLE,
    TOKEN_VARIABLE,
    VERSION,
    api_token,
    served_hosts,
)

# On, Django answers an unknown path or a crash with its HTML debug pages, not R5.
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"

# Empty when DEBUG is off and no key is set. Django refuses an empty key at its first
# use, not at import, so commands that need none (migrate, mypy's django plugin) run
# without one; wsgi.py and asgi.py call require_secret_key(), so a server refuses.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or (
    "django-insecure-forge-development-only" if DEBUG else ""
)


def refuse(reason: str) -> NoReturn:
    """Stop the process with one line saying why."""
    # The process is ending: print the error alone, not a traceback of Django's
    # start-up, wherever it is printed (Python's own handler, gunicorn's log).
    sys.tracebacklimit = 0
    raise ImproperlyConfigured(reason) from None


def require_secret_key() -> None:
    """Refuse to serve without a secret key, in one line naming the variable to set."""
    if not SECRET_KEY:
        refuse(
            "DJANGO_SECRET_KEY is not set: set it, or DJANGO_DEBUG=1 for a"
            " development key"
        )


def forge_api_token() -> str:
    """The API token on writes (R26), empty for none; refuse one that is unusable."""
    try:
        return api_token(os.environ.get(TOKEN_VARIABLE)) or ""
    except ValueError as error:
        refuse(str(error))


# R26: checked here, at import, so migrate and every server refuse a bad token alike;
# auth.py reads it per request (tests switch it with override_settings).
FORGE_API_TOKEN = forge_api_token()


def forge_allowed_hosts() -> list[str]:
    """The hosts served (R28), loopback's names by default; refuse a bad setting."""
    try:
        return list(served_hosts(os.environ.get(HOSTS_VARIABLE)))
    except ValueError as error:
        refuse(str(error))


# R28, Django's own check: CommonMiddleware's get_host() refuses any other Host
# before the URL is resolved, and errors.handler400 answers the problem.
ALLOWED_HOSTS = forge_allowed_hosts()

FORGE_DATA_DIR = Path(os.environ.get("FORGE_DATA_DIR", "data"))
"""Relative to the working directory (git ignores ``data/``), not the package."""

CONNECT_TIMEOUT_SECONDS = 2
"""The longest a request waits to connect to the database server.

R24 and R25 want the 503 or 500 problem within 5 seconds whatever the database does;
on a server that accepts connections and then says nothing, libpq would wait forever.
Whole seconds: libpq's ``connect_timeout`` takes no fraction.
"""
QUERY_TIMEOUT_SECONDS = 2
"""The longest a statement may run or wait for a lock, and SQLite for a file's lock,
before it fails (R24, R25): with the connect, 4 s at most, inside the 4.5 s after which
the proxy in front answers for the app (R27). The server keeps this clock: psycopg has
none of its own for a reply that never comes, so the proxy ends such a request.
"""


def database(url: str) -> dict[str, Any]:
    """The ``DATABASES`` entry of a ``DATABASE_URL``, read by dj-database-url.

    Empty means an embedded SQLite file in ``FORGE_DATA_DIR``, whose folder is made here
    because SQLite will not make it. As in SQLAlchemy, ``sqlite:///relative/path`` and
    ``sqlite:////absolute/path``.

    A SQLite file is named by a URI with ``mode=rw`` (Django's backend opens every name
    as a URI), because ``sqlite3.connect`` creates a missing file, empty, where R24
    wants it to stay missing until ``migrate`` creates it
    (``management/commands/migrate.py``).
    """
    if not url:
        FORGE_DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{FORGE_DATA_DIR / 'django.sqlite3'}"
    # Connections are kept (CONN_MAX_AGE=None): a new one per request cost PostgreSQL
    # a backend's fork and authentication (4.8 ms of its CPU) and a GET 4 round trips.
    # What a connection per request gave for free, the backends/ keep: R24 on SQLite
    # (a kept connection follows the file at the path), R25 on PostgreSQL (no wait on
    # a kept connection lasts beyond a deadline).
    entry = dj_database_url.parse(url, conn_max_age=None)
    options = entry.setdefault("OPTIONS", {})
    if entry["ENGINE"] == "django.db.backends.postgresql":
        entry["ENGINE"] = "django_forge.backends.postgresql"
        options["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
        # R24, R25: a statement stuck behind a lock ends in an error, and a
        # transaction its client abandoned mid-way stops holding its locks. After the
        # URL's own options, where dj-database-url puts a currentSchema.
        milliseconds = QUERY_TIMEOUT_SECONDS * 1000
        options["options"] = " ".join(
            [
                *filter(None, [options.get("options")]),
                f"-c statement_timeout={milliseconds}",
                f"-c idle_in_transaction_session_timeout={milliseconds}",
            ]
        )
    if entry["ENGINE"] == "django.db.backends.sqlite3":
        entry["ENGINE"] = "django_forge.backends.sqlite3"
        # R24: before a request's first statement, the kept connection's file is
        # checked to be the one at the path (backends/sqlite3/base.py's is_usable).
        entry["CONN_HEALTH_CHECKS"] = True
        # R24, R25: how long to wait for another connection's lock on the file.
        options["timeout"] = QUERY_TIMEOUT_SECONDS
        # WAL lets readers go on while a writer commits. NORMAL in WAL mode syncs at
        # checkpoints only: a crash of the app or of its server loses no acknowledged
        # write (tests/test_reliability.py), a power loss or an OS crash may lose the
        # last commits. On every connection: a file made before, or by migrate, too.
        options["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"
        # A transaction that reads and then writes (the admin's saves, in Django's
        # atomic blocks) fails at once with "database is locked", not after the busy
        # timeout, when it upgrades to a write after another connection committed:
        # take the write lock at BEGIN. The API's writes are single statements in
        # autocommit, and its deletes' transactions begin with the DELETE.
        options["transaction_mode"] = "IMMEDIATE"
        if entry["NAME"] != ":memory:":
            # R24: open the file that is there, never create one (a URI needs a
            # full path).
            entry["NAME"] = f"{Path(entry['NAME']).absolute().as_uri()}?mode=rw"
    return dict(entry)


DATABASES = {"default": database(os.environ.get("DATABASE_URL", ""))}

# The back-office admin at /admin/ (admin.py), off unless both are set: /admin/ is
# then the route 404, so there is never a default password.
FORGE_ADMIN_USER = os.environ.get("FORGE_ADMIN_USER", "")
FORGE_ADMIN_PASSWORD = os.environ.get("FORGE_ADMIN_PASSWORD", "")

INSTALLED_APPS = [
    "rest_framework",
    "drf_spectacular",
    # The admin and what it stands on: its login is the auth user that migrate
    # creates from FORGE_ADMIN_USER, its sessions and messages live in the database.
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "axes",  # failed logins locked out
    # Last: its admin.py takes the auth models off the admin, which auth's put there.
    "django_forge",
]

# The API's views are DRF's, which are exempt from CSRF and authenticate only with
# auth.py's token: these middlewares serve the admin's pages.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",  # R28 first: the Host
    "django_forge.admin.off_without_credentials",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

# django-axes first: it refuses a locked-out login before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failed logins for a user name lock it for 15 minutes (then a 429 page). By
# name, not address: behind HAProxy every client comes from its Unix socket.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]  # "add ip_address": there is none to add
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False  # the admin shows the users table only

# The admin's cookies: signed sessions in the database, HttpOnly, SameSite=Lax (the
# CSRF cookie too: no script needs it), and Secure when clients come over TLS.
HTTPS = os.environ.get("FORGE_HTTPS", "") == "1"
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_NAME = "forge_django_admin"  # cookies ignore ports: not the others'
CSRF_COOKIE_NAME = "forge_django_csrf"
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS

ROOT_URLCONF = "django_forge.urls"
WSGI_APPLICATION = "django_forge.wsgi.application"

# R2: a path with a trailing slash is a 404, never a redirect to the path without.
APPEND_SLASH = False

# R20 ignores unknown query parameters, however many; the server's request line limit
# (4094 bytes in gunicorn) bounds them, not Django's 400 after 1000.
DATA_UPLOAD_MAX_NUMBER_FIELDS = None

# Stored and rendered in UTC whatever the server's zone (R1, R16).
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False

TEMPLATES = [  # drf-spectacular's Swagger UI page and the admin's pages
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# The admin's CSS and scripts, served by the app itself (admin.py), never a CDN.
STATIC_URL = "/admin/static/"

REST_FRAMEWORK = {
    # R7-R9: one parser, which owns the contract's media types, size and I-JSON.
    "DEFAULT_PARSER_CLASSES": ["django_forge.parsing.StrictJSONParser"],
    # R5: JSON only, whatever Accept says: no browsable API, no 406, no ?format=.
    "DEFAULT_RENDERER_CLASSES": ["django_forge.renderers.UnescapedJSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "django_forge.parsing.JSONOnlyNegotiation",
    "URL_FORMAT_OVERRIDE": None,
    "EXCEPTION_HANDLER": "django_forge.errors.exception_handler",
    # No users, sessions or Basic for the API (the admin's logins are not its):
    # only the users viewset authenticates, the API token on writes (auth.py, R26).
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Forge users API (Django REST Framework)",
    "VERSION": VERSION,
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request bodies without the read-only id and created_at, as the contract has them.
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    # Swagger UI's files from the app itself (docs.py), never from a CDN.
    "SWAGGER_UI_DIST": "/docs",
    "SWAGGER_UI_FAVICON_HREF": "/docs/favicon-32x32.png",
    # What the generator cannot say, said after it (docs.py); the first is its default.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "django_forge.docs.as_the_contract_says",
    ],
}

# With DEBUG off Django only mails a 500's traceback to ADMINS; write it to stderr.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR"}},
}
