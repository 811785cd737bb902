"""The contract's fixed values and texts, written once for every framework.

This file is the same in ``fastapi_forge``, ``flask_forge`` and ``django_forge``: it
knows no framework, and is copied rather than shared so that each app's folder lifts
out alone (``tests/test_layout.py`` keeps the copies identical). It holds what the
contract fixes and a framework would otherwise restate: the problem table (R5), the
422's error items (R11), the bounds of names, ids and pages, the tiers, the id regex
(R3), the order of ``Allow`` (R4), the API token's rules (R26) and the hosts served
(R28).
"""

import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

VERSION = "1.4.0"
"""The contract's version, which each app's OpenAPI document states."""
PROBLEM_JSON = "application/problem+json"

TIERS = ("Standard", "Pro", "Enterprise")
DEFAULT_TIER = "Standard"  # R13: a create without a tier
MAX_NAME_LENGTH = 64  # R12, in code points, after stripping
# R12 step 7: C0, DEL and C1, which a stripped name may not hold.
CONTROL_CHARACTERS = "".join(map(chr, [*range(0x20), *range(0x7F, 0xA0)]))
MAX_ID = MAX_OFFSET = 2**63 - 1  # R3, R20: the largest id and offset SQL takes
DEFAULT_LIMIT, MAX_LIMIT = 20, 100  # R20
# R1: always UTC, six fractional digits and a capital Z, never +00:00.
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
# R4: the order of the Allow header, whatever order a framework keeps methods in.
METHOD_ORDER = ("GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS")
CANONICAL_INTEGER = re.compile("0|[1-9][0-9]*")


@dataclass(frozen=True)
class Problem:
    """One row of the contract's problem table (R5)."""

    status: int
    title: str
    detail: str
    type: str = "about:blank"

    def body(self) -> dict[str, Any]:
        """The problem document, without the ``errors`` of a 422."""
        return {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }


# The titles of about:blank problems are RFC 9110's reason phrases, written out:
# Python 3.11's HTTPStatus still says "Request Entity Too Large" for 413.
MALFORMED_JSON = Problem(
    400,
    "Malformed JSON",
    "The request body is not a valid I-JSON document.",
    "urn:forge:problem:malformed-json",
)
HOST_NOT_SERVED = Problem(
    400,
    "Host not served",
    "The Host header does not name a host that this server serves.",
    "urn:forge:problem:host-not-served",
)
UNAUTHORIZED = Problem(
    401,
    "Authentication required",
    "This request needs a valid bearer token in the Authorization header.",
    "urn:forge:problem:unauthorized",
)
ROUTE_NOT_FOUND = Problem(404, "Not Found", "No API path matches this URL.")
USER_NOT_FOUND = Problem(404, "Not Found", "No user exists with this id.")
METHOD_NOT_ALLOWED = Problem(
    405,
    "Method Not Allowed",
    "This method is not allowed on this path; the Allow header lists the allowed ones.",
)
NAME_CONFLICT = Problem(
    409,
    "Name already in use",
    "Another user already has this name.",
    "urn:forge:problem:conflict",
)
CONTENT_TOO_LARGE = Problem(
    413, "Content Too Large", "The request body is larger than 16384 bytes."
)
UNSUPPORTED_MEDIA_TYPE = Problem(
    415,
    "Unsupported Media Type",
    "The request body must be sent as application/json"
    " with charset utf-8 or no charset.",
)
VALIDATION_FAILED = Problem(
    422,
    "Validation failed",
    "The request has invalid values; the errors member lists each one.",
    "urn:forge:problem:validation-error",
)
INTERNAL_ERROR = Problem(
    500, "Internal Server Error", "The server could not handle this request."
)
SERVICE_UNAVAILABLE = Problem(
    503, "Service Unavailable", "The database is not answering."
)


