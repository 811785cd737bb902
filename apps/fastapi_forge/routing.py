"""Routing the contract's way: only canonical ids are paths (R3), and ``Allow`` (R4).

Counterparts: ``flask_forge/routing.py``; Django routes with ``urls.py`` and the
viewset's ``lookup_value_regex``, and ``django_forge/routing.py`` holds its R4 mixin.
"""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.routing import APIRoute
from pydantic import WithJsonSchema
from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import Match

from fastapi_forge.contract import USER_ID, allow_header
from fastapi_forge.openapi import USER_ID as USER_ID_SCHEMA
from fastapi_forge.parsing import StrictJSONRoute


class UserIdConvertor(Convertor[int]):
    """``{id:user_id}`` matches canonical ids up to 2^63-1; others are no route (R3)."""

    # Starlette's own int convertor takes "0", "01" and numbers of any size.
    regex = f"(?:{USER_ID})"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("user_id", UserIdConvertor())

router = APIRouter(route_class=StrictJSONRoute)
"""The API's routes, which ``views.py`` declares and ``allowed_methods`` reads."""

# The contract names the segment "id"; the document shows the text it matches.
UserId = Annotated[int, Path(alias="id"), WithJsonSchema(USER_ID_SCHEMA)]


def allowed_methods(request: Request) -> str:
    """The Allow header of the request's path: the methods of all its routes (R4)."""
    # Starlette's own 405 names only the first matching route's methods, in set order.
    methods = {
        method
        for route in router.routes
        if isinstance(route, APIRoute)
        and route.matches(request.scope)[0] is not Match.NONE
        for method in route.methods or ()
    }
    return allow_header(methods)
