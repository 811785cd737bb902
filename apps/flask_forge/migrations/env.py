"""Alembic's entry point, run by Flask-Migrate inside an app context.

Counterparts: ``fastapi_forge/migrations/env.py`` (plain Alembic), Django's ``migrate``
command. The engine is Flask-SQLAlchemy's, so migrations go to the app's database;
for an SQLite file, one that may create it, which the app's never does (R24).
"""

from alembic import context
from flask import current_app

from flask_forge.db import migration_engine


def run_migrations() -> None:
    """Run the pending migrations on one connection, in one transaction."""
    db = current_app.extensions["migrate"].db
    with migration_engine(db.engine).connect() as connection:
        context.configure(connection=connection, target_metadata=db.metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
