"""A deterministic, realistic market for development, demos and tests (no network).

Every number is a pure function of (``SIMULATED_SEED``, symbol, date, time) and of the settings
below, so every worker process computes the same board without sharing any state.

How the market is built
-----------------------
* **Daily closes** form one chain per symbol, starting on ``ANCHOR`` (the first trading day of the
  holiday table) at the symbol's base price. Each trading day draws a log return: a shared market
  factor (one draw per trading day) times the symbol's beta, an idiosyncratic draw, and a slight
  pull back towards the base price so levels stay plausible. The close is snapped to the tick grid
  and clamped to the band around the reference (= the previous close). The draws come from
  sequential generators seeded by (seed, symbol), so the chain is identical in every process.
* **A trading day's trades** (``simulated_trades.py``): a generator seeded by (seed, symbol, date)
  places trades on a grid of ``SIMULATED_STEP_SECONDS`` inside the price-discovery sessions (ATO,
  continuous, ATC; HNX's post-close and HOSE's put-through have none), at the symbol's liquidity
  (trades per second) and in volume bursts: every couple of minutes a few seconds of one-sided,
  larger orders. The first trade prints the open. The price is a slow "level" that moves one tick
  at a time along the "ladder" of grid prices inside the band, as a random bridge that is
  guaranteed to end exactly on the chain's close, plus a quick jitter of up to two ticks around it
  (trades at the bid and at the offer, bursts walking the book), clipped to the ladder and zero on
  the last trade. So every price is on the grid and inside the band, the close matches the daily
  bar, most VN30 symbols print several prices a minute, and nothing moves outside the matching
  sessions. Volumes are board lots (multiples of 100), so the accumulated volume only grows by lots.
* With ``SIMULATED_ALWAYS_OPEN`` trades run around the clock on every calendar day (a non-trading
  day bridges from the previous close to a close of its own that the chain never sees), so a
  demo moves at any hour; daily history still lists trading days only.

Indices (VNINDEX, VN30, HNXINDEX) are levels in points with 2 decimal places; they move in steps of
about 0.04% of their base level, within +/-7% of the previous close, with no tick or band rule,
and report their "value" at a nominal 20,000 VND per share. They have no order book and no trades.

Each (symbol, day) path is computed once per process (a few hundred microseconds, numpy) and
kept in a small LRU cache; the close chain is extended incrementally.
"""

from __future__ import annotations

import math
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import numpy as np

from market import calendar
from market.calendar import (
    PRICE_DISCOVERY_SESSIONS,
    SCHEDULES,
    Exchange,
    is_trading_day,
    market_date,
    previous_trading_day,
    to_vn,
)
from market.providers.base import (
    BarData,
    CorporateEventData,
    InstrumentInfo,
    Interval,
    ProviderDataError,
    ProviderError,
    QuoteSnapshot,
    TickData,
    read_setting,
)
from market.providers.simulated_events import simulated_events
from market.providers.simulated_trades import (
    DayPath,
    day_path,
    nearest,
    trade_values,
)
from market.providers.simulated_universe import UNIVERSE, SimulatedInstrument

SOURCE = "simulated"
ANCHOR = date(2024, 1, 2)
MAX_STEP_SECONDS = 30.0
_BAR_SECONDS = {"1m": 60, "5m": 300, "15m": 900, "1h": 3600}
_DAY_SECONDS = 86_400.0
_MEAN_REVERSION = 0.02
_TAG_MARKET = 0x4D4B54
_TAG_CHAIN = 1
_TAG_DAY = 2
_TAG_BOOK = 3


@dataclass(frozen=True, slots=True)
class _DayBar:
    open: int
    high: int
    low: int
    close: int
    volume: int
    value: int


class _Chain:
    """The daily closes of one symbol from ``ANCHOR``, extended on demand."""

    __slots__ = ("closes", "draws")

    def __init__(self, seed: int, symbol: str) -> None:
        self.closes: list[int] = []
        self.draws = np.random.default_rng([seed, _symbol_key(symbol), _TAG_CHAIN])


