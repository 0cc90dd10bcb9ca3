"""Typed reading of environment variables, with one-line errors that name the variable.

Settings call these at import time; an invalid value raises ``ConfigError``, which ``manage.py``,
``asgi.py`` and ``celery.py`` turn into a single line on stderr and exit status 2 (no traceback wall).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import NoReturn, TypeVar

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ImproperlyConfigured):
    """An environment variable is missing or invalid."""

    def __init__(self, name: str, problem: str) -> None:
        self.name = name
        super().__init__(f"{name}: {problem}")


def raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def string(name: str, default: str) -> str:
    value = raw(name)
    return default if value is None or value == "" else value


def boolean(name: str, default: bool) -> bool:
    value = raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(name, f"expected true/false, got {value!r}")


def _parse(name: str, default: T, parse: Callable[[str], T], what: str) -> T:
    value = raw(name)
    if value is None or value == "":
        return default
    try:
        return parse(value)
    except (TypeError, ValueError):
        raise ConfigError(name, f"expected {what}, got {value!r}") from None


def integer(name: str, default: int, *, minimum: int | None = None) -> int:
    result = _parse(name, default, int, "an integer")
    if minimum is not None and result < minimum:
        raise ConfigError(name, f"must be at least {minimum}, got {result}")
    return result


def number(name: str, default: float, *, minimum: float | None = None) -> float:
    result = _parse(name, default, float, "a number")
    if minimum is not None and result < minimum:
        raise ConfigError(name, f"must be at least {minimum}, got {result}")
    return result


def string_list(name: str, default: list[str]) -> list[str]:
    value = raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = string(name, default)
    if value not in choices:
        raise ConfigError(name, f"expected one of {', '.join(choices)}, got {value!r}")
    return value


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(name: str, default: timedelta) -> timedelta:
    """Accept seconds (``300``) or a number with a unit (``5m``, ``7d``, ``12h``, ``30s``)."""

    def parse(value: str) -> timedelta:
        unit = value[-1].lower()
        seconds = float(value[:-1]) * _UNITS[unit] if unit in _UNITS else float(value)
        if seconds <= 0:
            raise ValueError(value)
        return timedelta(seconds=seconds)

    return _parse(name, default, parse, "a positive duration such as 300, 5m, 12h or 7d")


def url(name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    value = string(name, default)
    scheme = value.split("://", 1)[0].lower() if "://" in value else ""
    if scheme not in schemes:
        raise ConfigError(name, f"expected a URL starting with {' or '.join(schemes)}://")
    return value


def url_list(name: str, default: list[str], *, schemes: tuple[str, ...]) -> list[str]:
    """Comma-separated URLs, each with one of ``schemes``; unset or empty gives ``default``."""
    value = raw(name)
    urls = [item.strip() for item in (value or "").split(",") if item.strip()]
    if not urls:
        return default
    for position, item in enumerate(urls, start=1):
        scheme = item.split("://", 1)[0].lower() if "://" in item else ""
        if scheme not in schemes:
            raise ConfigError(
                name,
                f"item {position} ({item.split('@')[-1]!r}) is not a URL starting with "
                f"{' or '.join(schemes)}://",
            )
    if len(set(urls)) != len(urls):
        raise ConfigError(name, "lists the same URL twice")
    return urls


def exit_on_config_error(error: ConfigError) -> NoReturn:
    print(f"Configuration error: {error}", file=sys.stderr)  # noqa: T201
    raise SystemExit(2)
