"""The application factory.

Counterparts: ``flask_forge/app.py``; ``django_forge/settings.py``, ``urls.py`` and
``asgi.py``. Run it with ``uvicorn fastapi_forge.app:create_app --factory``.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import async_sessionmaker

from fastapi_forge import docs, errors, views
from fastapi_forge.config import Settings
from fastapi_forge.contract import VERSION
from fastapi_forge.db import open_engine, open_read_engine
from fastapi_forge.hosts import ServedHostsMiddleware


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app on the ``settings`` given (the environment's by default)."""
    settings = settings or Settings()
    # Before anything opens: a bad token or host list stops here.
    api_token, hosts = settings.api_token(), settings.hosts()
    url = settings.sqlalchemy_url()
    engine = open_engine(url)
    read_engine = open_read_engine(url, engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await read_engine.dispose()
        await engine.dispose()

    app = FastAPI(
        title="Forge users API (FastAPI)",
        version=VERSION,
        lifespan=lifespan,
        # R2: a trailing slash is a 404, never a redirect.
        redirect_slashes=False,
        # R2: /openapi.json and /docs are the only paths besides the API.
        # docs.py serves /docs itself, with Swagger UI's files from a package.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    # expire_on_commit=False: a committed user is still read to build the response.
    app.state.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    # Reads begin no transaction (db.open_read_engine): fewer round trips a request.
    app.state.read_sessionmaker = async_sessionmaker(read_engine)
    app.state.api_token = api_token  # what auth.py checks writes against (R26)
    errors.init_app(app)
    app.add_middleware(ServedHostsMiddleware, hosts=hosts)  # R28, before routing
    app.include_router(views.router)
    docs.init_app(app)
    if settings.admin_enabled():
        # Imported only then: a worker without the admin need not hold SQLAdmin,
        # WTForms and Jinja in memory.
        from fastapi_forge import admin

        admin.init_app(app, settings, engine)  # /admin/, outside the API (R2)
    return app
