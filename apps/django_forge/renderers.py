"""The JSON output: DRF's renderer, with every character written as itself (R5).

Counterparts: FastAPI's ``JSONResponse`` needs no change; ``flask_forge/app.py`` sets
``ensure_ascii`` on Flask's JSON provider. ``settings.py`` makes this the only renderer.
"""

import json
from collections.abc import Mapping
from typing import Any

from rest_framework.renderers import JSONRenderer


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
