"""Request and response shapes: DRF serializers that carry the contract's field rules.

Counterparts: ``fastapi_forge/schemas.py`` (pydantic), ``flask_forge/schemas.py``
(marshmallow). The error *codes* are decided here; ``errors.py`` turns them into the
contract's items.
"""

from collections.abc import Mapping
from datetime import UTC
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.core.validators import RegexValidator
from django.http import QueryDict
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.fields import empty

from django_forge.contract import (
    DEFAULT_LIMIT,
    MAX_ID,
    MAX_LIMIT,
    MAX_NAME_LENGTH,
    MAX_OFFSET,
    TIMESTAMP_FORMAT,
    parse_canonical_integer,
)
from django_forge.models import Tier, User
from django_forge.openapi import NAME_PATTERN

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class NameField(serializers.CharField):
    """A name (R12): a string, stripped, 1 to 64 code points, no control characters."""

    # CharField's own trimming is str.strip(), and its blank check comes first: R12's
    # steps 4 and 5 as the contract words them.
    default_error_messages: ClassVar[dict[str, "StrOrPromise"]] = {
        "type": "not a string"
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=MAX_NAME_LENGTH, **kwargs)
        # Appended after max_length's validator, so too_long is reported first.
        # R12's pattern as the document writes it, with \u escapes: drf-spectacular
        # copies it into the document, where raw control characters are not allowed.
        self.validators.append(RegexValidator(NAME_PATTERN, code="invalid"))

    def to_internal_value(self, data: Any) -> str:
        # CharField would store the number 1 as "1".
        if not isinstance(data, str):
            self.fail("type")
        return super().to_internal_value(data)


class TierField(serializers.ChoiceField):
    """A tier (R13): exactly one of the choices, case-sensitive and unstripped."""

    default_error_messages: ClassVar[dict[str, "StrOrPromise"]] = {
        "type": "not a string"
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Tier.choices, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        # ChoiceField compares str(data), so the number 1 would be a wrong choice.
        if not isinstance(data, str):
            self.fail("type")
        return str(super().to_internal_value(data))


class UserSerializer(serializers.ModelSerializer[User]):
    """A user: the body of POST (PATCH with ``partial=True``) and every response."""

    # Declared for the document: a positive 64-bit integer (R1, R17).
    id = serializers.IntegerField(read_only=True, min_value=1, max_value=MAX_ID)
    name = NameField()
    # R13: absent from a create, the model's default applies: Standard.
    tier = TierField(required=False)
    # Not DRF's ISO 8601, which drops a zero fraction: always six digits and a Z (R1).
    created_at = serializers.DateTimeField(
        read_only=True, format=TIMESTAMP_FORMAT, default_timezone=UTC
    )

    class Meta:
        model = User
        fields = ("id", "name", "tier", "created_at")
        read_only_fields = ("id",)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        """Validate the known members, and report every other member too (R14)."""
        # DRF ignores members it has no field for.
        writable = {name for name, field in self.fields.items() if not field.read_only}
        errors: dict[str, Any] = (
            {
                name: [ErrorDetail("not allowed", code="unknown_field")]
                for name in data.keys() - writable
            }
            if isinstance(data, Mapping)
            else {}
        )
        try:
            validated: dict[str, Any] = super().to_internal_value(data)
        except ValidationError as error:
            errors.update(cast(dict[str, Any], error.detail))
        if errors:
            raise ValidationError(errors)
        return validated


# One page, not a list of them, though the list action returns it.
@extend_schema_serializer(many=False)
class UserPageSerializer(serializers.Serializer[dict[str, Any]]):
    """Body of GET /forge/users."""

    # The bounds document the output (R19); nothing validates it.
    items = UserSerializer(many=True)
    total = serializers.IntegerField(min_value=0)
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT)
    offset = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET)


class QueryParameter(serializers.Field[Any, Any, Any, Any]):
    """A query parameter, validated from all its values: one at most (R20)."""

    default_error_messages: ClassVar[dict[str, "StrOrPromise"]] = {
        "repeated": "given more than once"
    }

    def get_value(self, dictionary: Mapping[str, Any]) -> Any:
        # Field.get_value keeps a QueryDict's last value and reads "" as absent.
        assert isinstance(dictionary, QueryDict)
        return dictionary.getlist(str(self.field_name)) or empty

    def run_validation(self, data: Any = empty) -> Any:
        if data is empty:
            return super().run_validation(data)
        if len(data) > 1:
            self.fail("repeated")
        return super().run_validation(data[0])


class CanonicalIntegerField(QueryParameter, serializers.IntegerField):
    """Digits only, no sign, no leading zeros: stricter than IntegerField's int()."""

    def to_internal_value(self, data: str) -> int:
        try:
            return parse_canonical_integer(data)
        except ValueError:
            self.fail("invalid")


class QueryChoiceField(QueryParameter, serializers.ChoiceField):
    """One of the choices, exactly."""


class UserListQuerySerializer(serializers.Serializer[dict[str, Any]]):
    """Query of GET /forge/users; every other parameter is ignored."""

    limit = CanonicalIntegerField(
        min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT
    )
    offset = CanonicalIntegerField(min_value=0, max_value=MAX_OFFSET, default=0)
    tier = QueryChoiceField(choices=Tier.choices, required=False)


class HealthSerializer(serializers.Serializer[dict[str, Any]]):
    """Body of GET /healthz."""

    status = serializers.ChoiceField(choices=["ok"])
