"""The Forge users API in Django, Django REST Framework and the Django ORM.

Counterparts: ``fastapi_forge`` and ``flask_forge``. Serve it with
``gunicorn django_forge.wsgi``; ``settings.py`` says what it reads from the environment.
"""
