"""What a username may be, and when two usernames are the same.

- **Normalised** before anything else: Unicode NFKC (``demo`` in full-width letters is ``demo``, ligatures and
  compatibility forms fold to their plain letters) and stripped of surrounding whitespace. Usernames
  are stored in this form.
- **Compared ignoring case**: registration, the admin and the seed refuse a username equal to an
  existing one ignoring case (``Demo`` beside ``demo``), and login accepts any case (``DEMO`` logs in
  as ``demo``). The rate limiter keys accounts the same way (:func:`username_canonical`).
- **No look-alikes of Latin letters from other scripts**: a username with a letter that is not Latin
  but can be mistaken for one (a Cyrillic ``a`` in ``admin``, a Greek omicron) is refused, using the
  Unicode confusables data (UTS #39) of ``confusable_homoglyphs``. Latin with diacritics (Vietnamese
  ``Nguyễn``), digits, ``@ . + - _`` and scripts without Latin look-alikes (``王小明``) are fine.
"""

from __future__ import annotations

import unicodedata

from confusable_homoglyphs import confusables

# Scripts whose characters may stand beside Latin letters: Latin itself and the shared punctuation
# and digits (confusables flags ``1``/``l`` and ``0``/``O``, which are ordinary in usernames).
_OWN_SCRIPTS = {"LATIN", "COMMON"}


def username_normalise(text: str) -> str:
    """The stored form: NFKC, surrounding whitespace removed."""
    return unicodedata.normalize("NFKC", text).strip()


def username_canonical(text: str) -> str:
    """The comparison form: normalised and case-folded (full-width ``DEMO`` -> ``demo``)."""
    return username_normalise(text).casefold()


def username_lookalikes(text: str) -> list[str]:
    """The characters of ``text`` that are not Latin but look like a Latin letter ([] if none)."""
    found = confusables.is_confusable(text, greedy=True, preferred_aliases=["latin"]) or []
    return sorted(
        {str(item["character"]) for item in found if str(item["alias"]) not in _OWN_SCRIPTS}
    )
