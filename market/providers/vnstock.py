"""The vnstock adapter: the only module that imports vnstock, and only lazily, inside functions.

Import. Before the first import we set ``VNSTOCK_DISABLE_AGENT_SETUP=1`` (no AGENTS.md / CLAUDE.md
written anywhere), ``VNSTOCK_TELEMETRY=off`` and ``VNSTOCK_CIRCUIT_BREAKER=off`` (every failure
reaches us instead of a silent cooldown). vnstock's ``__init__`` runs a dependency and PyPI update
check (``vnstock.core.utils.upgrade.update_notice``: three ``pip list`` subprocesses and two HTTP
calls, ~1 s); a stand-in module answers that one import while vnstock initialises and is removed
right after. vnai's adverts and notices are silenced (``vendor_quiet.py``); its usage guard is
left untouched. We also set vnstock's
``Config.RETRY_AFTER_MAX_WAIT = 0`` so that a 429 with ``Retry-After`` surfaces as an error at once
instead of sleeping inside a worker. vnai still writes ``~/.vnstock`` on its first use.

Budget. Every HTTP attempt takes one unit from the shared ``OutboundBudget`` before it leaves: one
is reserved before each vnstock call, and each further attempt vnstock's own retry makes (up to 3
on network errors / 5xx, with 2-10 s back-off) takes another, counted by wrapping the vendor
object's method on our own instance. When the budget is spent the retry stops with
``ProviderRateLimited``.

Errors. ``ConnectionError``, ``requests`` errors, timeouts and HTTP 5xx become
``ProviderUnavailable``; vnstock's ``RateLimitedError`` / ``CircuitOpenError`` and vnai's quota
``SystemExit`` become ``ProviderRateLimited`` (any other ``SystemExit`` propagates); ``ValueError``,
``KeyError`` and friends raised inside vnstock (empty data, schema changes) become
``ProviderUnavailable``; a reply whose columns we cannot read becomes ``ProviderDataError``.
KBS hides HTTP errors of its listing and price board behind an EMPTY frame: empty is always
``ProviderUnavailable`` here, never "no symbols".

Units are converted once, here: history and intraday prices arrive in thousands of VND (x1000,
rounded to whole VND), the price board in raw VND, indices in points (2 dp). Naive vendor times
are Vietnam wall-clock; everything leaves as aware UTC. KBS daily bars stamped 07:00 become the
date. Exchange codes are normalised (HSX -> HOSE).

Indices are not on the vnstock price board: ``price_board`` serves an index symbol from one
daily-history call (reference = the previous bar's close, last = the latest bar's close).

vnstock objects are not thread safe: a fresh one is built for every call.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import sys
import threading
import types
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeVar

from market.calendar import (
    VN_TZ,
    Exchange,
    InstrumentType,
    is_trading_day,
    market_date,
    vn_midnight_utc,
)
from market.providers.base import (
    BarData,
    CorporateEventData,
    InstrumentInfo,
    Interval,
    ProviderDataError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
    QuoteSnapshot,
    TickData,
    TradeSide,
    read_setting,
)
from market.providers.vendor_quiet import silence_banners

if TYPE_CHECKING:
    import pandas as pd

    from market.providers.budget import CallBudget

logger = logging.getLogger(__name__)

T = TypeVar("T")

SOURCES = ("KBS", "VCI")
INDEX_SYMBOLS: dict[str, tuple[Exchange, str]] = {
    "VNINDEX": (Exchange.HOSE, "VN-Index"),
    "VN30": (Exchange.HOSE, "VN30 Index"),
    "HNXINDEX": (Exchange.HNX, "HNX-Index"),
}
# Index baskets whose members the listing sync records (the price board's VN30 and HNX30 lists).
DEFAULT_GROUPS = ("VN30", "HNX30")
_OTHER_INDICES = frozenset({"UPCOMINDEX", "VN100", "HNX30", "VNMIDCAP", "VNSMALLCAP"})
_EXCHANGES = {
    "HOSE": Exchange.HOSE,
    "HSX": Exchange.HOSE,
    "HNX": Exchange.HNX,
    "UPCOM": Exchange.UPCOM,
}
_VENDOR_INTERVAL = {"1m": "1m", "5m": "5m", "15m": "15m", "1h": "1H", "1d": "1D"}
_BOARD_CHUNK = 50
_VNAI_QUOTA_MESSAGE = "Rate limit exceeded"
_VNAI_RETRY_AFTER = 60.0
# ICB supersector codes as VCI reports them (icbCode2).
_ICB_SUPERSECTORS = {
    "0500": "Oil & Gas",
    "1300": "Chemicals",
    "1700": "Basic Resources",
    "2300": "Construction & Materials",
    "2700": "Industrial Goods & Services",
    "3300": "Automobiles & Parts",
    "3500": "Food & Beverage",
    "3700": "Personal & Household Goods",
    "4500": "Health Care",
    "5300": "Retail",
    "5500": "Media",
    "5700": "Travel & Leisure",
    "6500": "Telecommunications",
    "7500": "Utilities",
    "8300": "Banks",
    "8500": "Insurance",
    "8600": "Real Estate",
    "8700": "Financial Services",
    "9500": "Technology",
}
_ETF_PREFIXES = ("FUE", "E1V")

_import_lock = threading.Lock()
_UPGRADE_MODULE = "vnstock.core.utils.upgrade"
_CHART_MODULES = ("vnstock_chart", "vnstock_ezchart")


def _vendor_environment() -> None:
    os.environ.setdefault("VNSTOCK_DISABLE_AGENT_SETUP", "1")
    os.environ.setdefault("VNSTOCK_TELEMETRY", "off")
    os.environ.setdefault("VNSTOCK_CIRCUIT_BREAKER", "off")
    api_key = read_setting("VNSTOCK_API_KEY", "")
    if api_key and not os.environ.get("VNSTOCK_API_KEY"):
        os.environ["VNSTOCK_API_KEY"] = str(api_key)


def import_vnstock() -> types.ModuleType:
    """Import vnstock once per process with its side effects switched off (see module doc)."""
    with _import_lock:
        _vendor_environment()
        if "vnstock" not in sys.modules:
            stand_in = types.ModuleType(_UPGRADE_MODULE)
            stand_in.update_notice = lambda verbose=False: None  # type: ignore[attr-defined]
            blocked: dict[str, types.ModuleType | None] = {_UPGRADE_MODULE: stand_in}
            # The optional chart helpers pull in matplotlib (seconds, and a font cache in HOME);
            # vnstock treats them as absent when their import fails, and we draw no charts.
            blocked |= {name: None for name in _CHART_MODULES if name not in sys.modules}
            sys.modules.update(blocked)  # type: ignore[arg-type]
            try:
                import vnstock
                import vnstock.common  # its chart module looks for the helpers now

                silence_banners()  # vnai's adverts and notices, before its first use
            finally:
                for name, module in blocked.items():
                    if name in sys.modules and sys.modules[name] is module:
                        del sys.modules[name]
        import vnstock
        from vnstock.config import Config

        Config.RETRY_AFTER_MAX_WAIT = 0.0
        return vnstock


# --- unit conversion -----------------------------------------------------------------------------


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() in ("", "nan", "NaN", "None", "null")
    try:
        return bool(value != value)  # NaN, NaT
    except (TypeError, ValueError):
        return False


def _decimal(value: Any) -> Decimal | None:
    """Vendor number (float, int, numpy scalar or numeric string) as Decimal via ``str``."""
    if _is_missing(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    text = str(value).strip().replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ProviderDataError(f"not a number: {value!r}") from None
    if not number.is_finite():
        return None
    return number


def _vnd(value: Any, *, thousands: bool = False) -> Decimal | None:
    """Whole VND, or None for missing/zero (the board shows 0 for "no price")."""
    number = _decimal(value)
    if number is None or number == 0:
        return None
    if thousands:
        number *= 1000
    return number.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _points(value: Any) -> Decimal | None:
    number = _decimal(value)
    if number is None or number == 0:
        return None
    return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _int(value: Any) -> int:
    number = _decimal(value)
    return 0 if number is None else int(number.to_integral_value(rounding=ROUND_HALF_UP))


def _value_in_vnd(raw: Any, *, volume: int, average: Decimal | None, default_scale: int) -> Decimal:
    """Accumulated value in VND. Sources report it in VND, thousands or millions: when volume and
    an average price are known, pick the scale that agrees with ``volume x average``."""
    number = _decimal(raw)
    if number is None or number <= 0:
        return Decimal(0)
    scale = default_scale
    if volume > 0 and average:
        estimate = float(volume * average)
        scale = min(
            (1, 1_000, 1_000_000, 1_000_000_000),
            key=lambda s: abs(math.log(float(number) * s / estimate)),
        )
    return (number * scale).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _as_utc(value: Any) -> datetime:
    """A vendor timestamp (naive = Vietnam wall clock) as aware UTC."""
    if _is_missing(value):
        raise ProviderDataError("missing timestamp")
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    elif isinstance(value, str):
        value = datetime.fromisoformat(value.strip())
    elif isinstance(value, date) and not isinstance(value, datetime):
        return vn_midnight_utc(value)
    if not isinstance(value, datetime):
        raise ProviderDataError(f"not a timestamp: {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=VN_TZ)
    return value.astimezone(UTC)


def _epoch_ms(value: Any) -> datetime | None:
    number = _decimal(value)
    if number is None or number <= 0:
        return None
    return datetime.fromtimestamp(float(number) / 1000, tz=UTC)


def _exchange(code: Any) -> Exchange | None:
    if _is_missing(code):
        return None
    return _EXCHANGES.get(str(code).strip().upper())


def _instrument_type(raw: Any, symbol: str) -> InstrumentType | None:
    kind = "" if _is_missing(raw) else str(raw).strip().lower()
    if kind == "stock":
        return "stock"
    if kind == "etf":
        return "etf"
    if kind in ("fund", "ifc", "unit_trust"):
        return "etf" if symbol.startswith(_ETF_PREFIXES) else "fund"
    if kind in ("cw", "coveredwarr", "covered_warrant", "warrant"):
        return "cw"
    return None


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ProviderDataError(
            f"{what}: columns {missing} missing (got {list(frame.columns)}); the source changed"
        )


def is_index_symbol(symbol: str) -> bool:
    return symbol in INDEX_SYMBOLS or symbol in _OTHER_INDICES


# --- error mapping -------------------------------------------------------------------------------


def _is_vnai_quota_exit(exc: SystemExit) -> bool:
    return type(exc) is SystemExit and _VNAI_QUOTA_MESSAGE in str(exc.code)


def _guarded(what: str, call: Callable[[], T]) -> T:
    """Run one vnstock call and translate whatever it raises into the ProviderError family."""
    import_vnstock()
    import requests
    from vnstock.core.exceptions import CircuitOpenError, DataSourceBlockedError, RateLimitedError

    try:
        return call()
    except ProviderError:
        raise
    except SystemExit as exc:
        if _is_vnai_quota_exit(exc):
            raise ProviderRateLimited(
                f"{what}: vnstock's own quota is exhausted", retry_after=_VNAI_RETRY_AFTER
            ) from None
        raise
    except (RateLimitedError, CircuitOpenError) as exc:
        wait = (
            getattr(exc, "retry_after", None)
            or getattr(exc, "remaining", None)
            or getattr(exc, "cooldown", None)
            or _VNAI_RETRY_AFTER
        )
        raise ProviderRateLimited(f"{what}: source rate-limited us", retry_after=wait) from exc
    except DataSourceBlockedError as exc:
        raise ProviderUnavailable(f"{what}: source refused access ({exc.reason})") from exc
    except (ConnectionError, TimeoutError, requests.RequestException, OSError) as exc:
        raise ProviderUnavailable(f"{what}: source unreachable: {exc}") from exc
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        if type(exc).__name__ == "RateLimitExceeded":  # vnai's guard, should it ever escape
            raise ProviderRateLimited(
                f"{what}: vnstock's own quota is exhausted", retry_after=_VNAI_RETRY_AFTER
            ) from exc
        raise ProviderUnavailable(f"{what}: unusable reply from the source: {exc}") from exc


# --- the adapter ---------------------------------------------------------------------------------


class VnstockProvider:
    """Market data from vnstock (sources KBS or VCI), through the shared outbound budget."""

    name = "vnstock"

    def __init__(
        self,
        *,
        source: str | None = None,
        budget: CallBudget | None = None,
        groups: Sequence[str] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.source = str(source or read_setting("VNSTOCK_SOURCE", "KBS")).upper()
        if self.source not in SOURCES:
            raise ValueError(f"unsupported vnstock source {self.source!r}")
        self._budget = budget
        self.groups = tuple(groups or read_setting("VNSTOCK_GROUPS", DEFAULT_GROUPS))
        self._clock = clock or (lambda: datetime.now(UTC))

    @property
    def source_label(self) -> str:
        return f"vnstock:{self.source}"

    @property
    def budget(self) -> CallBudget:
        if self._budget is None:
            from market.providers.budget import default_budget

            self._budget = default_budget()
        return self._budget

    # --- plumbing -------------------------------------------------------------------------------

    def _vendor(self, kind: str, **kwargs: Any) -> Any:
        vnstock = import_vnstock()
        factory = {"listing": vnstock.Listing, "trading": vnstock.Trading, "quote": vnstock.Quote}
        return factory[kind](source=self.source, **kwargs)

    def _call(self, what: str, api: Any, method: str, **kwargs: Any) -> Any:
        """Call ``api.<method>`` once, budgeting the first attempt and every vnstock retry."""
        self.budget.acquire(1)
        attempts = 0
        provider = api.provider
        original = getattr(provider, method)

        @functools.wraps(original)
        def metered(*args: Any, **kw: Any) -> Any:
            nonlocal attempts
            attempts += 1
            if attempts > 1:
                self.budget.acquire(1)
            return original(*args, **kw)

        setattr(provider, method, metered)  # this instance only; vnai's guard stays inside
        return _guarded(what, lambda: getattr(api, method)(**kwargs))

    # --- listing --------------------------------------------------------------------------------

    def list_instruments(self) -> list[InstrumentInfo]:
        frame = self._listing_frame()
        members: dict[str, list[str]] = {}
        for group in self.groups:
            for symbol in self._group(group):
                members.setdefault(symbol, []).append(group)
        instruments = self._instruments(frame, members)
        known = {i.symbol for i in instruments}
        for symbol, (exchange, name) in INDEX_SYMBOLS.items():
            if symbol not in known:
                instruments.append(
                    InstrumentInfo(symbol, exchange, "index", name, name, "", 100, None, ())
                )
        return instruments

    def _listing_frame(self) -> pd.DataFrame:
        api = _guarded("listing", lambda: self._vendor("listing"))
        if self.source == "KBS":
            frame = self._call("listing", api, "symbols_by_exchange", show_log=False)
        else:
            frame = self._call("listing", api, "symbols_by_exchange", lang="vi", show_log=False)
        if frame is None or len(frame) == 0:
            raise ProviderUnavailable(f"{self.source_label}: empty listing")
        return frame

    def _group(self, group: str) -> list[str]:
        api = _guarded("group", lambda: self._vendor("listing"))
        series = self._call(f"group {group}", api, "symbols_by_group", group=group, show_log=False)
        symbols = [str(s).strip().upper() for s in list(series) if not _is_missing(s)]
        if not symbols:
            raise ProviderUnavailable(f"{self.source_label}: empty group {group}")
        return symbols

    def _instruments(
        self, frame: pd.DataFrame, members: dict[str, list[str]]
    ) -> list[InstrumentInfo]:
        _require(frame, ("symbol", "exchange", "type", "organ_name"), "listing")
        instruments = []
        for row in frame.to_dict("records"):
            symbol = str(row["symbol"]).strip().upper()
            exchange = _exchange(row["exchange"])
            kind = _instrument_type(row["type"], symbol)
            if not symbol or exchange is None or kind is None:
                continue
            industry = ""
            icb = row.get("icb_code2")
            if not _is_missing(icb):
                industry = _ICB_SUPERSECTORS.get(str(icb).strip().zfill(4), "")
            instruments.append(
                InstrumentInfo(
                    symbol=symbol,
                    exchange=exchange,
                    type=kind,
                    name=str(row.get("organ_name") or "").strip(),
                    name_en=""
                    if _is_missing(row.get("en_organ_name"))
                    else str(row["en_organ_name"]).strip(),
                    industry=industry,
                    lot_size=100,
                    listed_shares=None,
                    groups=tuple(members.get(symbol, ())),
                    short_name=""
                    if _is_missing(row.get("organ_short_name"))
                    else str(row["organ_short_name"]).strip(),
                )
            )
        if not instruments:
            raise ProviderDataError(f"{self.source_label}: no usable row in the listing")
        return instruments

    # --- price board ----------------------------------------------------------------------------

    def price_board(self, symbols: Sequence[str]) -> list[QuoteSnapshot]:
        wanted = list(dict.fromkeys(s.strip().upper() for s in symbols if s and s.strip()))
        stocks = [s for s in wanted if not is_index_symbol(s)]
        quotes: dict[str, QuoteSnapshot] = {}
        for n in range(0, len(stocks), _BOARD_CHUNK):
            for quote in self._board(stocks[n : n + _BOARD_CHUNK]):
                quotes[quote.symbol] = quote
        for symbol in wanted:
            if is_index_symbol(symbol):
                quotes[symbol] = self._index_quote(symbol)
        if wanted and not quotes:
            raise ProviderUnavailable(f"{self.source_label}: price board returned nothing")
        return [quotes[s] for s in wanted if s in quotes]

    def _board(self, symbols: list[str]) -> list[QuoteSnapshot]:
        api = _guarded("price board", lambda: self._vendor("trading"))
        if self.source == "KBS":
            frame = self._call("price board", api, "price_board", symbols_list=symbols)
        else:
            frame = self._call(
                "price board",
                api,
                "price_board",
                symbols_list=symbols,
                flatten_columns=True,
                drop_levels=[0],
            )
        if frame is None or len(frame) == 0:
            raise ProviderUnavailable(f"{self.source_label}: empty price board")
        rows = frame.to_dict("records")
        now = self._clock().astimezone(UTC)
        parse = self._kbs_quote if self.source == "KBS" else self._vci_quote
        return [parse(row, now) for row in rows if str(row.get("symbol", "")).upper() in symbols]

    def _kbs_quote(self, row: dict[str, Any], now: datetime) -> QuoteSnapshot:
        needed = ("symbol", "exchange", "reference_price", "ceiling_price", "floor_price")
        _need_keys(row, (*needed, "close_price", "volume_accumulated"), "KBS price board")
        volume = _int(row.get("volume_accumulated"))
        return self._quote(
            row,
            now,
            reference=row["reference_price"],
            ceiling=row["ceiling_price"],
            floor=row["floor_price"],
            last=row["close_price"],
            open_=row.get("open_price"),
            high=row.get("high_price"),
            low=row.get("low_price"),
            volume=volume,
            value=_value_in_vnd(
                row.get("total_value"),
                volume=volume,
                average=_vnd(row.get("average_price")),
                default_scale=1,
            ),
            bids=[(row.get(f"bid_price_{i}"), row.get(f"bid_vol_{i}")) for i in (1, 2, 3)],
            asks=[(row.get(f"ask_price_{i}"), row.get(f"ask_vol_{i}")) for i in (1, 2, 3)],
            foreign=(row.get("foreign_buy_volume"), row.get("foreign_sell_volume")),
            as_of=_epoch_ms(row.get("time")) or now,
        )

    def _vci_quote(self, row: dict[str, Any], now: datetime) -> QuoteSnapshot:
        needed = ("symbol", "exchange", "ref_price", "ceiling", "floor", "match_price")
        _need_keys(row, (*needed, "accumulated_volume"), "VCI price board")
        volume = _int(row.get("accumulated_volume"))
        return self._quote(
            row,
            now,
            reference=row["ref_price"],
            ceiling=row["ceiling"],
            floor=row["floor"],
            last=row["match_price"],
            open_=row.get("open_price"),
            high=row.get("highest"),
            low=row.get("lowest"),
            volume=volume,
            value=_value_in_vnd(
                row.get("accumulated_value"),
                volume=volume,
                average=_vnd(row.get("avg_match_price")),
                default_scale=1_000_000,
            ),
            bids=[(row.get(f"bid_{i}_price"), row.get(f"bid_{i}_volume")) for i in (1, 2, 3)],
            asks=[(row.get(f"ask_{i}_price"), row.get(f"ask_{i}_volume")) for i in (1, 2, 3)],
            foreign=(row.get("foreign_buy_volume"), row.get("foreign_sell_volume")),
            as_of=now,
        )

    def _quote(
        self,
        row: dict[str, Any],
        now: datetime,
        *,
        reference: Any,
        ceiling: Any,
        floor: Any,
        last: Any,
        open_: Any,
        high: Any,
        low: Any,
        volume: int,
        value: Decimal,
        bids: list[tuple[Any, Any]],
        asks: list[tuple[Any, Any]],
        foreign: tuple[Any, Any],
        as_of: datetime,
    ) -> QuoteSnapshot:
        symbol = str(row["symbol"]).strip().upper()
        exchange = _exchange(row["exchange"])
        ref = _vnd(reference)
        if exchange is None or ref is None:
            raise ProviderDataError(f"{symbol}: no exchange or reference price on the board")
        traded = volume > 0
        return QuoteSnapshot(
            symbol=symbol,
            exchange=exchange,
            reference=ref,
            ceiling=_vnd(ceiling),
            floor=_vnd(floor),
            last=(_vnd(last) if traded else None) or ref,
            open=_vnd(open_) if traded else None,
            high=_vnd(high) if traded else None,
            low=_vnd(low) if traded else None,
            volume=volume,
            value=value,
            bids=_levels(bids),
            asks=_levels(asks),
            foreign_buy=_int(foreign[0]),
            foreign_sell=_int(foreign[1]),
            as_of=as_of,
            source=self.source_label,
        )

    def _index_quote(self, symbol: str) -> QuoteSnapshot:
        today = market_date(self._clock())
        bars = self.history(symbol, interval="1d", start=today - timedelta(days=14), end=today)
        if len(bars) < 2:
            raise ProviderUnavailable(f"{self.source_label}: not enough history for {symbol}")
        previous, latest = bars[-2], bars[-1]
        exchange = INDEX_SYMBOLS.get(symbol, (Exchange.HOSE, ""))[0]
        if latest.trading_date < today and is_trading_day(today):
            # Today's session has not printed yet: yesterday's close is today's reference.
            return QuoteSnapshot(
                symbol=symbol,
                exchange=exchange,
                reference=latest.close,
                ceiling=None,
                floor=None,
                last=latest.close,
                open=None,
                high=None,
                low=None,
                volume=0,
                value=Decimal(0),
                bids=(),
                asks=(),
                foreign_buy=0,
                foreign_sell=0,
                as_of=self._clock().astimezone(UTC),
                source=self.source_label,
            )
        return QuoteSnapshot(
            symbol=symbol,
            exchange=exchange,
            reference=previous.close,
            ceiling=None,
            floor=None,
            last=latest.close,
            open=latest.open,
            high=latest.high,
            low=latest.low,
            volume=latest.volume,
            value=latest.value or Decimal(0),
            bids=(),
            asks=(),
            foreign_buy=0,
            foreign_sell=0,
            as_of=self._clock().astimezone(UTC),
            source=self.source_label,
        )

    # --- history and ticks ----------------------------------------------------------------------

    def history(self, symbol: str, *, interval: Interval, start: date, end: date) -> list[BarData]:
        if interval not in _VENDOR_INTERVAL:
            raise ProviderDataError(f"unsupported interval {interval!r}")
        symbol = symbol.strip().upper()
        api = _guarded("history", lambda: self._vendor("quote", symbol=symbol))
        kwargs: dict[str, Any] = {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "interval": _VENDOR_INTERVAL[interval],
        }
        if self.source == "KBS":
            kwargs["get_all"] = True  # adds the traded value column
        frame = self._call(f"history {symbol}", api, "history", **kwargs)
        if frame is None or len(frame) == 0:
            raise ProviderUnavailable(f"{self.source_label}: no history for {symbol}")
        return self._bars(frame, symbol, interval, start, end)

    def _bars(
        self, frame: pd.DataFrame, symbol: str, interval: Interval, start: date, end: date
    ) -> list[BarData]:
        _require(frame, ("time", "open", "high", "low", "close", "volume"), "history")
        index = is_index_symbol(symbol)
        value_column = (
            "value" if "value" in frame.columns else "va" if "va" in frame.columns else None
        )
        bars: dict[datetime, BarData] = {}
        for row in frame.to_dict("records"):
            moment = _as_utc(row["time"])
            if interval == "1d":
                moment = vn_midnight_utc(market_date(moment))
            day = market_date(moment)
            if not start <= day <= end:
                continue  # VCI does not trim to ``start``
            prices = [
                _points(row[c]) if index else _vnd(row[c], thousands=True)
                for c in ("open", "high", "low", "close")
            ]
            if any(p is None for p in prices):
                raise ProviderDataError(f"{symbol}: bar at {moment.isoformat()} lacks a price")
            open_, high, low, close = (p for p in prices if p is not None)
            raw_value = row.get(value_column) if value_column else None
            value = None if _is_missing(raw_value) else _value_vnd(raw_value)
            bars[moment] = BarData(
                symbol=symbol,
                interval=interval,
                start=moment,
                open=open_,
                high=high,
                low=low,
                close=close,
                volume=_int(row["volume"]),
                value=value,
                source=self.source_label,
            )
        return [bars[k] for k in sorted(bars)]

    def corporate_events(
        self, symbols: Sequence[str], *, start: date, end: date
    ) -> dict[str, list[CorporateEventData] | ProviderError]:
        """Dividends, share issues and rights from VCI's company events (``vnstock_events.py``)."""
        from market.providers.vnstock_events import corporate_events

        return corporate_events(self, symbols, start=start, end=end)

    def intraday_ticks(self, symbol: str, *, limit: int = 100) -> list[TickData]:
        """The latest ``limit`` trades, oldest first. Empty for indices."""
        symbol = symbol.strip().upper()
        if is_index_symbol(symbol) or limit <= 0:
            return []
        api = _guarded("intraday", lambda: self._vendor("quote", symbol=symbol))
        frame = self._call(f"intraday {symbol}", api, "intraday", page_size=limit)
        if frame is None or len(frame) == 0:
            return []
        _require(frame, ("time", "price", "volume"), "intraday")
        ticks = []
        for row in frame.to_dict("records"):
            price = _vnd(row["price"], thousands=True)
            if price is None:
                raise ProviderDataError(f"{symbol}: trade without a price")
            raw_id = row.get("id")
            ticks.append(
                TickData(
                    symbol=symbol,
                    time=_as_utc(row["time"]),
                    price=price,
                    volume=_int(row["volume"]),
                    side=_side(row.get("match_type")),
                    source_id=None if _is_missing(raw_id) else f"{self.source}:{raw_id}",
                    source=self.source_label,
                )
            )
        ticks.sort(key=lambda t: t.time)
        return ticks[-limit:]


