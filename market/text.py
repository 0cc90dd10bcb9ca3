"""Accent-insensitive text for search: ``"Công ty CP Sữa Việt Nam"`` -> ``"cong ty cp sua viet nam"``.

The same folding is applied to the stored ``Instrument.search_text`` and to the search term, so the
search behaves the same on every database (no ``unaccent`` extension needed).
"""

from __future__ import annotations

import unicodedata

# Letters NFD does not decompose: Vietnamese đ/Đ is a letter of its own, not d + a mark.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})


def fold(text: str) -> str:
    """Lower-case, accents stripped, đ -> d, runs of whitespace as one space."""
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


def search_words(term: str) -> list[str]:
    """The folded words of a search term (every one must match)."""
    return fold(term).split()


def instrument_search_text(*, symbol: str, name: str, name_en: str, short_name: str) -> str:
    """What an instrument search matches: symbol, short name and both names, folded, ``|``-joined
    (so that a word never spans two of them)."""
    parts = (symbol, short_name, name, name_en)
    return " | ".join(fold(p) for p in parts if p and p.strip())
