"""Strict request bodies: Content-Type (R7), size (R8) and I-JSON (R9), the Flask way.

Counterparts: ``fastapi_forge/parsing.py``, ``django_forge/parsing.py`` (a DRF parser).
Flask's ``request.get_json()`` takes any ``*+json`` type, parses with ``json.loads``
defaults (NaN, duplicate keys, any depth: a deep body crashes it) and answers a broken
body with Flask's HTML 400. ``MAX_CONTENT_LENGTH`` does not help either: Werkzeug stops
reading a chunked body at the limit and hands over what it read, without a 413. The
Flask way to change all that is the app's ``request_class``: the class below makes
``get_json()`` check the body with ``ijson.py``, in the contract's order.
"""

from typing import Any

from flask import Request

from flask_forge import ijson
from flask_forge.contract import UNSUPPORTED_MEDIA_TYPE, ProblemError


class StrictJSONRequest(Request):
    """A request whose ``get_json()`` checks 415, then 413, then I-JSON (R6)."""

    def get_json(
        self, force: bool = False, silent: bool = False, cache: bool = True
    ) -> Any:
        """The body as I-JSON; the arguments of Flask's version change nothing."""
        if not ijson.is_json_media_type(self.headers.get("Content-Type")):
            raise ProblemError(UNSUPPORTED_MEDIA_TYPE)
        return ijson.loads(ijson.read(self.stream, self.content_length))
