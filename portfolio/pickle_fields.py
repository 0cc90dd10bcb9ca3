"""Fast pickling for the frozen, slotted dataclasses of a cached ledger snapshot.

A slotted dataclass unpickles through the ``__setstate__`` that ``dataclass(slots=True)`` writes,
which calls ``dataclasses.fields()`` for every object: about 300 objects, and most of the time of
reading a 1,000-transaction portfolio's snapshot from the cache (``portfolio/snapshot_cache.py``).
``pickle_by_fields`` gives the class a ``__reduce__`` that pickles the field values as one tuple
and unpickles by calling the class with them (its ``__init__``, so ``__post_init__`` checks run as
for any new instance). Snapshots pickled before keep loading: ``__setstate__`` stays.
"""

from __future__ import annotations

import dataclasses
from operator import attrgetter
from typing import Any, TypeVar

C = TypeVar("C", bound=type)


def pickle_by_fields(cls: C) -> C:
    """Class decorator (above ``@dataclass(slots=True)``): pickle as ``cls(*field values)``."""
    fields = dataclasses.fields(cls)
    if any(not f.init or f.kw_only for f in fields):
        raise TypeError(f"{cls.__name__}: every field must be a positional __init__ argument")
    names = [f.name for f in fields]
    values = attrgetter(*names) if len(names) > 1 else (lambda obj: (getattr(obj, names[0]),))

    def __reduce__(self: Any) -> tuple[type, tuple[Any, ...]]:
        if type(self) is not cls:  # a subclass may have fields of its own
            raise TypeError(f"pickle_by_fields is not inherited: decorate {type(self).__name__}")
        return (cls, values(self))

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls
