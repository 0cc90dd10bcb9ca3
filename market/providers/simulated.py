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
* **A trading day's trades**: a generator seeded by (seed, symbol, date) places trades (at a rate
  per second set by the symbol's liquidity) on a grid of ``SIMULATED_STEP_SECONDS`` inside the
  price-discovery sessions (ATO, continuous, ATC; HNX's
  post-close and HOSE's put-through have none). The first trade prints the open; the price then
  moves one tick at a time along the "ladder" of grid prices inside the band, as a random bridge
  that is guaranteed to end exactly on the chain's close. So every price is on the grid and inside
  the band, the close matches the daily bar, and nothing moves outside the matching sessions.
  Volumes are board lots (multiples of 100), so the accumulated volume only grows by lots.
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

import bisect
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
    InstrumentType,
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

SOURCE = "simulated"
ANCHOR = date(2024, 1, 2)
MAX_STEP_SECONDS = 30.0
INDEX_NOMINAL_SHARE_PRICE = 20_000
_BAR_SECONDS = {"1m": 60, "5m": 300, "15m": 900, "1h": 3600}
_DAY_SECONDS = 86_400.0
_MEAN_REVERSION = 0.02
_FOREIGN_SHARE = 0.08
_TAG_MARKET = 0x4D4B54
_TAG_CHAIN = 1
_TAG_DAY = 2
_TAG_BOOK = 3


@dataclass(frozen=True, slots=True)
class SimulatedInstrument:
    symbol: str
    exchange: Exchange
    type: InstrumentType
    name: str
    name_en: str
    industry: str
    listed_shares: int | None
    base: int  # whole VND, or hundredths of a point for indices
    sigma: float  # daily volatility of log returns
    beta: float  # loading on the shared market factor
    liquidity: float  # trades per second of open market (at most one per step)
    lot_multiplier: int = 1
    groups: tuple[str, ...] = ()

    @property
    def is_index(self) -> bool:
        return self.type == "index"


def _vn30(
    symbol: str, name: str, name_en: str, industry: str, shares: int, base: int, sigma: float
):
    return SimulatedInstrument(
        symbol, Exchange.HOSE, "stock", name, name_en, industry, shares, base, sigma, 0.7, 0.10,
        groups=("VN30",),
    )  # fmt: skip


# Names are the companies' registered names; listed shares and price levels are approximate
# (late 2025) and only need to look plausible.
UNIVERSE: tuple[SimulatedInstrument, ...] = (
    _vn30("ACB", "Ngân hàng TMCP Á Châu", "Asia Commercial Joint Stock Bank", "Banks",
          5_136_656_599, 25_000, 0.016),
    _vn30("BID", "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam",
          "Joint Stock Commercial Bank for Investment and Development of Vietnam", "Banks",
          7_021_361_917, 38_000, 0.018),
    _vn30("CTG", "Ngân hàng TMCP Công Thương Việt Nam",
          "Vietnam Joint Stock Commercial Bank for Industry and Trade", "Banks",
          5_369_991_748, 40_000, 0.018),
    _vn30("DGC", "Công ty CP Tập đoàn Hóa chất Đức Giang", "Duc Giang Chemicals Group JSC",
          "Chemicals", 379_779_286, 100_000, 0.024),
    _vn30("FPT", "Công ty CP FPT", "FPT Corporation", "Technology",
          1_703_681_423, 100_000, 0.019),
    _vn30("GAS", "Tổng Công ty Khí Việt Nam - CTCP", "PetroVietnam Gas JSC", "Utilities",
          2_342_339_704, 68_000, 0.016),
    _vn30("GVR", "Tập đoàn Công nghiệp Cao su Việt Nam - CTCP", "Vietnam Rubber Group - JSC",
          "Chemicals", 4_000_000_000, 30_000, 0.025),
    _vn30("HDB", "Ngân hàng TMCP Phát triển Thành phố Hồ Chí Minh",
          "Ho Chi Minh City Development Joint Stock Commercial Bank", "Banks",
          3_498_000_000, 28_000, 0.019),
    _vn30("HPG", "Công ty CP Tập đoàn Hòa Phát", "Hoa Phat Group JSC", "Basic Resources",
          7_675_465_855, 27_000, 0.019),
    _vn30("LPB", "Ngân hàng TMCP Lộc Phát Việt Nam",
          "Loc Phat Vietnam Joint Stock Commercial Bank", "Banks", 2_987_282_800, 35_000, 0.022),
    _vn30("MBB", "Ngân hàng TMCP Quân đội", "Military Commercial Joint Stock Bank", "Banks",
          8_032_000_000, 25_000, 0.018),
    _vn30("MSN", "Công ty CP Tập đoàn Masan", "Masan Group Corporation", "Food & Beverage",
          1_512_000_000, 75_000, 0.021),
    _vn30("MWG", "Công ty CP Đầu tư Thế Giới Di Động", "Mobile World Investment Corporation",
          "Retail", 1_478_000_000, 70_000, 0.021),
    _vn30("PLX", "Tập đoàn Xăng dầu Việt Nam", "Vietnam National Petroleum Group", "Oil & Gas",
          1_270_592_235, 35_000, 0.017),
    _vn30("SAB", "Tổng Công ty CP Bia - Rượu - Nước giải khát Sài Gòn",
          "Saigon Beer - Alcohol - Beverage Corporation", "Food & Beverage",
          1_282_604_287, 47_000, 0.015),
    _vn30("SHB", "Ngân hàng TMCP Sài Gòn - Hà Nội",
          "Saigon - Hanoi Commercial Joint Stock Bank", "Banks", 4_594_000_000, 13_000, 0.022),
    _vn30("SSB", "Ngân hàng TMCP Đông Nam Á", "Southeast Asia Commercial Joint Stock Bank",
          "Banks", 2_829_000_000, 18_000, 0.017),
    _vn30("SSI", "Công ty CP Chứng khoán SSI", "SSI Securities Corporation",
          "Financial Services", 2_077_000_000, 30_000, 0.024),
    _vn30("STB", "Ngân hàng TMCP Sài Gòn Thương Tín",
          "Saigon Thuong Tin Commercial Joint Stock Bank", "Banks", 1_885_215_716, 45_000, 0.021),
    _vn30("TCB", "Ngân hàng TMCP Kỹ thương Việt Nam",
          "Vietnam Technological and Commercial Joint Stock Bank", "Banks",
          7_085_000_000, 35_000, 0.019),
    _vn30("TPB", "Ngân hàng TMCP Tiên Phong", "Tien Phong Commercial Joint Stock Bank", "Banks",
          2_642_000_000, 16_000, 0.019),
    _vn30("VCB", "Ngân hàng TMCP Ngoại thương Việt Nam",
          "Joint Stock Commercial Bank for Foreign Trade of Vietnam", "Banks",
          8_355_675_094, 60_000, 0.014),
    _vn30("VHM", "Công ty CP Vinhomes", "Vinhomes JSC", "Real Estate",
          4_107_689_723, 90_000, 0.026),
    _vn30("VIB", "Ngân hàng TMCP Quốc tế Việt Nam",
          "Vietnam International Commercial Joint Stock Bank", "Banks",
          3_405_000_000, 19_000, 0.018),
    _vn30("VIC", "Tập đoàn Vingroup - Công ty CP", "Vingroup JSC", "Real Estate",
          7_694_000_000, 150_000, 0.028),
    _vn30("VJC", "Công ty CP Hàng không VietJet", "Vietjet Aviation JSC", "Travel & Leisure",
          591_000_000, 130_000, 0.020),
    _vn30("VNM", "Công ty CP Sữa Việt Nam", "Vietnam Dairy Products JSC", "Food & Beverage",
          2_089_955_445, 60_000, 0.014),
    _vn30("VPB", "Ngân hàng TMCP Việt Nam Thịnh Vượng",
          "Vietnam Prosperity Joint Stock Commercial Bank", "Banks",
          7_933_923_601, 28_000, 0.019),
    _vn30("VPL", "Công ty CP Vinpearl", "Vinpearl JSC", "Travel & Leisure",
          1_797_000_000, 80_000, 0.025),
    _vn30("VRE", "Công ty CP Vincom Retail", "Vincom Retail JSC", "Real Estate",
          2_272_318_410, 30_000, 0.022),
    SimulatedInstrument("SHS", Exchange.HNX, "stock", "Công ty CP Chứng khoán Sài Gòn - Hà Nội",
                        "Saigon - Hanoi Securities JSC", "Financial Services", 813_152_316,
                        15_000, 0.028, 0.8, 0.06, groups=("HNX30",)),
    SimulatedInstrument("PVS", Exchange.HNX, "stock",
                        "Tổng Công ty CP Dịch vụ Kỹ thuật Dầu khí Việt Nam",
                        "PetroVietnam Technical Services Corporation", "Oil & Gas", 477_966_290,
                        33_000, 0.022, 0.6, 0.05, groups=("HNX30",)),
    SimulatedInstrument("IDC", Exchange.HNX, "stock", "Tổng Công ty IDICO - CTCP",
                        "IDICO Corporation - JSC", "Real Estate", 329_999_960, 40_000, 0.020,
                        0.6, 0.04, groups=("HNX30",)),
    SimulatedInstrument("ACV", Exchange.UPCOM, "stock",
                        "Tổng Công ty Cảng hàng không Việt Nam - CTCP",
                        "Airports Corporation of Vietnam - JSC", "Industrial Goods & Services",
                        2_177_173_236, 55_000, 0.020, 0.5, 0.03),
    SimulatedInstrument("VEA", Exchange.UPCOM, "stock",
                        "Tổng Công ty Máy động lực và Máy nông nghiệp Việt Nam - CTCP",
                        "Vietnam Engine and Agricultural Machinery Corporation",
                        "Automobiles & Parts", 1_328_800_000, 40_000, 0.015, 0.4, 0.02),
    SimulatedInstrument("E1VFVN30", Exchange.HOSE, "etf", "Quỹ ETF DCVFMVN30", "DCVFMVN30 ETF",
                        "Financial Services", 280_000_000, 28_000, 0.012, 0.95, 0.04,
                        groups=("ETF",)),
    SimulatedInstrument("VNINDEX", Exchange.HOSE, "index", "Chỉ số VN-Index", "VN-Index", "",
                        None, 165_000, 0.010, 0.95, 0.2, lot_multiplier=800),
    SimulatedInstrument("VN30", Exchange.HOSE, "index", "Chỉ số VN30", "VN30 Index", "",
                        None, 185_000, 0.011, 0.95, 0.2, lot_multiplier=300),
    SimulatedInstrument("HNXINDEX", Exchange.HNX, "index", "Chỉ số HNX-Index", "HNX-Index", "",
                        None, 26_000, 0.012, 0.8, 0.2, lot_multiplier=100),
)  # fmt: skip


@dataclass(slots=True)
class _DayPath:
    """All simulated trades of one symbol on one day (seconds since Vietnam midnight)."""

    day: date
    reference: int
    floor: int | None
    ceiling: int | None
    ladder: np.ndarray
    times: np.ndarray
    ladder_idx: np.ndarray
    prices: np.ndarray
    volumes: np.ndarray
    sides: np.ndarray
    cum_volume: np.ndarray
    cum_value: np.ndarray
    cum_foreign_buy: np.ndarray
    cum_foreign_sell: np.ndarray
    run_high: np.ndarray
    run_low: np.ndarray


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
        self._paths: OrderedDict[tuple[str, date], _DayPath] = OrderedDict()
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
        self, spec: SimulatedInstrument, path: _DayPath, k: int, when: datetime
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
        self, spec: SimulatedInstrument, path: _DayPath, k: int, last_idx: int
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
        path: _DayPath,
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
        values = np.add.reduceat(self._trade_values(spec, prices, volumes), starts)
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

    def _tick(self, spec: SimulatedInstrument, path: _DayPath, j: int) -> TickData:
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
    def _bar_from(path: _DayPath, k: int) -> _DayBar:
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

    @staticmethod
    def _trade_values(spec: SimulatedInstrument, prices: np.ndarray, volumes: np.ndarray):
        if spec.is_index:
            return volumes * INDEX_NOMINAL_SHARE_PRICE
        return prices * volumes

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

    def _path(self, spec: SimulatedInstrument, day: date, *, keep: bool = True) -> _DayPath:
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

    def _build_path(self, spec: SimulatedInstrument, day: date) -> _DayPath:
        rng = np.random.default_rng(
            [self.seed, _symbol_key(spec.symbol), day.toordinal(), _TAG_DAY]
        )
        reference = self._reference(spec, day)
        ladder = self._ladder(spec, reference)
        top = len(ladder) - 1
        if is_trading_day(day):
            close = self._close(spec, self._day_index(day))
        else:  # always-open mode on a weekend or holiday: a close the chain never sees
            close = self._next_close(spec, reference, float(rng.standard_normal()))
        gap = float(rng.normal(0.0, spec.sigma * 0.3))
        open_idx = _nearest(ladder, reference * math.exp(gap))
        close_idx = int(np.searchsorted(ladder, close))
        if close_idx > top or ladder[close_idx] != close:
            raise AssertionError(f"{spec.symbol} close {close} is not on its ladder")

        windows = self._windows(spec, day)
        counts = np.array(
            [max(0, math.ceil((b - a) / self.step_seconds - 1e-9)) for a, b in windows],
            dtype=np.int64,
        )
        steps = int(counts.sum())
        displacement = close_idx - open_idx
        moves = max(abs(displacement), int(rng.integers(30, 120)) * (3 if self.always_open else 1))
        if (moves - displacement) % 2:
            moves += 1
        trades = int(rng.poisson(spec.liquidity * steps * self.step_seconds))
        trades = min(max(trades, moves + 1), steps)
        moves = min(moves, trades - 1)  # only when ``steps`` is tiny; parity kept below
        if moves < abs(displacement) or (moves - displacement) % 2:
            raise AssertionError(f"{spec.symbol} {day}: too few steps for its close")

        step_ids = np.sort(rng.choice(steps, size=trades, replace=False))
        offsets = np.r_[0, np.cumsum(counts)[:-1]]
        window = np.searchsorted(np.cumsum(counts), step_ids, side="right")
        starts = np.array([a for a, _ in windows], dtype=np.float64)
        times = starts[window] + (step_ids - offsets[window]) * self.step_seconds

        positions = np.sort(rng.choice(trades - 1, size=moves, replace=False) + 1)
        draws = rng.random(moves)
        deltas = np.zeros(trades, dtype=np.int64)
        deltas[positions] = _bridge(open_idx, close_idx, top, draws)
        ladder_idx = open_idx + np.cumsum(deltas)
        prices = ladder[ladder_idx]

        lots = rng.geometric(0.3, trades).astype(np.int64)
        blocks = rng.random(trades) < 0.01
        lots[blocks] *= rng.integers(10, 60, size=int(blocks.sum()))
        volumes = lots * 100 * spec.lot_multiplier
        tie_buy = rng.random(trades) < 0.5
        sides = np.where(deltas > 0, 1, np.where(deltas < 0, -1, np.where(tie_buy, 1, -1)))
        sides[0] = 0
        foreign_buy = np.where(rng.random(trades) < _FOREIGN_SHARE, volumes, 0)
        foreign_sell = np.where(rng.random(trades) < _FOREIGN_SHARE, volumes, 0)
        if spec.is_index:
            foreign_buy = foreign_sell = np.zeros(trades, dtype=np.int64)
        floor, ceiling = (None, None) if spec.is_index else self._band(spec, reference)
        return _DayPath(
            day=day,
            reference=reference,
            floor=floor,
            ceiling=ceiling,
            ladder=ladder,
            times=times,
            ladder_idx=ladder_idx,
            prices=prices,
            volumes=volumes,
            sides=sides.astype(np.int8),
            cum_volume=np.cumsum(volumes),
            cum_value=np.cumsum(self._trade_values(spec, prices, volumes)),
            cum_foreign_buy=np.cumsum(foreign_buy),
            cum_foreign_sell=np.cumsum(foreign_sell),
            run_high=np.maximum.accumulate(prices),
            run_low=np.minimum.accumulate(prices),
        )

    @staticmethod
    def _ladder_position(path: _DayPath) -> int:
        return _nearest(path.ladder, path.reference)

    def _spec(self, symbol: str) -> SimulatedInstrument:
        spec = self._specs.get(symbol)
        if spec is None:
            raise ProviderDataError(f"unknown symbol {symbol!r}")
        return spec


def _clock_seconds(t: time) -> float:
    return float(t.hour * 3600 + t.minute * 60 + t.second)


def _nearest(ladder: np.ndarray, target: float) -> int:
    """Index of the ladder price nearest ``target``."""
    values = ladder.tolist()
    i = bisect.bisect_left(values, target)
    if i <= 0:
        return 0
    if i >= len(values):
        return len(values) - 1
    return i if values[i] - target <= target - values[i - 1] else i - 1


def _bridge(start: int, end: int, top: int, draws: np.ndarray) -> np.ndarray:
    """``len(draws)`` moves of +/-1 from ``start`` that end exactly on ``end`` within ``[0, top]``.

    With ``n`` moves left and ``r`` still to travel, a move goes up with probability
    ``(n + r) / 2n``: the uniform random bridge. A move that would leave the ladder is flipped;
    that never breaks the invariant ``|r| <= n, r = n (mod 2)``, so the walk always lands on
    ``end`` (see tests).
    """
    n = len(draws)
    moves = np.empty(n, dtype=np.int64)
    position = start
    for j, u in enumerate(draws.tolist()):
        remaining = n - j
        to_go = end - position
        step = 1 if u < (remaining + to_go) / (2 * remaining) else -1
        if not 0 <= position + step <= top:
            step = -step
        moves[j] = step
        position += step
    if position != end:
        raise AssertionError("bridge missed its end")
    return moves
