"""The ``users`` table as a Django model.

Counterparts: ``fastapi_forge/models.py``, ``flask_forge/models.py``.
"""

from typing import Any

from django.db import models

from django_forge.contract import MAX_NAME_LENGTH


class Tier(models.TextChoices):
    """The tiers of R13, spelled as the contract spells them."""

    STANDARD = "Standard"
    PRO = "Pro"
    ENTERPRISE = "Enterprise"


class User(models.Model):
    """A user of the contract: id, name, tier and creation time."""

    # R17: on SQLite Django declares it AUTOINCREMENT: no id is handed out again.
    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=MAX_NAME_LENGTH)
    # R18: the unique index compares casefolded names; casefold() can triple a length.
    name_key = models.CharField(max_length=3 * MAX_NAME_LENGTH, unique=True)
    tier = models.CharField(max_length=10, choices=Tier, default=Tier.STANDARD)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "users"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Keep ``name_key`` in step with ``name``: before validation (the admin's
        form runs it) and on every save."""
        self.name_key = self.name.casefold()

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save with ``name_key`` in step with ``name``."""
        self.clean()
        if not self._state.adding:
            # R22: Django inserts a row its UPDATE did not find, so a user that a racing
            # DELETE removed would come back. Forced, the update raises instead.
            kwargs.setdefault("force_update", True)
        super().save(*args, **kwargs)