def _symbol_key(symbol: str) -> int:
    return zlib.crc32(symbol.encode())


def _tiers(spec: SimulatedInstrument) -> tuple[tuple[int, int], ...]:
    """``(from_price, tick)`` tiers of the grid, mirroring ``calendar.tick_size``."""
    if spec.exchange is Exchange.HOSE and spec.type in ("stock", "fund"):
        return ((0, 10), (10_000, 50), (50_000, 100))
    if spec.exchange is Exchange.HOSE:
        return ((0, 10),)
    return ((0, 100),)


def _index_unit(spec: SimulatedInstrument) -> int:
    return max(1, round(spec.base * 0.0004))


class SimulatedProvider:
    """The simulated market. ``clock`` returns the current aware instant (default: now, UTC)."""

    name = "simulated"

    def __init__(
        self,
        *,
        seed: int | None = None,
        always_open: bool | None = None,
        step_seconds: float | None = None,
        history_days: int | None = None,
        clock: Callable[[], datetime] | None = None,
        universe: Sequence[SimulatedInstrument] = UNIVERSE,
    ) -> None:
        self.seed = int(seed if seed is not None else read_setting("SIMULATED_SEED", 42))
        self.always_open = bool(
            always_open if always_open is not None else read_setting("SIMULATED_ALWAYS_OPEN", False)
        )
        self.step_seconds = float(
            step_seconds
            if step_seconds is not None
            else read_setting("SIMULATED_STEP_SECONDS", 1.0)
        )
        if not 0 < self.step_seconds <= MAX_STEP_SECONDS:
            raise ValueError(f"step_seconds must be in (0, {MAX_STEP_SECONDS:g}]")
        self.history_days = int(
            history_days
            if history_days is not None
            else read_setting("SIMULATED_HISTORY_DAYS", 730)
        )
        self._clock = clock or (lambda: datetime.now(UTC))
        self._specs = {spec.symbol: spec for spec in universe}
        self._lock = threading.RLock()
        self._chains: dict[str, _Chain] = {}
        self._market: list[float] = []
        self._market_draws = np.random.default_rng([self.seed, _TAG_MARKET])
        self._trading_days: list[date] = []
        self._trading_day_index: dict[date, int] = {}
        self._paths: OrderedDict[tuple[str, date], DayPath] = OrderedDict()
        self._bars: dict[tuple[str, date], _DayBar] = {}

    # --- public interface -----------------------------------------------------------------------

    def list_instruments(self) -> list[InstrumentInfo]:
        return [
            InstrumentInfo(
                symbol=spec.symbol,
                exchange=spec.exchange,
                type=spec.type,
                name=spec.name,
                name_en=spec.name_en,
                industry=spec.industry,
                lot_size=100,
                listed_shares=spec.listed_shares,
                groups=spec.groups,
            )
            for spec in self._specs.values()
        ]

    def price_board(self, symbols: Sequence[str]) -> list[QuoteSnapshot]:
        return self.price_board_at(symbols, self._clock())

    def price_board_at(self, symbols: Sequence[str], when: datetime) -> list[QuoteSnapshot]:
        """Snapshots of the known ``symbols`` at ``when`` (unknown symbols are skipped)."""
        return [self.quote_at(s, when) for s in dict.fromkeys(symbols) if s in self._specs]

    def quote_at(self, symbol: str, when: datetime) -> QuoteSnapshot:
        spec = self._spec(symbol)
        day, seconds = self._effective(when)
        with self._lock:
            path = self._path(spec, day)
        k = int(np.searchsorted(path.times, seconds, side="right"))
        return self._snapshot(spec, path, k, when)

    def history(self, symbol: str, *, interval: Interval, start: date, end: date) -> list[BarData]:
        spec = self._spec(symbol)
        now = self._clock()
        today = market_date(now)
        first = max(start, ANCHOR, today - timedelta(days=self.history_days))
        last = min(end, today)
        if first > last:
            return []
        if interval == "1d":
            return self._daily_bars(spec, first, last, now)
        if interval not in _BAR_SECONDS:
            raise ProviderDataError(f"unsupported interval {interval!r}")
        return self._intraday_bars(spec, interval, first, last, now)

    def corporate_events(
        self, symbols: Sequence[str], *, start: date, end: date
    ) -> dict[str, list[CorporateEventData] | ProviderError]:
        """Deterministic dividends, bonus issues and rights (``simulated_events.py``); indices
        and funds have none; an unknown symbol maps to a ``ProviderDataError``."""
        found: dict[str, list[CorporateEventData] | ProviderError] = {}
        for symbol in dict.fromkeys(symbols):
            spec = self._specs.get(symbol)
            if spec is None:
                found[symbol] = ProviderDataError(f"unknown symbol {symbol!r}")
            elif spec.type != "stock":
                found[symbol] = []
            else:
                found[symbol] = simulated_events(
                    seed=self.seed, symbol=symbol, start=start, end=end
                )
        return found

    def intraday_ticks(self, symbol: str, *, limit: int = 100) -> list[TickData]:
        """The latest ``limit`` trades of the current (or last) session, oldest first."""
        spec = self._spec(symbol)
        if spec.is_index or limit <= 0:
            return []
        day, seconds = self._effective(self._clock())
        with self._lock:
            path = self._path(spec, day)
        k = int(np.searchsorted(path.times, seconds, side="right"))
        return [self._tick(spec, path, j) for j in range(max(0, k - limit), k)]

    # --- snapshot, bars and ticks ---------------------------------------------------------------

    def _snapshot(
        self, spec: SimulatedInstrument, path: DayPath, k: int, when: datetime
    ) -> QuoteSnapshot:
        price = self._decimal_price(spec)
        traded = k > 0
        last_idx = int(path.ladder_idx[k - 1]) if traded else self._ladder_position(path)
        bids: tuple[tuple[Decimal, int], ...] = ()
        asks: tuple[tuple[Decimal, int], ...] = ()
        if not spec.is_index:
            bids, asks = self._book(spec, path, k, last_idx)
        return QuoteSnapshot(
            symbol=spec.symbol,
            exchange=spec.exchange,
            reference=price(path.reference),
            ceiling=None if path.ceiling is None else price(path.ceiling),
            floor=None if path.floor is None else price(path.floor),
            last=price(int(path.prices[k - 1])) if traded else price(path.reference),
            open=price(int(path.prices[0])) if traded else None,
            high=price(int(path.run_high[k - 1])) if traded else None,
            low=price(int(path.run_low[k - 1])) if traded else None,
            volume=int(path.cum_volume[k - 1]) if traded else 0,
            value=Decimal(int(path.cum_value[k - 1])) if traded else Decimal(0),
            bids=bids,
            asks=asks,
            foreign_buy=int(path.cum_foreign_buy[k - 1]) if traded else 0,
            foreign_sell=int(path.cum_foreign_sell[k - 1]) if traded else 0,
            as_of=when.astimezone(UTC),
            source=SOURCE,
        )

    def _book(
        self, spec: SimulatedInstrument, path: DayPath, k: int, last_idx: int
    ) -> tuple[tuple[tuple[Decimal, int], ...], tuple[tuple[Decimal, int], ...]]:
        """Best three bids and asks around the last price, inside the band."""
        rng = np.random.default_rng(
            [self.seed, _symbol_key(spec.symbol), path.day.toordinal(), k, _TAG_BOOK]
        )
        sizes = (rng.geometric(0.15, 6) * 100 * (2 if spec.liquidity >= 0.1 else 1)).tolist()
        hit_bid = k > 0 and path.sides[k - 1] < 0
        bid_start = last_idx if hit_bid else last_idx - 1
        ask_start = last_idx + 1 if hit_bid else last_idx
        if k == 0:
            bid_start, ask_start = last_idx - 1, last_idx + 1
        top = len(path.ladder) - 1
        bids = tuple(
            (Decimal(int(path.ladder[i])), int(sizes[n]))
            for n, i in enumerate(range(bid_start, bid_start - 3, -1))
            if 0 <= i <= top
        )
        asks = tuple(
            (Decimal(int(path.ladder[i])), int(sizes[3 + n]))
            for n, i in enumerate(range(ask_start, ask_start + 3))
            if 0 <= i <= top
        )
        return bids, asks

    def _daily_bars(
        self, spec: SimulatedInstrument, first: date, last: date, now: datetime
    ) -> list[BarData]:
        price = self._decimal_price(spec)
        today = market_date(now)
        bars = []
        for day in calendar.trading_days_between(first, last):
            if day == today:
                bar = self._partial_bar(spec, day, now)
                if bar is None:
                    continue
            else:
                bar = self._day_bar(spec, day)
            bars.append(
                BarData(
                    symbol=spec.symbol,
                    interval="1d",
                    start=calendar.vn_midnight_utc(day),
                    open=price(bar.open),
                    high=price(bar.high),
                    low=price(bar.low),
                    close=price(bar.close),
                    volume=bar.volume,
                    value=Decimal(bar.value),
                    source=SOURCE,
                )
            )
        return bars

    def _intraday_bars(
        self, spec: SimulatedInstrument, interval: Interval, first: date, last: date, now: datetime
    ) -> list[BarData]:
        price = self._decimal_price(spec)
        width = _BAR_SECONDS[interval]
        today, now_seconds = market_date(now), self._seconds(now)
        bars: list[BarData] = []
        day = first
        while day <= last:
            if self.always_open or is_trading_day(day):
                with self._lock:
                    path = self._path(spec, day)
                k = len(path.times)
                if day == today:
                    k = int(np.searchsorted(path.times, now_seconds, side="right"))
                if k:
                    bars.extend(self._bucket(spec, path, k, width, interval, price))
            day += timedelta(days=1)
        return bars

    def _bucket(
        self,
        spec: SimulatedInstrument,
        path: DayPath,
        k: int,
        width: int,
        interval: Interval,
        price: Callable[[int], Decimal],
    ) -> list[BarData]:
        times, prices, volumes = path.times[:k], path.prices[:k], path.volumes[:k]
        buckets = np.floor(times / width).astype(np.int64)
        starts = np.flatnonzero(np.r_[True, buckets[1:] != buckets[:-1]])
        ends = np.r_[starts[1:], k] - 1
        highs = np.maximum.reduceat(prices, starts)
        lows = np.minimum.reduceat(prices, starts)
        vols = np.add.reduceat(volumes, starts)
        values = np.add.reduceat(trade_values(spec, prices, volumes), starts)
        midnight = calendar.vn_midnight_utc(path.day)
        return [
            BarData(
                symbol=spec.symbol,
                interval=interval,
                start=midnight + timedelta(seconds=int(buckets[s]) * width),
                open=price(int(prices[s])),
                high=price(int(highs[n])),
                low=price(int(lows[n])),
                close=price(int(prices[e])),
                volume=int(vols[n]),
                value=Decimal(int(values[n])),
                source=SOURCE,
            )
            for n, (s, e) in enumerate(zip(starts, ends, strict=True))
        ]

    def _tick(self, spec: SimulatedInstrument, path: DayPath, j: int) -> TickData:
        side = int(path.sides[j])
        return TickData(
            symbol=spec.symbol,
            time=calendar.vn_midnight_utc(path.day) + timedelta(seconds=float(path.times[j])),
            price=Decimal(int(path.prices[j])),
            volume=int(path.volumes[j]),
            side="buy" if side > 0 else "sell" if side < 0 else "unknown",
            source_id=f"{spec.symbol}:{path.day:%Y%m%d}:{j}",
            source=SOURCE,
        )

    def _day_bar(self, spec: SimulatedInstrument, day: date) -> _DayBar:
        key = (spec.symbol, day)
        with self._lock:
            bar = self._bars.get(key)
            if bar is None:
                path = self._path(spec, day, keep=False)
                bar = self._bar_from(path, len(path.times))
                self._bars[key] = bar
            return bar

    def _partial_bar(self, spec: SimulatedInstrument, day: date, now: datetime) -> _DayBar | None:
        with self._lock:
            path = self._path(spec, day)
        k = int(np.searchsorted(path.times, self._seconds(now), side="right"))
        return self._bar_from(path, k) if k else None

    @staticmethod
    def _bar_from(path: DayPath, k: int) -> _DayBar:
        return _DayBar(
            open=int(path.prices[0]),
            high=int(path.run_high[k - 1]),
            low=int(path.run_low[k - 1]),
            close=int(path.prices[k - 1]),
            volume=int(path.cum_volume[k - 1]),
            value=int(path.cum_value[k - 1]),
        )

    # --- time -----------------------------------------------------------------------------------

    @staticmethod
    def _seconds(when: datetime) -> float:
        local = to_vn(when)
        midnight = datetime.combine(local.date(), time(0), tzinfo=local.tzinfo)
        return (local - midnight).total_seconds()

    def _effective(self, when: datetime) -> tuple[date, float]:
        """The simulated day that ``when`` shows, and the time into it (inf = the whole day)."""
        day, seconds = market_date(when), self._seconds(when)
        if not self.always_open and not is_trading_day(day):
            day, seconds = previous_trading_day(day), math.inf
        if day < ANCHOR:
            raise ProviderDataError(f"the simulation starts on {ANCHOR.isoformat()}")
        return day, seconds

    def _windows(self, spec: SimulatedInstrument, day: date) -> list[tuple[float, float]]:
        if self.always_open:
            return [(0.0, _DAY_SECONDS)]
        if not is_trading_day(day):
            return []
        return [
            (_clock_seconds(w.start), _clock_seconds(w.end))
            for w in SCHEDULES[spec.exchange]
            if w.session in PRICE_DISCOVERY_SESSIONS
        ]

    # --- prices ---------------------------------------------------------------------------------

    @staticmethod
    def _decimal_price(spec: SimulatedInstrument) -> Callable[[int], Decimal]:
        if spec.is_index:
            return lambda v: Decimal(v).scaleb(-2)
        return Decimal

    def _band(self, spec: SimulatedInstrument, reference: int) -> tuple[int, int]:
        if spec.is_index:
            unit = _index_unit(spec)
            reach = int(reference * 0.07) // unit * unit
            return reference - reach, reference + reach
        floor, ceiling = calendar.price_band(spec.exchange, Decimal(reference), spec.type)
        return int(floor), int(ceiling)

    def _ladder(self, spec: SimulatedInstrument, reference: int) -> np.ndarray:
        """Every price the instrument can trade at today, ascending."""
        floor, ceiling = self._band(spec, reference)
        if spec.is_index:
            return np.arange(floor, ceiling + 1, _index_unit(spec), dtype=np.int64)
        tiers = _tiers(spec)
        parts = []
        for n, (start, tick) in enumerate(tiers):
            stop = tiers[n + 1][0] if n + 1 < len(tiers) else None
            lo = max(floor, start)
            lo = -(-lo // tick) * tick
            hi = ceiling if stop is None else min(ceiling, stop - 1)
            if lo <= hi:
                parts.append(np.arange(lo, hi + 1, tick, dtype=np.int64))
        return np.concatenate(parts)

    def _snap(self, spec: SimulatedInstrument, reference: int, target: float) -> int:
        """The grid price nearest ``target``, clamped to the band around ``reference``."""
        floor, ceiling = self._band(spec, reference)
        if spec.is_index:
            unit = _index_unit(spec)
            snapped = reference + round((target - reference) / unit) * unit
        else:
            snapped = int(calendar.round_to_tick(spec.exchange, Decimal(round(target)), spec.type))
        return min(max(snapped, floor), ceiling)

    def _next_close(self, spec: SimulatedInstrument, reference: int, z: float) -> int:
        drift = _MEAN_REVERSION * math.log(spec.base / reference)
        return self._snap(spec, reference, reference * math.exp(drift + spec.sigma * z))

    # --- the close chain ------------------------------------------------------------------------

    def _day_index(self, day: date) -> int:
        """Position of trading day ``day`` in the chain (extends the calendar as needed)."""
        if not self._trading_days or self._trading_days[-1] < day:
            start = self._trading_days[-1] + timedelta(days=1) if self._trading_days else ANCHOR
            for d in calendar.trading_days_between(start, max(day, start + timedelta(days=90))):
                self._trading_day_index[d] = len(self._trading_days)
                self._trading_days.append(d)
        return self._trading_day_index[day]

    def _base_price(self, spec: SimulatedInstrument) -> int:
        if spec.is_index:
            return spec.base
        return int(calendar.round_to_tick(spec.exchange, Decimal(spec.base), spec.type))

    def _close(self, spec: SimulatedInstrument, i: int) -> int:
        """Close of the ``i``-th trading day since ``ANCHOR``."""
        chain = self._chains.get(spec.symbol)
        if chain is None:
            chain = self._chains[spec.symbol] = _Chain(self.seed, spec.symbol)
        while len(chain.closes) <= i:
            n = len(chain.closes)
            while len(self._market) <= n:
                self._market.append(float(self._market_draws.standard_normal()))
            idiosyncratic = float(chain.draws.standard_normal())
            z = spec.beta * self._market[n] + math.sqrt(1 - spec.beta**2) * idiosyncratic
            reference = chain.closes[-1] if chain.closes else self._base_price(spec)
            chain.closes.append(self._next_close(spec, reference, z))
        return chain.closes[i]

    def _reference(self, spec: SimulatedInstrument, day: date) -> int:
        """Previous trading day's close (the base price on the anchor day)."""
        before = previous_trading_day(day)
        if before < ANCHOR:
            return self._base_price(spec)
        return self._close(spec, self._day_index(before))

    # --- one day's trades -----------------------------------------------------------------------

    def _path(self, spec: SimulatedInstrument, day: date, *, keep: bool = True) -> DayPath:
        key = (spec.symbol, day)
        path = self._paths.get(key)
        if path is not None:
            self._paths.move_to_end(key)
            return path
        path = self._build_path(spec, day)
        if keep:
            self._paths[key] = path
            while len(self._paths) > 256:
                self._paths.popitem(last=False)
        return path

    def _build_path(self, spec: SimulatedInstrument, day: date) -> DayPath:
        rng = np.random.default_rng(
            [self.seed, _symbol_key(spec.symbol), day.toordinal(), _TAG_DAY]
        )
        reference = self._reference(spec, day)
        if is_trading_day(day):
            close = self._close(spec, self._day_index(day))
        else:  # always-open mode on a weekend or holiday: a close the chain never sees
            close = self._next_close(spec, reference, float(rng.standard_normal()))
        return day_path(
            spec=spec,
            day=day,
            rng=rng,
            reference=reference,
            close=close,
            ladder=self._ladder(spec, reference),
            band=None if spec.is_index else self._band(spec, reference),
            windows=self._windows(spec, day),
            step_seconds=self.step_seconds,
            always_open=self.always_open,
        )

    @staticmethod
    def _ladder_position(path: DayPath) -> int:
        return nearest(path.ladder, path.reference)

    def _spec(self, symbol: str) -> SimulatedInstrument:
        spec = self._specs.get(symbol)
        if spec is None:
            raise ProviderDataError(f"unknown symbol {symbol!r}")
        return spec


def _clock_seconds(t: time) -> float:
    return float(t.hour * 3600 + t.minute * 60 + t.second)
