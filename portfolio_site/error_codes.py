"""Every error ``code`` the API can put in its error body, found in the source (``dump_error_codes``).

The client translates each code (``frontend/src/lib/api/error-codes.json`` lists them; a vitest test
fails when one lacks a message). Codes come from:

- ``code = "..."`` on ``DomainError`` subclasses, and the members of ``*ErrorCode`` string enums
  (the ledger's codes, passed on as ``code=str(exc.code)``);
- ``code="..."`` given to an exception class of the API (a ``DomainError`` or a DRF ``APIException``
  subclass) or to ``error_response`` (the OpenAPI examples), in this project and in simplejwt;
- ``error_body("...", ...)`` and ``_unavailable("...")`` (``"<what>_unavailable"``) in ``api_errors``;
- the ``default_code`` of every DRF and simplejwt ``APIException`` the handler passes on.
"""

from __future__ import annotations

import ast
import enum
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from rest_framework import exceptions as drf

from portfolio_site.errors import DomainError

PROJECT_PACKAGES = ("portfolio_site", "market", "portfolio", "realtime")
LIBRARY_PACKAGES = ("rest_framework_simplejwt",)
T = TypeVar("T")

SKIPPED_PARTS = {"tests", "migrations", "management"}


def _modules(package: str) -> Iterator[str]:
    root = importlib.import_module(package)
    yield package
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        if not SKIPPED_PARTS.intersection(info.name.split(".")):
            yield info.name


def _subclasses(cls: type[T]) -> set[type[T]]:
    found: set[type[T]] = set()
    todo: list[type[T]] = [cls]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def _callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _codes_in_source(path: Path, raisers: set[str]) -> set[str]:
    codes: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        name = _callee(node)
        if name in raisers or name == "error_response":
            codes.update(c for k in node.keywords if k.arg == "code" and (c := _literal(k.value)))
        elif name == "error_body" and node.args and (code := _literal(node.args[0])):
            codes.add(code)
        elif name == "_unavailable" and node.args and (what := _literal(node.args[0])):
            codes.add(f"{what}_unavailable")
    return codes


def collect_error_codes() -> list[str]:
    modules = [
        importlib.import_module(name)
        for package in PROJECT_PACKAGES + LIBRARY_PACKAGES
        for name in _modules(package)
    ]
    domain = _subclasses(DomainError) | {DomainError}
    api = _subclasses(drf.APIException) | {drf.APIException}
    codes = {str(cls.code) for cls in domain}
    codes |= {
        str(cls.default_code)
        for cls in api
        if cls.__module__.startswith(("rest_framework", *PROJECT_PACKAGES))
    }
    raisers = {cls.__name__ for cls in domain | api}
    for module in modules:
        for _, member in inspect.getmembers(module, inspect.isclass):
            if issubclass(member, enum.StrEnum) and member.__name__.endswith("ErrorCode"):
                codes.update(str(item) for item in member)
        source = getattr(module, "__file__", None)
        if source and source.endswith(".py"):
            codes |= _codes_in_source(Path(source), raisers)
    codes.discard("")
    return sorted(codes)


def error_codes_file() -> Path:
    return Path(settings.BASE_DIR) / "frontend" / "src" / "lib" / "api" / "error-codes.json"
