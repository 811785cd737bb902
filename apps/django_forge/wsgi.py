"""The WSGI entry point: ``gunicorn django_forge.wsgi``.

Counterparts: ``fastapi_forge/app.py`` (``create_app``, served by uvicorn),
``flask_forge/app.py``. ``asgi.py`` is the same for ASGI servers.
"""

import os

from django.core.wsgi import get_wsgi_application

from django_forge.settings import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_forge.settings")

application = get_wsgi_application()
require_secret_key()