def _value_vnd(raw: Any) -> Decimal | None:
    number = _decimal(raw)
    if number is None:
        return None
    return number.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _need_keys(row: dict[str, Any], keys: Iterable[str], what: str) -> None:
    missing = [k for k in keys if k not in row]
    if missing:
        raise ProviderDataError(f"{what}: fields {missing} missing; the source changed")


def _levels(pairs: list[tuple[Any, Any]]) -> tuple[tuple[Decimal, int], ...]:
    levels = []
    for price, volume in pairs:
        p = _vnd(price)
        if p is not None:
            levels.append((p, _int(volume)))
    return tuple(levels)


def _side(raw: Any) -> TradeSide:
    kind = "" if _is_missing(raw) else str(raw).strip().lower()
    if kind in ("buy", "b"):
        return "buy"
    if kind in ("sell", "s"):
        return "sell"
    return "unknown"


def probe_reachable(*, timeout: float = 5.0, symbol: str = "VCB") -> tuple[bool, str]:
    """One budgeted price-board call, abandoned after ``timeout`` seconds. Returns (ok, reason).

    A full budget counts as reachable: other processes are evidently talking to the source.
    """
    outcome: dict[str, tuple[bool, str]] = {}

    def attempt() -> None:
        try:
            quotes = VnstockProvider().price_board([symbol])
            outcome["result"] = (bool(quotes), "price board answered")
        except ProviderRateLimited:
            outcome["result"] = (True, "budget busy, assumed reachable")
        except ProviderError as exc:
            outcome["result"] = (False, str(exc))
        except ImportError as exc:
            outcome["result"] = (False, f"vnstock not importable: {exc}")
        except Exception as exc:  # the probe must never take the caller down
            outcome["result"] = (False, f"{type(exc).__name__}: {exc}")

    worker = threading.Thread(target=attempt, name="vnstock-probe", daemon=True)
    worker.start()
    worker.join(timeout)
    return outcome.get("result", (False, f"no answer within {timeout:g}s"))
