"""The WSGI entry point: ``gunicorn django_forge.wsgi``.

Counterparts: ``fastapi_forge/app.py`` (``create_app``, served by uvicorn),
``flask_forge/app.py``. ``asgi.py`` is the same for ASGI servers.
"""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_forge.settings")

application = get_wsgi_application()

# Django checks SECRET_KEY at its first use; a server checks it before serving.
try:
    settings.SECRET_KEY  # noqa: B018
except ImproperlyConfigured as error:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set: set it, or DJANGO_DEBUG=1 for a development key"
    ) from error
