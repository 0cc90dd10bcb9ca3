"""The Vietnamese catalogue: every label of our models is listed for makemessages and translated,
and the committed .mo matches the .po (edit the .po, then compile)."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.utils import translation

from portfolio_site.model_label_catalog import LABELS
from portfolio_site.model_labels import model_label_texts

LOCALE = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES"


def po_entries() -> dict[str, str]:
    """msgid -> msgstr (the first form for plurals) of our .po, written with --no-wrap."""
    entries: dict[str, str] = {}
    msgid: str | None = None
    for line in (LOCALE / "django.po").read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            msgid = ast.literal_eval(line[6:])
        elif line.startswith(("msgstr ", "msgstr[0] ")) and msgid:
            entries[msgid] = ast.literal_eval(line.split(" ", 1)[1])
            msgid = None
    return entries


def test_every_model_label_is_in_the_catalogue_list() -> None:
    with translation.override(None):  # the msgids, not their translations
        labels = {
            text
            for app in ("market", "portfolio")
            for model in apps.get_app_config(app).get_models()
            for text in model_label_texts(model)
        }
    missing = sorted(labels - set(LABELS))
    assert not missing, f"add to portfolio_site/model_label_catalog.py and translate: {missing}"


def test_every_entry_has_a_vietnamese_translation() -> None:
    # makemessages marks a new msgid "fuzzy" with a guess from a similar one: not compiled
    assert "#, fuzzy" not in (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = po_entries()
    assert set(LABELS) <= set(entries)
    assert [msgid for msgid, msgstr in entries.items() if not msgstr] == []


def test_the_compiled_catalogue_matches_the_po() -> None:
    with (LOCALE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = {m: s for m, s in po_entries().items() if catalogue.gettext(m) != s}
    assert not stale, "recompile: msgfmt --check -o django.mo django.po (in locale/vi/LC_MESSAGES)"
