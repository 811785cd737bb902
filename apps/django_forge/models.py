"""The ``users`` table as a Django model.

Counterparts: ``fastapi_forge/models.py``, ``flask_forge/models.py``.
"""

from typing import Any

from django.db import models


class Tier(models.TextChoices):
    """The tiers of R13, spelled as the contract spells them."""

    STANDARD = "Standard"
    PRO = "Pro"
    ENTERPRISE = "Enterprise"


class User(models.Model):
    """A user of the contract: id, name, tier and creation time."""

    # On SQLite Django declares it AUTOINCREMENT: no id is handed out again (R17).
    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=64)
    # str.casefold() can triple a name's length; the unique index enforces R18.
    name_key = models.CharField(max_length=192, unique=True)
    tier = models.CharField(max_length=10, choices=Tier, default=Tier.STANDARD)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "users"

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep ``name_key`` in step with ``name`` on every save."""
        self.name_key = self.name.casefold()
        if not self._state.adding:
            # Django inserts a row its UPDATE did not find: a user that a racing DELETE
            # removed would come back. Forced, the update raises instead (R23).
            kwargs.setdefault("force_update", True)
        super().save(*args, **kwargs)
