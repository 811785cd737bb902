"""Hypothesis strategies for requests around the contract: bodies, bytes, headers, URLs.

Each strategy leans on the places where implementations tend to differ: the bounds the
rules name (64 characters, 16 KiB, 32 levels, 2^63-1, 1-100), the characters Unicode
makes hard (combining marks, right-to-left, zero-width, emoji, noncharacters,
surrogates), and near-misses of every accepted spelling.
"""

import json
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from tests.fuzz.judge import Request
from tests.fuzz.model import TIERS

MAX_ID = 2**63 - 1
MAX_BODY = 16384
MAX_DEPTH = 32

# Every character R12's strip removes (Python's str.strip()).
STRIPPED = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
SPECIAL = [
    "\u0301",  # combining acute accent
    "\u0308",
    "\u202e",  # right-to-left override
    "\u200f",  # right-to-left mark
    "\u05d0",  # Hebrew alef
    "\u0627",  # Arabic alef
    "\u200b",  # zero width space (not stripped)
    "\u200d",  # zero width joiner
    "\ufeff",  # zero width no-break space, a byte order mark inside
    "\U0001f600",
    "\U0001f469\u200d\U0001f4bb",
    "\u00df",  # ß, which folds to "ss"
    "\u1e9e",  # ẞ
    "\ufb01",  # ﬁ, which folds to "fi"
    "\u0130",  # İ
    "\u03c2",  # final sigma
    "\u212a",  # Kelvin sign, which folds to "k"
    "\u0661",  # ARABIC-INDIC DIGIT ONE
    "\x00",
    "\x7f",
    "\x85",
    "\x9f",
    "\ud7ff",
    "\ue000",
    "\ufffd",
    "\U0010fffd",
    "~",
    "/",
    "%",
    '"',
    "\\",
]


# One character from any plane, often one of the hard ones. Strategies are built once,
# at import: building them again for every example costs more than drawing from them.
CHARACTERS = st.one_of(
    st.characters(codec="utf-8"),  # every plane, never a lone surrogate
    st.sampled_from(SPECIAL),
    st.sampled_from(STRIPPED),
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
)


def texts(max_size: int = 20) -> st.SearchStrategy[str]:
    """Strings of such characters."""
    return st.lists(CHARACTERS, max_size=max_size).map("".join)


# Whitespace that R12 strips, or none.
PADDING = st.lists(st.sampled_from(STRIPPED), max_size=3).map("".join)
NAME_CORES = st.one_of(
    texts(max_size=12),
    st.integers(60, 68).flatmap(
        lambda size: st.lists(CHARACTERS, min_size=size, max_size=size).map("".join)
    ),
    st.sampled_from(["Ada", "ada", "ADA", "Straße", "STRASSE", "x" * 64]),
)


@st.composite
def names(draw: st.DrawFn) -> str:
    """A name, often near the 64-character bound before or after stripping."""
    return draw(PADDING) + draw(NAME_CORES) + draw(PADDING)


NAMES = names()
# Any JSON value that is I-JSON: every type, in every position.
JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        texts(),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(texts(max_size=6), inner, max_size=4),
    ),
    max_leaves=8,
)
# Names of unknown members, with the ones that look like the known.
MEMBER_NAMES = st.one_of(
    texts(max_size=8),
    st.sampled_from(
        ["id", "created_at", "Name", "NAME", "Tier", "name ", "nam", "~", "/", "a~1"]
    ),
).filter(lambda member: member not in ("name", "tier"))
# A tier, a near-miss of one, or any JSON value.
TIER_VALUES = st.one_of(
    st.sampled_from(TIERS),
    st.sampled_from(["pro", "PRO", " Pro", "Pro ", "", "Gold", "Standard\x00"]),
    JSON_VALUES,
)
UNKNOWN_MEMBERS = st.dictionaries(MEMBER_NAMES, JSON_VALUES, min_size=1, max_size=3)


