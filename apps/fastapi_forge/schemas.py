"""Request and response shapes: pydantic models that carry the contract's field rules.

Counterparts: ``flask_forge/schemas.py`` (marshmallow), ``django_forge/serializers.py``.
The error *codes* are decided here; ``errors.py`` turns them into the contract's items.
"""

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from fastapi_forge.contract import (
    CONTROL_CHARACTERS,
    DEFAULT_LIMIT,
    MAX_ID,
    MAX_LIMIT,
    MAX_NAME_LENGTH,
    MAX_OFFSET,
    TIMESTAMP_FORMAT,
    parse_canonical_integer,
)
from fastapi_forge.openapi import (
    CREATE_EXAMPLE,
    NAME_INPUT_PATTERN,
    NAME_PATTERN,
    PAGE_EXAMPLE,
    TIER,
    TIMESTAMP_PATTERN,
    UPDATE_EXAMPLE,
    USER_EXAMPLE,
)

Tier = Literal["Standard", "Pro", "Enterprise"]


def clean_name(value: str) -> str:
    """Strip the name as ``str.strip()`` does, then check it (R12, steps 4 to 7)."""
    # Not pydantic's str_strip_whitespace: it strips a different set of characters.
    name = value.strip()
    if not name:
        raise PydanticCustomError("blank", "blank after stripping")
    if len(name) > MAX_NAME_LENGTH:
        raise PydanticCustomError("too_long", "longer than 64 code points")
    if any(character in CONTROL_CHARACTERS for character in name):
        raise PydanticCustomError("invalid", "holds a control character")
    return name


def reject_null(value: object) -> object:
    """JSON null is an error of its own, never "unchanged" or "default" (R12, R13)."""
    if value is None:
        raise PydanticCustomError("null", "null")
    return value


NotNull = BeforeValidator(reject_null)
# R12 in the JSON Schema as one pattern, for tools: no length bounds, which would
# count the name before stripping. The checks themselves are clean_name's.
NAME_SCHEMA = {"type": "string", "pattern": NAME_INPUT_PATTERN}
Name = Annotated[str, AfterValidator(clean_name), WithJsonSchema(NAME_SCHEMA)]


class UserCreate(BaseModel):
    """Body of POST /forge/users."""

    # R14: strict, no coercion of 1 to "1"; forbid, unknown members are errors.
    model_config = ConfigDict(
        strict=True, extra="forbid", json_schema_extra={"examples": [CREATE_EXAMPLE]}
    )

    name: Annotated[Name, NotNull]
    tier: Annotated[Tier, NotNull] = "Standard"  # R13


class UserUpdate(BaseModel):
    """Body of PATCH /forge/users/{id}: absent members stay unchanged."""

    model_config = ConfigDict(
        strict=True, extra="forbid", json_schema_extra={"examples": [UPDATE_EXAMPLE]}
    )

    # None stands for "absent", which JSON null never means: not in the schema.
    name: Annotated[Name | None, NotNull, WithJsonSchema(NAME_SCHEMA)] = None
    tier: Annotated[Tier | None, NotNull, WithJsonSchema(TIER)] = None


def rfc3339(moment: datetime) -> str:
    """Always UTC, six fractional digits and a Z (R1), which pydantic does not do."""
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


class UserRead(BaseModel):
    """A user as every response shows it."""

    # forbid: the document says a user has exactly these members (R1).
    model_config = ConfigDict(
        from_attributes=True,
        extra="forbid",
        json_schema_extra={"examples": [USER_EXAMPLE]},
    )

    id: Annotated[int, Field(ge=1, le=MAX_ID)]
    name: Annotated[
        str, Field(min_length=1, max_length=MAX_NAME_LENGTH, pattern=NAME_PATTERN)
    ]
    tier: Tier
    created_at: Annotated[
        datetime,
        PlainSerializer(rfc3339, return_type=str),
        WithJsonSchema(
            {"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN}
        ),
    ]


class UserPage(BaseModel):
    """Body of GET /forge/users."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [PAGE_EXAMPLE]}
    )

    items: Annotated[list[UserRead], Field(max_length=MAX_LIMIT)]
    total: Annotated[int, Field(ge=0)]
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)]
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)]


def single(values: list[str]) -> str:
    """A query parameter arrives as all its values: a repeated one is invalid (R20)."""
    if len(values) != 1:
        raise PydanticCustomError("repeated", "given more than once")
    return values[0]


def canonical_integer(value: str) -> int:
    """Digits only, no sign, no leading zeros: stricter than pydantic's int parsing."""
    try:
        return parse_canonical_integer(value)
    except ValueError as error:
        raise PydanticCustomError("type", "not a canonical decimal integer") from error


# R20: validators run right to left, so "given once" is checked before the value;
# the bounds come first, so they apply to the int and reach the JSON Schema.
Once = BeforeValidator(single)
Integer = BeforeValidator(canonical_integer)


class UserListQuery(BaseModel):
    """Query of GET /forge/users, validated from every value of each parameter."""

    model_config = ConfigDict(extra="ignore")

    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT), Integer, Once] = DEFAULT_LIMIT
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET), Integer, Once] = 0
    tier: Annotated[Tier | None, Once, WithJsonSchema(TIER)] = None


def list_query(request: Request) -> UserListQuery:
    """The list query, validated from all values of each parameter (R20)."""
    # FastAPI keeps only the last value of a repeated parameter, so read them all here.
    params = request.query_params
    given = {
        name: params.getlist(name)
        for name in UserListQuery.model_fields
        if name in params
    }
    try:
        return UserListQuery.model_validate(given)
    except ValidationError as error:
        errors = [{**item, "loc": ("query", *item["loc"])} for item in error.errors()]
        raise RequestValidationError(errors) from error


ListQueryDep = Annotated[UserListQuery, Depends(list_query)]


class Health(BaseModel):
    """Body of GET /healthz."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["ok"]
