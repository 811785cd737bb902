"""The ``users`` table as a typed SQLAlchemy 2.0 model.

Counterparts: ``flask_forge/models.py``, ``django_forge/models.py``.
"""

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Dialect, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates
from sqlalchemy.types import TypeDecorator


class Base(DeclarativeBase):
    """The declarative base whose metadata Alembic migrates."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back aware, in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        # SQLite stores no time zone: the value was written in UTC, so say so again.
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class User(Base):
    """A user of the contract: id, name, tier and creation time."""

    __tablename__ = "users"
    # AUTOINCREMENT makes SQLite never hand out an id again, even the highest (R17).
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64))
    # str.casefold() can triple a name's length; the unique index enforces R18.
    name_key: Mapped[str] = mapped_column(String(192), unique=True)
    tier: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @validates("name")
    def _fold_name(self, key: str, name: str) -> str:
        """Keep ``name_key`` in step with every assignment to ``name``."""
        self.name_key = name.casefold()
        return name
