"""What each framework's OpenAPI document cannot say as the contract's one does.

The one table of known differences: ``tests/test_openapi.py`` fails on any difference
that no entry explains and on any entry that explains none, and checks that the README's
section "What each framework's OpenAPI says" shows this same table.
"""

from dataclasses import dataclass
from fnmatch import fnmatchcase


@dataclass(frozen=True)
class Gap:
    """Differences of one app's document matching ``where`` (an fnmatch pattern)."""

    app: str
    where: str
    reason: str


GAPS: tuple[Gap, ...] = (
    Gap(
        "fastapi",
        "* format",
        "pydantic has no 64-bit integer type, so writes no `format: int64`",
    ),
    Gap(
        "fastapi",
        "* responses 20? * maximum",
        "FastAPI's OpenAPI models type `maximum` as a float: 2^63-1 is written"
        " 9.223372036854776e+18",
    ),
    Gap(
        "django",
        "HEAD *",
        "DRF's endpoint enumerator, which drf-spectacular uses, skips HEAD",
    ),
    Gap(
        "django",
        "OPTIONS *",
        "DRF's endpoint enumerator, which drf-spectacular uses, skips OPTIONS",
    ),
    Gap(
        "django",
        "* responses 20? * name m[ia][nx]Length",
        "drf-spectacular writes minLength 1 on request bodies only",
    ),
    Gap(
        "django",
        "* created_at pattern",
        "drf-spectacular writes a DateTimeField as `format: date-time` only,"
        " whatever its output format",
    ),
    Gap(
        "django",
        "* responses 20? * required",
        "drf-spectacular takes a field's presence in responses from its input rule:"
        " tier may be absent from a create, so it is not required in a user either",
    ),
    Gap(
        "django",
        "* total format",
        "drf-spectacular writes `format: int64` only for an IntegerField whose"
        " max_value needs it; the total has none",
    ),
    Gap(
        "django",
        "* items maxItems",
        "drf-spectacular writes no maxItems, even for a ListSerializer's max_length",
    ),
    Gap(
        "django",
        "POST * requestBody * tier default",
        "drf-spectacular writes no default for a member the model defaults",
    ),
    Gap(
        "django",
        "* parameters query tier schema minLength",
        "drf-spectacular writes minLength 1 for a ChoiceField refusing blanks,"
        " implied by its enum",
    ),
)


def explains(gap: Gap, place: str) -> bool:
    """Whether ``gap`` explains a difference at ``place`` of a normalized document."""
    return fnmatchcase(place, gap.where)


def explained(app: str, place: str) -> list[Gap]:
    """The gaps of ``app`` that explain a difference at ``place``."""
    return [gap for gap in GAPS if gap.app == app and explains(gap, place)]