@st.composite
def bodies(draw: st.DrawFn) -> Any:
    """A request body: mostly an object of the contract's members and some others."""
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON_VALUES)
    body: dict[str, Any] = {}
    if draw(st.booleans()):
        body["name"] = draw(NAMES if draw(st.integers(0, 3)) else JSON_VALUES)
    if draw(st.booleans()):
        body["tier"] = draw(TIER_VALUES)
    if draw(st.integers(0, 3)) == 0:
        body.update(draw(UNKNOWN_MEMBERS))
    keys = draw(st.permutations(list(body)))
    return {key: body[key] for key in keys}


@st.composite
def encoded(draw: st.DrawFn, value: Any) -> bytes:
    """``value`` as JSON text: escaped or raw non-ASCII, compact or spaced."""
    text = json.dumps(
        value,
        ensure_ascii=draw(st.booleans()),
        separators=draw(st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : ")])),
    )
    return (draw(st.sampled_from(["", " ", "\n", "\t\r\n"])) + text).encode()


@st.composite
def json_bodies(draw: st.DrawFn) -> tuple[Any, bytes]:
    """A valid body and its bytes."""
    value = draw(BODIES)
    return value, draw(encoded(value))


BODIES = bodies()
JSON_BODIES = json_bodies()


# Bytes that are almost JSON.

BROKEN_PIECES = [
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"1e400",
    b"-1e400",
    b"1e-400",
    b"9" * 400,
    b"01",
    b".5",
    b"+1",
    b"-",
    b"1.",
    b"true",
    b"nul",
    b"'x'",
    b'"\\ud800"',
    b'"\\udc00"',
    b'"\\ud83d\\ude00"',  # a valid pair: U+1F600
    b'"\\ud83f\\udffe"',  # U+1FFFE, a noncharacter as a pair of escapes
    b'"\\ufdd0"',
    b'"\\uFFFF"',
    b'"\\u0000"',
    b'"\\x41"',
    b'"\x00"',
    b'"\t"',
    b'"\x1f"',
    b'"\xed\xa0\x80"',  # an encoded surrogate
    b'"\xc0\xaf"',  # an overlong form
    b'"\xff"',
    b'"\xef\xbf\xbe"',  # U+FFFE raw
    b'"\xf4\x8f\xbf\xbf"',  # U+10FFFF raw
    b"[]",
    b"{}",
    b"[1,]",
    b'{"a":1,}',
    b"/* c */",
    b"// c\n",
]


@st.composite
def almost_json(draw: st.DrawFn) -> bytes:
    """Bytes that are JSON, nearly JSON, or JSON broken in one small way."""
    _, body = draw(JSON_BODIES)
    kind = draw(st.integers(0, 9))
    if kind == 0 and body:  # truncated
        return body[: draw(st.integers(0, len(body) - 1))]
    if kind == 1:  # a duplicated member, maybe spelled with an escape
        member = draw(st.sampled_from(["name", "tier", "x"]))
        spelled = draw(
            st.sampled_from([member, "\\u00" + hex(ord(member[0]))[2:] + member[1:]])
        )
        inner = draw(st.sampled_from([b"", b'"a":1,']))
        return (
            b'{"'
            + member.encode()
            + b'":"A",'
            + inner
            + b'"'
            + spelled.encode()
            + b'":"B"}'
        )
    if kind == 2:  # nesting around the limit
        depth = draw(st.integers(MAX_DEPTH - 2, MAX_DEPTH + 2))
        opener, closer = draw(
            st.sampled_from([(b"[", b"]"), (b'{"a":', b"}"), (b'{"name":[', b"]}")])
        )
        core = draw(st.sampled_from([b"1", b"[]", b"{}", b'"x"']))
        if draw(st.booleans()):  # a string full of brackets, which is no nesting
            core = b'"' + b"[" * 40 + b'"'
        return opener * depth + core + closer * depth
    if kind == 3:  # sizes around 16 KiB
        size = draw(st.integers(MAX_BODY - 3, MAX_BODY + 3))
        prefix = b'{"name":"'
        if draw(st.booleans()):
            return prefix + b"a" * max(0, size - len(prefix) - 2) + b'"}'
        return (b'{"name":"Ada"}' + b" " * size)[:size]
    if kind == 4:  # a broken or extreme piece where a value goes
        piece = draw(st.sampled_from(BROKEN_PIECES))
        return draw(
            st.sampled_from(
                [
                    b'{"name":' + piece + b"}",
                    piece,
                    b"[" + piece + b"]",
                    b'{"x":' + piece + b',"name":"A"}',
                ]
            )
        )
    if kind == 5:  # other encodings and a byte order mark
        text = body.decode()
        codec = draw(
            st.sampled_from(["utf-16", "utf-16-le", "utf-32", "utf-8-sig", "latin-1"])
        )
        return text.encode(codec, errors="replace")
    if kind == 6:  # a noncharacter or lone surrogate written as an escape
        escape = draw(
            st.sampled_from(
                [
                    "\\ud800",
                    "\\udfff",
                    "\\ufdd0",
                    "\\ufffe",
                    "\\udbff\\udfff",
                    "\\ud800\\u0041",
                ]
            )
        )
        where = draw(st.sampled_from(['{"name":"A%s"}', '{"%s":1}', '["%s"]']))
        return (where % escape).encode()
    if kind == 7 and body:  # one byte changed
        at = draw(st.integers(0, len(body) - 1))
        return body[:at] + bytes([draw(st.integers(0, 255))]) + body[at + 1 :]
    if kind == 8:  # something after the value, or whitespace only
        return (
            body + draw(st.sampled_from([b"x", b" {}", b"\x00", b",", b""]))
            if draw(st.booleans())
            else draw(st.sampled_from([b"", b" ", b"\n\t", b"\xc2\xa0"]))
        )
    return draw(st.binary(max_size=40))


ALMOST_JSON = almost_json()

# Headers.

ACCEPTED_TYPES = [
    "application/json",
    "APPLICATION/JSON",
    "Application/Json",
    "application/json;",
    "application/json; charset=utf-8",
    'application/json;charset="UTF-8"',
    "application/json; v=1",
    "application/json ; charset=UTF-8",
]
REFUSED_TYPES = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/merge-patch+json",
    "application/jsonx",
    "application/json; charset=latin-1",
    "application/json; charset=utf8",
    "application/json; charset",
    "application / json",
    "",
    "json",
    "application/",
    "/json",
    "application/json; charset=utf-8; charset=latin-1",
    "multipart/form-data; boundary=x",
]


