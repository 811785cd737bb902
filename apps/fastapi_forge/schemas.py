"""Request and response shapes: pydantic models that carry the contract's field rules.

Counterparts: ``flask_forge/schemas.py`` (marshmallow), ``django_forge/serializers.py``.
The error *codes* are decided here; their contract texts live in ``errors.py``.
"""

import re
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

Tier = Literal["Standard", "Pro", "Enterprise"]
TIER_SCHEMA = {"type": "string", "enum": ["Standard", "Pro", "Enterprise"]}
MAX_NAME_LENGTH = 64
MAX_OFFSET = MAX_ID = 2**63 - 1
NO_CONTROL = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
RFC3339 = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f]")
CANONICAL_INTEGER = re.compile("0|[1-9][0-9]*")


def clean_name(value: str) -> str:
    """Strip the name as ``str.strip()`` does, then check it (R12, steps 4 to 7)."""
    # Not pydantic's str_strip_whitespace: it strips a different set of characters.
    name = value.strip()
    if not name:
        raise PydanticCustomError("blank", "blank after stripping")
    if len(name) > MAX_NAME_LENGTH:
        raise PydanticCustomError("too_long", "longer than 64 code points")
    if CONTROL_CHARACTERS.search(name):
        raise PydanticCustomError("invalid", "holds a control character")
    return name


def reject_null(value: object) -> object:
    """JSON null is an error of its own, never "unchanged" or "default" (R12, R13)."""
    if value is None:
        raise PydanticCustomError("null", "null")
    return value


# No length bounds in the JSON Schema: they apply to the stripped name (R12).
Name = Annotated[str, AfterValidator(clean_name)]


class UserCreate(BaseModel):
    """Body of POST /forge/users."""

    # strict: no coercion of 1 to "1"; forbid: unknown members are errors (R14).
    model_config = ConfigDict(strict=True, extra="forbid")

    name: Name
    tier: Tier = "Standard"

    _reject_null = field_validator("name", "tier", mode="before")(reject_null)


class UserUpdate(BaseModel):
    """Body of PATCH /forge/users/{id}: absent members stay unchanged."""

    model_config = ConfigDict(strict=True, extra="forbid")

    # None stands for "absent", which JSON null never means: not in the schema.
    name: Annotated[Name | None, WithJsonSchema({"type": "string"})] = None
    tier: Annotated[Tier | None, WithJsonSchema(TIER_SCHEMA)] = None

    _reject_null = field_validator("name", "tier", mode="before")(reject_null)


def rfc3339(moment: datetime) -> str:
    """Always UTC, six fractional digits and a Z (R1), which pydantic does not do."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class UserRead(BaseModel):
    """A user as every response shows it."""

    # forbid: the document says a user has exactly these members (R1).
    model_config = ConfigDict(from_attributes=True, extra="forbid")

    id: Annotated[int, Field(ge=1, le=MAX_ID)]
    name: Annotated[
        str, Field(min_length=1, max_length=MAX_NAME_LENGTH, pattern=NO_CONTROL)
    ]
    tier: Tier
    created_at: Annotated[
        datetime,
        PlainSerializer(rfc3339, return_type=str),
        WithJsonSchema({"type": "string", "format": "date-time", "pattern": RFC3339}),
    ]


class UserPage(BaseModel):
    """Body of GET /forge/users."""

    model_config = ConfigDict(extra="forbid")

    items: Annotated[list[UserRead], Field(max_length=100)]
    total: Annotated[int, Field(ge=0)]
    limit: Annotated[int, Field(ge=1, le=100)]
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)]


def single(values: list[str]) -> str:
    """A query parameter arrives as all its values: a repeated one is invalid (R20)."""
    if len(values) != 1:
        raise PydanticCustomError("repeated", "given more than once")
    return values[0]


def canonical_integer(value: str) -> int:
    """Digits only, no sign, no leading zeros: stricter than pydantic's int parsing."""
    if not CANONICAL_INTEGER.fullmatch(value):
        raise PydanticCustomError("type", "not a canonical decimal integer")
    # Twenty digits already exceed every bound; int() refuses over 4300 digits.
    return int(value) if len(value) <= 20 else MAX_OFFSET + 1


class UserListQuery(BaseModel):
    """Query of GET /forge/users, validated from every value of each parameter."""

    model_config = ConfigDict(extra="ignore")

    # The bounds first, so that they apply to the int and reach the JSON Schema.
    limit: Annotated[int, Field(ge=1, le=100), BeforeValidator(canonical_integer)] = 20
    offset: Annotated[
        int, Field(ge=0, le=MAX_OFFSET), BeforeValidator(canonical_integer)
    ] = 0
    tier: Annotated[Tier | None, WithJsonSchema(TIER_SCHEMA)] = None

    _single = field_validator("limit", "offset", "tier", mode="before")(single)


class Health(BaseModel):
    """Body of GET /healthz."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["ok"]
