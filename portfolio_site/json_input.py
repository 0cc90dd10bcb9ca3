"""JSON from clients, read in one place: every API request body (``JSONParser``, the default parser
in settings) and every JSON upload (``loads``, used by the import).

Python's ``json`` turns some inputs into a crash or a lie, so ``loads`` refuses them as a
``JSONInputError`` (a ``ValueError``; the parser answers 400 ``parse_error``):

- nesting deeper than ``MAX_DEPTH``: the C decoder recurses, and ``"[" * 1000`` raised
  ``RecursionError`` (a 500) before any view ran;
- the constants ``NaN``, ``Infinity`` and ``-Infinity``, which are not JSON;
- numbers that overflow a float (``1e999`` becomes ``inf``).

A switch to another decoder (orjson) changes ``loads`` only.
"""

from __future__ import annotations

import json
import math
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Our documents are at most a few levels deep ({"transactions": [{...}]}); 64 leaves room.
MAX_DEPTH = 64


class JSONInputError(ValueError):
    pass


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONInputError(f"the number {text} is out of range")
    return value


def _refuse_constant(name: str) -> Any:
    raise JSONInputError(f"{name} is not a JSON number")


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether lists/objects nest more than ``limit`` levels (without recursing)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if not isinstance(item, dict | list):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def loads(text: str | bytes) -> Any:
    """Decode a JSON document; raise ``JSONInputError`` for anything we refuse (see above)."""
    try:
        value = json.loads(text, parse_float=_finite_float, parse_constant=_refuse_constant)
    except RecursionError:
        raise JSONInputError(f"nested deeper than {MAX_DEPTH} levels") from None
    except JSONInputError:
        raise
    except ValueError as exc:  # JSONDecodeError, and ints longer than Python converts
        raise JSONInputError(str(exc)) from None
    if _deeper_than(value, MAX_DEPTH):
        raise JSONInputError(f"nested deeper than {MAX_DEPTH} levels")
    return value


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser reading through ``loads``: a refused document is a 400 ``parse_error``."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
        try:
            return loads(stream.read().decode(encoding))
        except (JSONInputError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