@st.composite
def content_types(draw: st.DrawFn) -> str | None:
    """A Content-Type: accepted, refused, built from parts, random, or none."""
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return None
    if kind == 1:
        return draw(st.sampled_from(ACCEPTED_TYPES + REFUSED_TYPES))
    if kind == 2:  # random visible ASCII, spaces and tabs
        return draw(
            st.text(
                st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.just("\t"),
                max_size=30,
            )
        )
    type_ = draw(
        st.sampled_from(
            [
                "application",
                "APPLICATION",
                "Application",
                "text",
                "application ",
                "applicatio",
            ]
        )
    )
    subtype = draw(
        st.sampled_from(
            ["json", "JSON", "jsonx", "json5", "merge-patch+json", "*", "json "]
        )
    )
    parameters = draw(
        st.lists(
            st.tuples(
                st.sampled_from([";", "; ", " ;", ";\t", " ; "]),
                st.sampled_from(
                    ["charset", "CHARSET", "Charset", "v", "q", "", "charset "]
                ),
                st.sampled_from(["=", "", "= "]),
                st.sampled_from(
                    [
                        "utf-8",
                        "UTF-8",
                        '"utf-8"',
                        '"UTF-8"',
                        "utf8",
                        "latin-1",
                        "",
                        '"utf\\-8"',
                        '"a;b"',
                        "utf-8 ",
                    ]
                ),
            ),
            max_size=3,
        )
    )
    return f"{type_}/{subtype}" + "".join("".join(part) for part in parameters)


# URLs.

ID_SEGMENTS = [
    "1",
    "2",
    str(MAX_ID),
    str(MAX_ID + 1),
    str(10**19),
    "0",
    "01",
    "+1",
    "-1",
    "1.0",
    "1e3",
    "%201",
    "1%20",
    "%D9%A1",  # ARABIC-INDIC DIGIT ONE
    "%EF%BC%91",  # FULLWIDTH DIGIT ONE
    "abc",
    "",
    "%31",  # "1", escaped
    "1%2F",
    "{id}",  # the user of the example, whatever its id in each app
]


