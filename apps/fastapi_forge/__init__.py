"""The Forge users API in FastAPI, pydantic v2 and async SQLAlchemy 2.0.

Counterparts: ``flask_forge`` and ``django_forge``. Build it with ``app.create_app()``.
"""
