"""The ``users`` table as a typed SQLAlchemy 2.0 model, through Flask-SQLAlchemy.

Counterparts: ``fastapi_forge/models.py``, ``django_forge/models.py``.
"""

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Dialect, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, validates
from sqlalchemy.types import TypeDecorator

from flask_forge.contract import MAX_NAME_LENGTH
from flask_forge.db import db


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back aware, in UTC (R16)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        # SQLite stores no time zone: the value was written in UTC, so say so again.
        # PostgreSQL answers in the connection's time zone, which may be another.
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# mypy cannot subclass db.Model, a class made at run time (python/mypy#8603); the
# Flask-SQLAlchemy maintainers advise ignoring this line.
class User(db.Model):  # type: ignore[name-defined, misc]
    """A user of the contract: id, name, tier and creation time."""

    # Written out: Flask-SQLAlchemy would name the table "user".
    __tablename__ = "users"
    # R17: AUTOINCREMENT makes SQLite never hand out an id again, even the highest.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH))
    # R18: the unique index compares casefolded names; casefold() can triple a length.
    name_key: Mapped[str] = mapped_column(String(3 * MAX_NAME_LENGTH), unique=True)
    tier: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @validates("name")
    def _fold_name(self, key: str, name: str) -> str:
        """Keep ``name_key`` in step with every assignment to ``name``."""
        self.name_key = name.casefold()
        return name