@st.composite
def paths(draw: st.DrawFn) -> str:
    """A path around the API's: the three, near-misses, and escaped spellings."""
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return draw(st.sampled_from(["/forge/users", "/healthz", "/forge/users/{id}"]))
    if kind == 1:
        return "/forge/users/" + draw(st.sampled_from(ID_SEGMENTS))
    if kind == 2:
        return "/forge/users/" + str(draw(st.integers(1, MAX_ID + 10)))
    if kind == 3:  # near-misses
        return draw(
            st.sampled_from(
                [
                    "/",
                    "/forge",
                    "/forge/",
                    "/forge/users/",
                    "/forge/users/1/",
                    "/forge/users/{id}/",
                    "/forge/users/1/x",
                    "/healthz/",
                    "/Forge/users",
                    "/forge/Users",
                    "/HEALTHZ",
                    "/forge/%75sers",
                    "/forge%2Fusers",
                    "/forge/users%2F1",
                    "/forge//users",
                    "/forge/users/{id}%20",
                    "/health",
                    "/healthz.json",
                    "/forge/users.json",
                    "/%66orge/users/{id}",
                ]
            )
        )
    if kind == 4:  # an escaped spelling of a real path
        path = draw(st.sampled_from(["/forge/users", "/healthz", "/forge/users/1"]))
        return "".join(
            f"%{ord(char):02X}"
            if char != "/" and draw(st.integers(0, 5)) == 0
            else char
            for char in path
        )
    segment = quote(draw(texts(max_size=8)), safe="")
    return draw(st.sampled_from(["/forge/users/", "/", "/forge/"])) + segment


METHODS = [
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "OPTIONS",
    "TRACE",
    "CONNECT",
]


def methods() -> st.SearchStrategy[str]:
    """The RFC 9110 methods and other upper-case tokens (R4)."""
    return st.one_of(
        st.sampled_from(METHODS),
        st.sampled_from(["PROPFIND", "PURGE", "LINK", "FOO", "M-SEARCH", "QUERY"]),
    )


QUERY_NAMES = ["limit", "offset", "tier", "Limit", "OFFSET", "page", "limit ", "tier[]"]
QUERY_VALUES = [
    "0", "1", "2", "20", "99", "100", "101", str(MAX_ID), str(MAX_ID + 1),
    str(10**30), "", "01", "00", "+1", "-1", "-0", "1.5", "1e2", " 1", "1 ", "abc",
    "%31", "%2B1", "+", "%20", "%FF", "%zz", "%", "1%00",
    "Standard", "Pro", "Enterprise", "pro", "PRO", "Pro+", "Pro%20", "%50ro",
    "Enterprise%00", "%D9%A1",
]  # fmt: skip


@st.composite
def queries(draw: st.DrawFn) -> str:
    """A query string for the list: the three parameters, repeated, mis-spelled."""
    pairs = draw(
        st.lists(
            st.tuples(
                st.sampled_from(QUERY_NAMES)
                | texts(max_size=4).map(lambda t: quote(t, safe="")),
                st.one_of(
                    st.sampled_from(QUERY_VALUES),
                    st.integers(-5, 205).map(str),
                    texts(max_size=5).map(lambda text: quote(text, safe="")),
                ),
                st.booleans(),  # written without "="
            ),
            max_size=5,
        )
    )
    parts = [
        name if bare and not value else f"{name}={value}" for name, value, bare in pairs
    ]
    return "&".join(parts)


@st.composite
def requests(draw: st.DrawFn) -> Request:
    """Any request around the API: method, path, query, Content-Type and body."""
    method = draw(methods())
    target = draw(paths())
    if draw(st.integers(0, 3)) == 0:
        target += "?" + draw(queries())
    headers = []
    content_type = draw(content_types())
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    body = draw(
        st.one_of(st.none(), JSON_BODIES.map(lambda pair: pair[1]), ALMOST_JSON)
    )
    return Request(method, target, tuple(headers), body, draw(st.booleans()))
