"""Our models' labels in the staff user's language, without touching the models or migrations.

The admin shows each model's ``verbose_name``, its fields' verbose names and help texts and the
labels of their choices. Ours are plain English strings (most derived by Django from the field
names). ``translate_labels`` wraps them in ``gettext_lazy`` once at start-up (the apps' ``ready``),
so the admin looks each one up in ``locale/<lang>/LC_MESSAGES/django.po`` when it renders them.
The wrapped strings compare equal to the originals, so ``makemigrations`` sees no change, and the
API (always in English, see ``admin_i18n``) prints the same texts as before.

Their msgids are not literal ``gettext`` calls, so ``makemessages`` does not find them: add a new
field's label to the .po by hand (``tests/test_translations.py`` lists any that are missing).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import AppConfig
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy


def _lazy(text: Any) -> Any:
    if not text or isinstance(text, Promise):
        return text
    return gettext_lazy(str(text))


def model_label_texts(model: type[models.Model]) -> Iterable[str]:
    """Every label of ``model`` the admin shows (for the catalogue test)."""
    opts = model._meta
    yield str(opts.verbose_name)
    yield str(opts.verbose_name_plural)
    for field in opts.get_fields():
        if not isinstance(field, models.Field):
            continue
        yield str(field.verbose_name)
        if field.help_text:
            yield str(field.help_text)
        for _value, label in field.flatchoices:
            yield str(label)


def translate_labels(app_config: AppConfig) -> None:
    """Make the labels of ``app_config``'s models (and the app's name) translatable."""
    app_config.verbose_name = _lazy(app_config.verbose_name)
    for model in app_config.get_models():
        opts = model._meta
        opts.verbose_name = _lazy(opts.verbose_name)
        opts.verbose_name_plural = _lazy(opts.verbose_name_plural)
        for field in opts.get_fields():
            if not isinstance(field, models.Field):
                continue
            field.verbose_name = _lazy(field.verbose_name)
            field.help_text = _lazy(field.help_text)
            if field.choices:
                field.choices = [(value, _lazy(label)) for value, label in field.flatchoices]
