"""The contract's validation rules (R10-R14, R18) as a small reference model.

The fuzz tests judge a body by these functions, written from the README's rule text,
never by what the apps answered: an answer that all three apps agree on can still be
wrong.
"""

from typing import Any
from urllib.parse import quote

TIERS = ("Standard", "Pro", "Enterprise")
MAX_NAME = 64
# R11: the characters of RFC 3986's fragment set that a pointer keeps as they are.
FRAGMENT_SAFE = "-._~!$&'()*+,;=:@/?"

Error = dict[str, str]


def pointer(member: str) -> str:
    """The R11 pointer of a member: RFC 6901, then percent-encoded as a fragment."""
    escaped = member.replace("~", "~0").replace("/", "~1")
    return "#/" + quote(escaped, safe=FRAGMENT_SAFE)


def is_control(char: str) -> bool:
    """U+0000-U+001F and U+007F-U+009F (R12 step 7)."""
    return ord(char) <= 0x1F or 0x7F <= ord(char) <= 0x9F


def name_error(value: Any) -> str | None:
    """The one error code of a ``name`` that is present, or None (R12 steps 2-7)."""
    if value is None:
        return "null"
    if not isinstance(value, str):
        return "type"
    stripped = value.strip()
    if not stripped:
        return "blank"
    if len(stripped) > MAX_NAME:
        return "too_long"
    if any(is_control(char) for char in stripped):
        return "invalid"
    return None


def tier_error(value: Any) -> str | None:
    """The one error code of a ``tier`` that is present, or None (R13)."""
    if value is None:
        return "null"
    if not isinstance(value, str):
        return "type"
    return None if value in TIERS else "enum"


def body_errors(body: Any, *, create: bool) -> list[tuple[str, str]]:
    """The (pointer, code) of every error of a valid JSON body, sorted as R11 says."""
    if not isinstance(body, dict):
        return [("#", "type")]
    errors = []
    if "name" in body:
        code = name_error(body["name"])
        if code is not None:
            errors.append(("#/name", code))
    elif create:
        errors.append(("#/name", "required"))
    if "tier" in body and (code := tier_error(body["tier"])) is not None:
        errors.append(("#/tier", code))
    errors += [
        (pointer(member), "unknown_field")
        for member in body
        if member not in ("name", "tier")
    ]
    return sorted(errors)


def is_noncharacter(char: str) -> bool:
    """U+FDD0-U+FDEF, and U+xFFFE and U+xFFFF in every plane (R9)."""
    return 0xFDD0 <= ord(char) <= 0xFDEF or ord(char) & 0xFFFE == 0xFFFE


def has_noncharacter(value: Any) -> bool:
    """Whether a string anywhere in a JSON value, member names included, holds one."""
    if isinstance(value, str):
        return any(is_noncharacter(char) for char in value)
    if isinstance(value, dict):
        return any(has_noncharacter(k) or has_noncharacter(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_noncharacter(item) for item in value)
    return False


def stored_name(name: str) -> str:
    """The name as the server stores it (R12 step 4)."""
    return name.strip()


def same_name(one: str, other: str) -> bool:
    """Whether two stored names are one name for uniqueness (R18)."""
    return one.casefold() == other.casefold()
