"""Routing the contract's way: only canonical ids are paths (R3), and ``Allow`` (R4).

Counterparts: ``fastapi_forge/routing.py``; Django routes with ``urls.py`` and the
viewset's ``lookup_value_regex``, and ``django_forge/routing.py`` holds its R4 mixin.
"""

from flask import Flask, current_app, request
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter

from flask_forge.contract import USER_ID, allow_header


class UserIdConverter(BaseConverter):
    """``<user_id:id>`` matches canonical ids up to 2^63-1; others are no route (R3)."""

    # Werkzeug's int converter takes any Unicode digit (U+0661 is one) and any size.
    # A regex, not a check in to_python(): Werkzeug answers 405 on a path whose
    # converter refused the value, where R3 wants no route at all.
    regex = f"(?:{USER_ID})"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


def allowed_methods() -> str:
    """The Allow header of the request's path: the methods of all its rules (R4)."""
    # Werkzeug lists a path's methods in set order.
    adapter = current_app.url_map.bind_to_environ(request.environ)
    return allow_header(adapter.allowed_methods())


def no_leading_empty_segment() -> None:
    """A path starting with "//" is no path of the API (R2).

    Werkzeug strips every leading slash before it matches, whatever ``merge_slashes``
    says, so "//forge/users" would be "/forge/users". Run before the view, and so
    before a 405, as R6 orders.
    """
    if request.environ.get("PATH_INFO", "").startswith("//"):
        raise NotFound


def init_app(app: Flask) -> None:
    """Match paths as R2 and R3 say; the id converter must precede the routes."""
    # R2: no redirects. Werkzeug would send "//" paths to the merged path; strict
    # slashes keep "/forge/users/" from matching "/forge/users".
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = True
    app.url_map.converters["user_id"] = UserIdConverter
    app.before_request(no_leading_empty_segment)
