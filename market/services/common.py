"""Small helpers the market writes share: whole-VND money, a row's source, signals sent safely."""

from __future__ import annotations

import logging
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from market.models import (
    DataSource,
)

logger = logging.getLogger(__name__)
BATCH_SIZE = 1000  # rows per bulk write
_WHOLE = Decimal(1)
_SOURCES = frozenset(DataSource.values)


def money(value: Decimal) -> Decimal:
    return value.quantize(_WHOLE, rounding=ROUND_HALF_UP)


def source_for(snapshot_source: str) -> str:
    return snapshot_source if snapshot_source in _SOURCES else DataSource.VNSTOCK


def send_signal(signal: Any, **kwargs: Any) -> None:
    for receiver, response in signal.send_robust(**kwargs):
        if isinstance(response, Exception):
            logger.error(
                "receiver %r of a market signal failed",
                receiver,
                exc_info=(type(response), response, response.__traceback__),
            )
