"""Strict request bodies: Content-Type (R7), size (R8) and I-JSON (R9), the DRF way.

Counterparts: ``fastapi_forge/parsing.py``, ``flask_forge/parsing.py``. DRF picks a
parser by media type through its content negotiation class, then the parser reads
the request's stream. Here the negotiation applies R7 (and ignores ``Accept``, R5), the
one parser reads and parses with ``ijson.py`` (R8, R9), and the request hands the
parser every body, chunked or empty, which DRF would otherwise skip.
"""

from collections.abc import Iterable, Mapping
from typing import IO, Any

from django.http import HttpRequest
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from django_forge import ijson


class StrictJSONParser(BaseParser):
    """The only parser: at most 16 KiB of I-JSON (R8, R9)."""

    media_type = "application/json"

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        # ijson raises ProblemError, which errors.py answers like DRF's own errors.
        return ijson.loads(ijson.read(stream))


class JSONOnlyNegotiation(BaseContentNegotiation):
    """R7 decides the parser; ``Accept`` decides nothing (R5)."""

    def select_parser(
        self, request: Request, parsers: Iterable[BaseParser]
    ) -> BaseParser | None:
        # None makes DRF raise UnsupportedMediaType, the 415.
        if not ijson.is_json_media_type(request.content_type):
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


class StrictJSONRequest(Request):
    """A request whose body always reaches the parser (R8)."""

    @classmethod
    def of(cls, request: Request) -> "StrictJSONRequest":
        """The request DRF built, with this stream."""
        strict = cls(
            request._request,
            parsers=request.parsers,
            negotiator=request.negotiator,
            parser_context=request.parser_context,
        )
        # R26: the viewset's authentication (auth.py), as DRF's request had it; the
        # stubs type this attribute wider than the argument.
        strict.authenticators = request.authenticators
        return strict

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
