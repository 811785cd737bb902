"""The ASGI entry point: ``uvicorn django_forge.asgi:application``.

Counterparts: ``fastapi_forge/app.py``, ``flask_forge/app.py``. ``wsgi.py`` is the same
for WSGI servers, gunicorn first.
"""

import os

from django.conf import settings
from django.core.asgi import get_asgi_application
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_forge.settings")

application = get_asgi_application()

# Django checks SECRET_KEY at its first use; a server checks it before serving.
try:
    settings.SECRET_KEY  # noqa: B018
except ImproperlyConfigured as error:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set: set it, or DJANGO_DEBUG=1 for a development key"
    ) from error
