"""The ASGI entry point: ``uvicorn django_forge.asgi:application``.

Counterparts: ``fastapi_forge/app.py``, ``flask_forge/app.py``. ``wsgi.py`` is the same
for WSGI servers, gunicorn first.
"""

import os

from django.core.asgi import get_asgi_application

from django_forge.settings import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_forge.settings")

application = get_asgi_application()
require_secret_key()