class ProblemError(Exception):
    """Raised to answer with one of the problems above, as each ``errors.py`` does."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


# R11: the detail of each error, fixed by its code and its place.
FIELD_DETAILS = {
    "required": "This field is required.",
    "null": "This field must not be null.",
    "type": "This field must be a string.",
    "blank": "This field must not be blank.",
    "too_long": "This field must be at most 64 characters long.",
    "invalid": "This field must not contain control characters.",
    "enum": "This field must be one of: Standard, Pro, Enterprise.",
    "unknown_field": "This field is not allowed.",
}
BODY_NOT_AN_OBJECT = "The request body must be a JSON object."
NOT_AN_INTEGER = (
    "This parameter must be a decimal integer: digits only, no sign, no leading zeros."
)
PARAMETER_DETAILS = {
    ("limit", "type"): NOT_AN_INTEGER,
    ("limit", "out_of_range"): "This parameter must be between 1 and 100.",
    ("offset", "type"): NOT_AN_INTEGER,
    ("offset", "out_of_range"): (
        "This parameter must be between 0 and 9223372036854775807."
    ),
    ("tier", "enum"): "This parameter must be one of: Standard, Pro, Enterprise.",
}
REPEATED_PARAMETER = "This parameter must be given at most once."
QUERY_CODES = ("type", "out_of_range", "enum")
"""The codes of query errors; "repeated" below is a ``type`` with its own detail."""


def body_error(code: str, member: str | None) -> dict[str, str]:
    """One body error of a 422; ``member`` None is the body itself, not an object."""
    if member is None:  # R10
        return {"code": "type", "detail": BODY_NOT_AN_OBJECT, "pointer": "#"}
    return {"code": code, "detail": FIELD_DETAILS[code], "pointer": pointer(member)}


def query_error(code: str, parameter: str) -> dict[str, str]:
    """One query error of a 422; "repeated" is a parameter given twice (R20)."""
    if code == "repeated":
        return {"code": "type", "detail": REPEATED_PARAMETER, "parameter": parameter}
    detail = PARAMETER_DETAILS[(parameter, code)]
    return {"code": code, "detail": detail, "parameter": parameter}


def sorted_errors(errors: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """A 422's errors in R11's order: by pointer or parameter, then by code."""
    return sorted(
        errors,
        key=lambda error: (error.get("pointer") or error["parameter"], error["code"]),
    )


def pointer(member: str) -> str:
    """An RFC 6901 pointer to a top-level member, in URI fragment form (R11)."""
    token = member.replace("~", "~0").replace("/", "~1")
    return "#/" + quote(token, safe="!$&'()*+,;=:@/?")


def allow_header(methods: Iterable[str]) -> str:
    """The ``Allow`` header of a path with these methods, in the order of R4."""
    allowed = set(methods)
    return ", ".join(method for method in METHOD_ORDER if method in allowed)


def parse_canonical_integer(text: str) -> int:
    """The value of a canonical decimal integer (R20), else ValueError."""
    if not CANONICAL_INTEGER.fullmatch(text):
        raise ValueError(f"{text!r} is not a canonical decimal integer")
    # Twenty digits already exceed every bound; int() refuses over 4300 digits.
    return int(text) if len(text) <= 20 else MAX_OFFSET + 1


def decimal_up_to(bound: int) -> str:
    """A regex of the canonical decimal integers from 1 to ``bound``.

    A regex cannot compare numbers, so it lists the shorter numbers, then for each digit
    of the bound the numbers that match it so far and are smaller at that digit.
    """
    digits = str(bound)
    shorter = f"[1-9][0-9]{{0,{len(digits) - 2}}}"
    same_length = [
        f"{digits[:i]}[{int(i == 0)}-{int(digit) - 1}][0-9]{{{len(digits) - i - 1}}}"
        for i, digit in enumerate(digits)
        if int(digit) > int(i == 0)
    ]
    return "|".join([shorter, *same_length, digits])


USER_ID = decimal_up_to(MAX_ID)
"""R3: the ids a path may hold; any other segment is no route at all."""


# R26: an API token, off unless the server is given one.
TOKEN_VARIABLE = "FORGE_API_TOKEN"
MIN_TOKEN_LENGTH = 32
B64TOKEN = re.compile("[A-Za-z0-9._~+/-]+=*")  # RFC 6750 section 2.1
WRITE_METHODS = ("POST", "PATCH", "DELETE")
BEARER = "Bearer"
"""The challenge to a request without bearer credentials (RFC 6750 section 3)."""
INVALID_TOKEN = 'Bearer error="invalid_token"'
"""The challenge to bearer credentials that are not the token."""


def api_token(value: str | None) -> str | None:
    """The server's token from its setting, or None for none (unset or empty).

    Raises ValueError saying, in one line, why a token is unusable: a server must not
    start with a token that clients could guess or that no header can carry.
    """
    if not value:
        return None
    if len(value) < MIN_TOKEN_LENGTH:
        raise ValueError(
            f"{TOKEN_VARIABLE} must be at least {MIN_TOKEN_LENGTH} characters long;"
            f" this one has {len(value)}"
        )
    if not B64TOKEN.fullmatch(value):
        raise ValueError(
            f"{TOKEN_VARIABLE} may hold only ASCII letters, digits and - . _ ~ + /,"
            " with = at its end only (RFC 6750 b64token)"
        )
    return value


def bearer_challenge(credentials: str | None, token: str) -> str | None:
    """None if ``credentials`` are exactly ``Bearer <token>``, else the 401's challenge.

    ``credentials`` is the Authorization value as a WSGI server gives it: several
    fields joined with commas, which never match. Surrounding whitespace is not part
    of a field value (RFC 9110 section 5.5), though uvicorn keeps the trailing kind.
    """
    scheme, _, given = (credentials or "").strip(" \t").partition(" ")
    if not (scheme.isascii() and scheme.lower() == "bearer"):
        return BEARER
    # compare_digest's time does not depend on where the two differ.
    if hmac.compare_digest(given.encode(), token.encode()):
        return None
    return INVALID_TOKEN


# R28: the hosts a server serves, loopback names unless it is told others.
HOSTS_VARIABLE = "FORGE_ALLOWED_HOSTS"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
ANY_HOST = "*"
HOST_NAME = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:.]+\]")
"""A host the setting may name: a DNS name, an IPv4 address, an IPv6 one in []."""
# Django's own pattern (django.http.request.host_validation_re), so that the hosts
# ALLOWED_HOSTS accepts and those host_is_served() accepts are the same ones.
HOST_FIELD = re.compile(r"([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::[0-9]+)?")


def served_hosts(value: str | None) -> tuple[str, ...]:
    """The hosts of the setting ``value`` (comma-separated), loopback's if unset.

    Raises ValueError saying, in one line, which entry is not a host: a server must not
    start serving other hosts than its operator meant. No pattern but ``*``: the
    frameworks' wildcards differ (``.example.com`` in Django, ``*.example.com`` in
    Starlette), and R28 has none.
    """
    if not value or not value.strip():
        return LOOPBACK_HOSTS
    hosts = tuple(entry.strip().lower() for entry in value.split(","))
    for host in hosts:
        if host != ANY_HOST and not HOST_NAME.fullmatch(host):
            raise ValueError(
                f"{HOSTS_VARIABLE}: {host!r} is not a host name, an IP address"
                " (IPv6 in brackets) or *"
            )
    return hosts


def host_is_served(field: str | None, hosts: Iterable[str]) -> bool:
    """Whether a request whose Host field is ``field`` (None: none) is served (R28).

    What Django's ``HttpRequest.get_host()`` accepts with ``ALLOWED_HOSTS = hosts``:
    the host without its port, lower-cased and without one final dot, must be one of
    ``hosts``, or ``hosts`` holds ``*``. Several Host fields arrive joined with commas,
    as WSGI servers join them, and never match.
    """
    match = HOST_FIELD.fullmatch((field or "").lower())
    if match is None:
        return False
    host = match[1].removesuffix(".")
    allowed = set(hosts)
    return bool(host) and (ANY_HOST in allowed or host in allowed)
