"""The API's JSON renderer on orjson: DRF's ``JSONRenderer`` output, several times faster.

orjson writes str, int, float, bool, None, dict and list (and their subclasses: DRF's
``ReturnDict``/``ReturnList``) and UUIDs itself, compact and UTF-8 as DRF's settings
(``COMPACT_JSON``, ``UNICODE_JSON``) already had them. Everything else -- Decimal, dates and times
(passed through on purpose: DRF writes ``...Z`` and milliseconds, orjson would not), lazy strings,
querysets -- goes to DRF's own encoder, so no body changes. U+2028/U+2029 are escaped as DRF does.
One difference: a float NaN or infinity is written as null where DRF raised; the API sends no
floats (money, prices and ratios are Decimal strings).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME
_ENCODER = JSONEncoder()
_LINE_SEPARATOR = "\u2028".encode()
_PARAGRAPH_SEPARATOR = "\u2029".encode()


def dumps(data: Any) -> bytes:
    """``data`` as DRF's JSONRenderer would write it (compact, UTF-8)."""
    body = orjson.dumps(data, default=_ENCODER.default, option=_OPTIONS)
    if _LINE_SEPARATOR in body:
        body = body.replace(_LINE_SEPARATOR, b"\\u2028")
    if _PARAGRAPH_SEPARATOR in body:
        body = body.replace(_PARAGRAPH_SEPARATOR, b"\\u2029")
    return body


class ORJSONRenderer(JSONRenderer):
    """``application/json`` through orjson; an ``indent`` in the Accept header falls back to DRF."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        return dumps(data)
