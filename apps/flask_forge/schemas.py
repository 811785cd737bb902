"""Request and response shapes: marshmallow schemas that carry the contract's rules.

Counterparts: ``fastapi_forge/schemas.py`` (pydantic), ``django_forge/serializers.py``.
Flask validates nothing by itself; marshmallow does it here. Each error *message* below
is the contract's error code; ``errors.py`` turns them into the contract's items.
"""

from typing import Any

from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)
from werkzeug.datastructures import MultiDict

from flask_forge.contract import (
    CONTROL_CHARACTERS,
    DEFAULT_LIMIT,
    DEFAULT_TIER,
    MAX_ID,
    MAX_LIMIT,
    MAX_NAME_LENGTH,
    MAX_OFFSET,
    TIERS,
    TIMESTAMP_FORMAT,
    parse_canonical_integer,
)
from flask_forge.errors import QueryValidationError
from flask_forge.openapi import (
    NAME_EXAMPLE,
    NAME_INPUT_PATTERN,
    NAME_PATTERN,
    TIMESTAMP_EXAMPLE,
    TIMESTAMP_PATTERN,
)

INT64 = {"format": "int64"}
# R12 in the document as one pattern, for tools; the checks are Name's validators.
NAME_METADATA = {"pattern": NAME_INPUT_PATTERN, "examples": [NAME_EXAMPLE]}


class JSONString(fields.String):
    """A JSON string member; null and other JSON types are errors (R12, R13)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            error_messages={"required": "required", "null": "null", "invalid": "type"},
            **kwargs,
        )


class Name(JSONString):
    """A name as R12 checks it: stripped, then not blank, short, no control codes."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            validate=[
                validate.Length(min=1, error="blank"),
                validate.Length(max=MAX_NAME_LENGTH, error="too_long"),
                validate.ContainsNoneOf(CONTROL_CHARACTERS, error="invalid"),
            ],
            **kwargs,
        )

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> str:
        # Exactly str.strip(): marshmallow has no stripping of its own.
        return super()._deserialize(value, attr, data, **kwargs).strip()


class Tier(JSONString):
    """A tier as R13 checks it: exactly one of the three, case-sensitive, unstripped."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=validate.OneOf(TIERS, error="enum"), **kwargs)


class Body(Schema):
    """A JSON object body: a member no field names is an error (R10, R14)."""

    # marshmallow reads the schema's messages from the class only.
    error_messages = {"type": "type", "unknown": "unknown_field"}  # noqa: RUF012

    class Meta:
        unknown = RAISE


class UserCreate(Body):
    """Body of POST /forge/users."""

    name = Name(required=True, metadata=NAME_METADATA)
    tier = Tier(load_default=DEFAULT_TIER)  # R13


class UserUpdate(Body):
    """Body of PATCH /forge/users/{id}: absent members stay unchanged."""

    name = Name(metadata=NAME_METADATA)
    tier = Tier(metadata={"examples": ["Pro"]})


# The output schemas only dump: required, validate and metadata below are for the
# OpenAPI document, which apispec draws from them.


class UserRead(Schema):
    """A user as every response shows it."""

    id = fields.Integer(
        required=True, validate=validate.Range(1, MAX_ID), metadata=INT64
    )
    name = fields.String(
        required=True,
        validate=validate.Length(1, MAX_NAME_LENGTH),
        metadata={"pattern": NAME_PATTERN, "examples": [NAME_EXAMPLE]},
    )
    tier = fields.String(required=True, validate=validate.OneOf(TIERS))
    # Always UTC (the model sees to it), six fractional digits and a Z (R1).
    created_at = fields.DateTime(
        format=TIMESTAMP_FORMAT,
        required=True,
        metadata={"pattern": TIMESTAMP_PATTERN, "examples": [TIMESTAMP_EXAMPLE]},
    )


class UserPage(Schema):
    """Body of GET /forge/users."""

    items = fields.List(
        fields.Nested(UserRead), required=True, validate=validate.Length(max=MAX_LIMIT)
    )
    total = fields.Integer(required=True, validate=validate.Range(0), metadata=INT64)
    limit = fields.Integer(required=True, validate=validate.Range(1, MAX_LIMIT))
    offset = fields.Integer(
        required=True, validate=validate.Range(0, MAX_OFFSET), metadata=INT64
    )


class CanonicalInteger(fields.Integer):
    """Digits only, no sign, no leading zeros: stricter than marshmallow's Integer."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(error_messages={"invalid": "type"}, **kwargs)

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> int:
        try:
            return parse_canonical_integer(value)
        except ValueError as error:
            raise self.make_error("invalid") from error


class UserListQuery(Schema):
    """Query of GET /forge/users; other parameters are ignored (R20)."""

    limit = CanonicalInteger(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(1, MAX_LIMIT, error="out_of_range"),
    )
    offset = CanonicalInteger(
        load_default=0,
        validate=validate.Range(0, MAX_OFFSET, error="out_of_range"),
        metadata=INT64,
    )
    tier = fields.String(validate=validate.OneOf(TIERS, error="enum"))

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def given_once(self, args: MultiDict[str, str], **kwargs: Any) -> dict[str, str]:
        """The parameters given once; a repeated one is left to ``not_repeated``."""
        return {name: values[0] for name, values in args.lists() if len(values) == 1}

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def not_repeated(
        self, query: dict[str, Any], args: MultiDict[str, str], **kwargs: Any
    ) -> None:
        """A repeated parameter is an error, whatever its values (R20)."""
        repeated = {
            name: ["repeated"] for name in self.fields if len(args.getlist(name)) > 1
        }
        if repeated:
            raise ValidationError(repeated)

    def handle_error(
        self, error: ValidationError, data: Any, *, many: bool, **kwargs: Any
    ) -> None:
        raise QueryValidationError(error.messages) from error


class Health(Schema):
    """Body of GET /healthz."""

    status = fields.String(required=True, validate=validate.OneOf(["ok"]))
