"""``pickle_by_fields``: the cached ledger's slotted dataclasses pickle as their field values."""

from __future__ import annotations

import copyreg
import io
import pickle
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from portfolio.ledger_books import Lot, Position
from portfolio.pickle_fields import pickle_by_fields
from portfolio.valuation import DayFlow, DayFlows

DAY = date(2026, 3, 2)
POSITION = Position(
    symbol="FPT",
    quantity=100,
    settled_quantity=0,
    cost=Decimal("9500000.5"),
    realized=Decimal(0),
    realized_vnd=Decimal(0),
    dividends=Decimal(0),
    fees=Decimal(14250),
    taxes=Decimal(0),
    lots=(Lot(100, Decimal("9500000.5"), DAY, DAY, 7),),
    sale_rows=((8, "FPT", DAY, 10, Decimal(96000), Decimal(1440), Decimal(960), Decimal(95000)),),
)
FLOWS = DayFlows(days=(DayFlow(DAY, 100, Decimal(9500000), 0, Decimal(0)),), complete=True)


def _round_trip(value: Any) -> Any:
    return pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))  # noqa: S301 - our own bytes


def test_a_position_pickles_as_its_class_called_with_its_field_values() -> None:
    # when a position is reduced for pickling
    cls, args = POSITION.__reduce__()
    # then it is rebuilt by calling its class with the values of its fields, in order
    assert cls is Position
    assert cls(*args) == POSITION
    assert _round_trip(POSITION) == POSITION
    assert _round_trip(FLOWS) == FLOWS


class _DataclassDefault(pickle.Pickler):
    """Pickles the classes as ``dataclass(slots=True)`` does without the decorator (their
    ``__getstate__``/``__setstate__``): how snapshots cached before it were written."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, Position | Lot | DayFlow | DayFlows):
            return copyreg.__newobj__, (type(obj),), obj.__getstate__()  # type: ignore[attr-defined]
        return NotImplemented


def test_a_snapshot_cached_before_the_change_still_loads() -> None:
    buffer = io.BytesIO()
    _DataclassDefault(buffer, pickle.HIGHEST_PROTOCOL).dump((POSITION, FLOWS))
    assert buffer.getvalue() != pickle.dumps((POSITION, FLOWS), pickle.HIGHEST_PROTOCOL)
    assert pickle.loads(buffer.getvalue()) == (POSITION, FLOWS)  # noqa: S301 - our own bytes


def test_a_subclass_is_refused_rather_than_pickled_as_its_base() -> None:
    @pickle_by_fields
    @dataclass(frozen=True, slots=True)
    class Base:
        a: int

    @dataclass(frozen=True, slots=True)
    class Child(Base):
        b: int

    with pytest.raises(TypeError, match="not inherited"):
        pickle.dumps(Child(1, 2))


def test_keyword_only_fields_are_refused_at_decoration() -> None:
    with pytest.raises(TypeError, match="positional"):

        @pickle_by_fields
        @dataclass(frozen=True, slots=True, kw_only=True)
        class KeywordOnly:
            a: int
