"""The Forge users API in Flask, marshmallow and Flask-SQLAlchemy (SQLAlchemy 2.0).

Counterparts: ``fastapi_forge`` and ``django_forge``. Build it with
``app.create_app()``.
"""
