"""Strict request bodies: Content-Type (R7), size (R8) and I-JSON (R9), the DRF way.

Counterparts: ``fastapi_forge/parsing.py``, ``flask_forge/parsing.py``. DRF picks a
parser by media type through its content negotiation class, then the parser reads
the request's stream. Here the negotiation applies R7 (and ignores ``Accept``, R5), the
one parser enforces R8 and R9, and the request hands the parser every body, chunked
or empty, which DRF would otherwise skip.
"""

import codecs
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from django.http import HttpRequest
from rest_framework.exceptions import ParseError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request

from django_forge.errors import ContentTooLarge

MAX_BODY_BYTES = 16 * 1024
MAX_DEPTH = 32

TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
QUOTED = r'"(?:[^"\\]|\\.)*"'
PARAMETER = re.compile(rf"({TOKEN})=({TOKEN}|{QUOTED})")
MEDIA_TYPE = re.compile(
    rf"({TOKEN})/({TOKEN})((?:[ \t]*;[ \t]*(?:{PARAMETER.pattern})?)*)[ \t]*"
)
# Lone surrogates and the noncharacters of every plane (R9).
FORBIDDEN_CHARACTERS = re.compile(
    "[\ud800-\udfff\ufdd0-\ufdef"
    + "".join(
        chr(plane + 0xFFFE) + chr(plane + 0xFFFF)
        for plane in range(0, 0x110000, 0x10000)
    )
    + "]"
)


def is_json_media_type(content_type: str) -> bool:
    """``application/json``, with no charset but utf-8 (R7)."""
    match = MEDIA_TYPE.fullmatch(content_type.strip(" \t"))
    if match is None or (match[1].lower(), match[2].lower()) != ("application", "json"):
        return False
    return all(
        re.sub(r"\\(.)", r"\1", value.strip('"')).lower() == "utf-8"
        for name, value in PARAMETER.findall(match[3])
        if name.lower() == "charset"
    )


def read_body(stream: IO[bytes]) -> bytes:
    """The body, read no further than one byte past the limit (R8)."""
    # Counting what arrives also limits chunked bodies, which declare no length.
    body = b""
    while chunk := stream.read(MAX_BODY_BYTES + 1 - len(body)):
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise ContentTooLarge
    return body


def loads(body: bytes) -> Any:
    """Parse an I-JSON document (R9), or raise DRF's ``ParseError`` (400)."""
    try:
        if body.startswith(codecs.BOM_UTF8):
            raise ValueError("a byte order mark")
        text = body.decode("utf-8")
        if nesting_depth(text) > MAX_DEPTH:
            raise ValueError("nested too deeply")  # checked first: json recurses
        value = json.loads(
            text,
            object_pairs_hook=unique_members,
            parse_constant=reject_constant,
            parse_float=finite_number,
            parse_int=finite_number,
        )
        if any(FORBIDDEN_CHARACTERS.search(string) for string in strings(value)):
            raise ValueError("a surrogate or a noncharacter")
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError included
        raise ParseError from error
    return value


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects, counting brackets outside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object, refusing duplicate member names."""
    members = dict(pairs)
    if len(members) != len(pairs):
        raise ValueError("duplicate member names")
    return members


def reject_constant(name: str) -> Any:
    """``NaN``, ``Infinity`` and ``-Infinity``, which Python's json accepts."""
    raise ValueError(f"{name} is not JSON")


def finite_number(text: str) -> int | float:
    """A number that an IEEE 754 double can hold without becoming infinite."""
    number = float(text)
    if math.isinf(number):
        raise ValueError("a number beyond the range of a double")
    return number if any(char in text for char in ".eE") else int(text)


def strings(value: Any) -> Iterator[str]:
    """Every string of a parsed document, member names included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for name, member in value.items():
            yield name
            yield from strings(member)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


class StrictJSONParser(BaseParser):
    """The only parser: at most 16 KiB of I-JSON (R8, R9)."""

    media_type = "application/json"

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        return loads(read_body(stream))


class JSONOnlyNegotiation(BaseContentNegotiation):
    """R7 decides the parser; ``Accept`` decides nothing (R5)."""

    def select_parser(
        self, request: Request, parsers: Iterable[BaseParser]
    ) -> BaseParser | None:
        # None makes DRF raise UnsupportedMediaType, the 415.
        if not is_json_media_type(request.content_type):
            return None
        return next(iter(parsers))

    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class UnescapedJSONRenderer(JSONRenderer):
    """DRF's JSON output with every character written as itself (R5)."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        # DRF's own render escapes U+2028 and U+2029 for JavaScript's sake, even with
        # UNICODE_JSON on; R5 wants them raw, like every other character.
        if data is None:
            return b""
        return json.dumps(
            data,
            cls=self.encoder_class,
            ensure_ascii=False,
            allow_nan=False,
            separators=(",", ":"),
        ).encode()


class StrictJSONRequest(Request):
    """A request whose body always reaches the parser."""

    @classmethod
    def of(cls, request: Request) -> "StrictJSONRequest":
        """The request DRF built, with this stream; the API authenticates nobody."""
        return cls(
            request._request,
            parsers=request.parsers,
            negotiator=request.negotiator,
            parser_context=request.parser_context,
        )

    @property
    def stream(self) -> IO[bytes]:
        # DRF skips parsing when Content-Length is absent or 0, so an empty body
        # would be {} and a chunked one ignored. Django reads only Content-Length
        # bytes under WSGI; a server that sets wsgi.input_terminated (gunicorn) ends
        # wsgi.input where the body ends, chunked or not.
        django_request: HttpRequest = self._request
        if django_request.META.get("wsgi.input_terminated"):
            wsgi_input: IO[bytes] = django_request.META["wsgi.input"]
            return wsgi_input
        return django_request  # type: ignore[return-value]
