"""Portfolio performance over a date range: daily values, TWR, XIRR, volatility, drawdown.

Vectorised with numpy: one pass over the entries to pull out columns, then a handful of array
operations (bincount + cumsum for holdings and cash); never a Python loop over days x holdings.
Return series are float64 (they are ratios); amounts reported in VND are rounded half-up to whole
VND Decimal at the edge. Entries are assumed valid (the ledger checked them when they were saved).

Conventions (docs/portfolio-maths.md, plus the choices noted here):

- The series runs over the price table's trading dates. Its first point d0 is the last trading
  date on or before `start` (the value at the close before the range begins), or the first
  trading date when the table starts later. It ends at the last trading date on or before `end`.
- An entry counts at the close of the first series date on or after its trade date: weekend and
  holiday entries join the next trading day; entries on or before d0 are in the opening value;
  entries after the last series date are outside the series.
- A holding is valued at the price table's close of the last trading day <= t. Where the table has
  no close yet (a symbol it lacks, or dates before its first close), the last BUY/SELL price on or
  before t stands in; shares with no price at all are valued at zero.
- Receivables (``Receivable``, from the corporate-action entitlements): from the ex-date until the
  day its ledger row lands (exclusive), a pending cash dividend counts its net amount and pending
  new shares count at the symbol's close, so the ex-date's price drop is not a loss and the
  payment is not a gain (README "Corporate actions"). A receivable not booked yet runs to the
  end of the series.
- External flows F_t: with cash tracked, deposits (+) and withdrawals (-). Without cash tracking the
  portfolio is the securities alone, so every cash movement across its edge is external:
  BUY gross cost (+), SELL net proceeds (-), and likewise cash dividends and interest (-, paid out)
  and FEE rows (+, paid in); deposits and withdrawals do not touch it. Each day's inflows I_t (the
  + entries) and outflows O_t (the - entries) are also kept apart, F_t = I_t - O_t.
- TWR (``portfolio.returns.twr``): inflows at the start of their day, outflows at its end:
  r_t = (V_t + O_t) / (V_{t-1} + I_t) - 1; a day whose base is below half a VND contributes
  nothing (r=0, left out of volatility).
- XIRR: investor flows are -V(d0) on d0, -F_t on each later day, +V(end) on the last day.
- Annualised return: only when the requested range (end - start) is at least 365 days.
- Volatility: sample standard deviation (ddof=1) of the daily returns x sqrt(250).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from portfolio.ledger import Kind, LedgerConfig, LedgerEntry
from portfolio.returns import (
    XirrResult,
    annualised_return,
    max_drawdown,
    twr,
    volatility,
    xirr,
)

RANGE_CODES = ("1W", "1M", "3M", "6M", "YTD", "1Y", "3Y", "ALL")

FloatArray = npt.NDArray[np.float64]
DateArray = npt.NDArray[np.datetime64]

# Kind codes for the vectorised pass.
_KIND_CODE = {kind: code for code, kind in enumerate(Kind)}
_BUY, _SELL, _STOCK_DIVIDEND = (_KIND_CODE[k] for k in (Kind.BUY, Kind.SELL, Kind.STOCK_DIVIDEND))
_DEPOSIT, _WITHDRAWAL = _KIND_CODE[Kind.DEPOSIT], _KIND_CODE[Kind.WITHDRAWAL]
_DIVIDEND, _FEE, _INTEREST = (_KIND_CODE[k] for k in (Kind.DIVIDEND, Kind.FEE, Kind.INTEREST))
_RIGHTS = _KIND_CODE[Kind.RIGHTS_SUBSCRIPTION]
_CONSOLIDATION = _KIND_CODE[Kind.SHARE_CONSOLIDATION]


def _as_days(values: Iterable[date] | DateArray) -> DateArray:
    return np.asarray(values, dtype="datetime64[D]")


def _forward_fill(matrix: FloatArray) -> FloatArray:
    """Fill NaN down each column with the last value above it (leading NaN stay NaN)."""
    if matrix.size == 0:
        return matrix
    rows = np.arange(matrix.shape[0])[:, None]
    last = np.where(np.isnan(matrix), 0, rows)
    np.maximum.accumulate(last, axis=0, out=last)
    return matrix[last, np.arange(matrix.shape[1])]


@dataclass(frozen=True)
class PriceTable:
    """Daily closes: sorted trading `dates` x `symbols`, forward-filled (NaN before a first close)."""

    dates: DateArray
    symbols: tuple[str, ...]
    closes: FloatArray

    def __post_init__(self) -> None:
        if self.closes.shape != (len(self.dates), len(self.symbols)):
            raise ValueError("closes must have one row per date and one column per symbol")
        if len(self.dates) > 1 and not bool(np.all(np.diff(self.dates) > np.timedelta64(0, "D"))):
            raise ValueError("dates must be sorted and unique")

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[tuple[str, date, Decimal | float]],
        *,
        dates: Iterable[date] = (),
    ) -> PriceTable:
        """Build from (symbol, date, close) rows, e.g. a queryset's values_list().

        The table's dates are the trading `dates` given plus every date that has a row; closes
        are forward-filled, so a missing row takes the previous close.
        """
        symbols: dict[str, int] = {}
        columns: list[int] = []
        days: list[date] = []
        closes: list[float] = []
        for symbol, day, close in rows:
            columns.append(symbols.setdefault(symbol, len(symbols)))
            days.append(day)
            closes.append(float(close))
        row_days = _as_days(days)
        table_dates = np.unique(np.concatenate([row_days, _as_days(list(dates))]))
        matrix = np.full((len(table_dates), len(symbols)), np.nan)
        matrix[np.searchsorted(table_dates, row_days), np.asarray(columns, dtype=np.intp)] = closes
        return cls(dates=table_dates, symbols=tuple(symbols), closes=_forward_fill(matrix))

    @classmethod
    def from_closes(
        cls,
        closes: Mapping[str, Iterable[tuple[date, Decimal | float]]],
        *,
        dates: Iterable[date] = (),
    ) -> PriceTable:
        """Build from {symbol: [(date, close), ...]}."""
        return cls.from_rows(
            ((symbol, day, close) for symbol, series in closes.items() for day, close in series),
            dates=dates,
        )


@dataclass(frozen=True)
class EntryColumns:
    """The entries as parallel arrays, in trade order."""

    trade_dates: DateArray
    kinds: npt.NDArray[np.int8]
    symbols: tuple[str, ...]
    symbol_index: npt.NDArray[np.intp]  # -1 for entries without a symbol
    quantity: FloatArray
    price: FloatArray
    amount: FloatArray
    fee: FloatArray
    tax: FloatArray

    @classmethod
    def from_entries(cls, entries: Iterable[LedgerEntry]) -> EntryColumns:
        symbols: dict[str, int] = {}
        rows = [
            (
                e.trade_date,
                e.sequence,
                _KIND_CODE[e.kind],
                symbols.setdefault(e.symbol, len(symbols)) if e.symbol else -1,
                float(e.quantity),
                float(e.price or 0),  # a nullable column may hand over None
                float(e.amount or 0),
                float(e.fee or 0),
                float(e.tax or 0),
            )
            for e in entries
        ]
        if rows:
            days, sequence, kinds, index, quantity, price, amount, fee, tax = zip(
                *rows, strict=True
            )
        else:
            days = sequence = kinds = index = quantity = price = amount = fee = tax = ()
        trade_dates = _as_days(days)
        order = np.lexsort((np.asarray(sequence, dtype=np.int64), trade_dates))

        def column(values: tuple[object, ...], dtype: npt.DTypeLike) -> npt.NDArray[Any]:
            return np.asarray(values, dtype=dtype)[order]

        return cls(
            trade_dates=trade_dates[order],
            kinds=column(kinds, np.int8),
            symbols=tuple(symbols),
            symbol_index=column(index, np.intp),
            quantity=column(quantity, np.float64),
            price=column(price, np.float64),
            amount=column(amount, np.float64),
            fee=column(fee, np.float64),
            tax=column(tax, np.float64),
        )

    def share_delta(self) -> FloatArray:
        sign = np.select(
            [
                (self.kinds == _BUY) | (self.kinds == _RIGHTS),
                self.kinds == _STOCK_DIVIDEND,
                (self.kinds == _SELL) | (self.kinds == _CONSOLIDATION),
            ],
            [1.0, 1.0, -1.0],
        )
        return sign * self.quantity

    def cash_delta(self) -> FloatArray:
        """Each entry's effect on cash (the vectorised twin of ledger.cash_effect)."""
        gross = self.quantity * self.price
        k = self.kinds
        return np.select(
            [
                (k == _BUY) | (k == _RIGHTS),
                k == _SELL,
                k == _DIVIDEND,
                (k == _DEPOSIT) | (k == _INTEREST),
                (k == _WITHDRAWAL) | (k == _FEE),
            ],
            [
                -(gross + self.fee),
                gross - self.fee - self.tax,
                self.amount - self.tax,
                self.amount,
                -self.amount,
            ],
            0.0,
        )

    def external_flow(self, *, track_cash: bool) -> FloatArray:
        """F per entry: money entering (+) or leaving (-) the valued portfolio."""
        external = (self.kinds == _DEPOSIT) | (self.kinds == _WITHDRAWAL)
        cash = self.cash_delta()
        if track_cash:
            return np.where(external, cash, 0.0)
        return np.where(external, 0.0, -cash)


@dataclass(frozen=True)
class Receivable:
    """What an entitlement adds to the value from ``start`` (its ex-date) until ``end`` (the
    trade date of the row that books it, exclusive; None while not booked): ``cash`` (net of
    the tax withheld) and ``shares`` of ``symbol`` valued at its close."""

    symbol: str
    start: date
    end: date | None
    cash: Decimal = Decimal(0)
    shares: int = 0


@dataclass(frozen=True)
class DailySeries:
    dates: DateArray
    values: FloatArray  # V_t
    flows: FloatArray  # F_t (flows[0] holds everything up to d0, which V_0 already contains)
    inflows: FloatArray  # I_t: the day's money in (F_t = I_t - O_t)
    outflows: FloatArray  # O_t: the day's money out, as a positive amount
    market_values: FloatArray
    cash: FloatArray
    cash_tracked: bool
    receivables: FloatArray | None = None  # the pending entitlements' value on each date


def _series_window(table_dates: DateArray, start: date, end: date) -> slice:
    first = max(int(np.searchsorted(table_dates, np.datetime64(start, "D"), side="right")) - 1, 0)
    stop = int(np.searchsorted(table_dates, np.datetime64(end, "D"), side="right"))
    return slice(first, max(first, stop))


def daily_values(
    *,
    entries: Iterable[LedgerEntry] | EntryColumns,
    prices: PriceTable,
    start: date,
    end: date,
    track_cash: bool = True,
    receivables: Iterable[Receivable] = (),
) -> DailySeries:
    """V_t = sum(holdings_t * close_t) + cash_t + receivables_t and flows F_t on each trading
    date of the range."""
    receivables = list(receivables)
    columns = entries if isinstance(entries, EntryColumns) else EntryColumns.from_entries(entries)
    window = _series_window(prices.dates, start, end)
    dates = prices.dates[window]
    days = len(dates)

    # Table columns first, then symbols the table lacks.
    symbol_column = {symbol: i for i, symbol in enumerate(prices.symbols)}
    for symbol in columns.symbols:
        symbol_column.setdefault(symbol, len(symbol_column))
    for receivable in receivables:
        symbol_column.setdefault(receivable.symbol, len(symbol_column))
    width = len(symbol_column)
    remap = np.asarray([symbol_column[s] for s in columns.symbols] + [-1], dtype=np.intp)
    entry_column = remap[columns.symbol_index]  # index -1 maps to the trailing -1

    day = np.searchsorted(dates, columns.trade_dates, side="left")
    inside = day < days
    held = inside & (entry_column >= 0)

    def per_day(weights: FloatArray, mask: npt.NDArray[np.bool_]) -> FloatArray:
        counts = np.bincount(day[mask], weights=weights[mask], minlength=days)
        return counts[:days].astype(np.float64, copy=False)

    flat = day[held] * width + entry_column[held]
    share_delta = np.bincount(
        flat, weights=columns.share_delta()[held], minlength=days * width
    ).reshape(days, width)
    holdings = np.cumsum(share_delta, axis=0)

    closes = np.full((days, width), np.nan)
    closes[:, : len(prices.symbols)] = prices.closes[window]
    fallback = _trade_prices(columns, day, entry_column, days, width)
    px = np.where(np.isnan(closes), fallback, closes)
    market = np.where(holdings != 0, holdings * np.nan_to_num(px), 0.0).sum(axis=1)

    cash = np.cumsum(per_day(columns.cash_delta(), inside))
    external = columns.external_flow(track_cash=track_cash)
    inflows = per_day(np.maximum(external, 0.0), inside)
    outflows = per_day(np.maximum(-external, 0.0), inside)
    pending = _receivable_values(receivables, dates, np.nan_to_num(px), symbol_column)
    values = (market + cash if track_cash else market) + pending
    return DailySeries(
        dates=dates,
        values=values,
        flows=inflows - outflows,
        inflows=inflows,
        outflows=outflows,
        market_values=market,
        cash=cash,
        cash_tracked=track_cash,
        receivables=pending,
    )


def _receivable_values(
    receivables: list[Receivable],
    dates: DateArray,
    px: FloatArray,
    symbol_column: Mapping[str, int],
) -> FloatArray:
    """Each date's total of the receivables open on it (ex-date <= t < booked date)."""
    total = np.zeros(len(dates))
    for receivable in receivables:
        first = int(np.searchsorted(dates, np.datetime64(receivable.start, "D"), side="left"))
        stop = (
            len(dates)
            if receivable.end is None
            else int(np.searchsorted(dates, np.datetime64(receivable.end, "D"), side="left"))
        )
        if stop <= first:
            continue
        value = np.full(stop - first, float(receivable.cash))
        if receivable.shares:
            value += receivable.shares * px[first:stop, symbol_column[receivable.symbol]]
        total[first:stop] += value
    return total


def _trade_prices(
    columns: EntryColumns,
    day: npt.NDArray[np.intp],
    entry_column: npt.NDArray[np.intp],
    days: int,
    width: int,
) -> FloatArray:
    """Last BUY/SELL price on or before each day per symbol (forward-filled), NaN before any."""
    trades = np.flatnonzero(
        ((columns.kinds == _BUY) | (columns.kinds == _SELL)) & (day < days) & (entry_column >= 0)
    )
    matrix = np.full((days, width), np.nan)
    if trades.size:
        keys = day[trades] * width + entry_column[trades]
        # Entries are in trade order: keep the last trade of each (day, symbol).
        _, first_of_reversed = np.unique(keys[::-1], return_index=True)
        last = trades[::-1][first_of_reversed]
        matrix[day[last], entry_column[last]] = columns.price[last]
    return _forward_fill(matrix)


def rebase(
    series: Mapping[date, Decimal | float], dates: DateArray
) -> tuple[FloatArray, float] | None:
    """A close series forward-filled onto `dates` and divided by its value on the first date.

    Before the series' first close, the first close stands in. None when the series has no
    close on or before the last date.
    """
    if not series or len(dates) == 0:
        return None
    days = _as_days(sorted(series))
    closes = np.asarray([float(series[d]) for d in sorted(series)], dtype=np.float64)
    position = np.searchsorted(days, dates, side="right") - 1
    if position[-1] < 0:
        return None
    aligned = closes[np.maximum(position, 0)]
    if aligned[0] <= 0:
        return None
    index = aligned / aligned[0]
    return index, float(index[-1] - 1.0)


def vnd(value: float) -> Decimal:
    """A float amount as whole VND, half-up."""
    return Decimal(repr(float(value))).quantize(Decimal(1), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PerformanceResult:
    start: date
    end: date
    dates: list[date]
    values: list[Decimal]
    flows: list[Decimal]  # F_t per date; 0 on the first date (its flows are in start_value)
    twr_index: list[float]
    twr: float
    xirr: float | None
    xirr_note: str | None
    annualised: float | None
    volatility: float | None
    max_drawdown: float
    benchmark_index: list[float] | None
    benchmark_return: float | None
    start_value: Decimal
    end_value: Decimal
    net_flows: Decimal  # sum of F_t after the first date
    gain: Decimal  # end_value - start_value - net_flows
    cash_tracked: bool


def compute_performance(
    *,
    entries: Iterable[LedgerEntry] | EntryColumns,
    prices: PriceTable,
    start: date,
    end: date,
    config: LedgerConfig,
    benchmark: Mapping[date, Decimal | float] | None = None,
    receivables: Iterable[Receivable] = (),
) -> PerformanceResult:
    """Value series, returns and risk figures for the portfolio between `start` and `end`."""
    if end < start:
        raise ValueError(f"end {end.isoformat()} precedes start {start.isoformat()}")
    series = daily_values(
        entries=entries,
        prices=prices,
        start=start,
        end=end,
        track_cash=config.track_cash,
        receivables=receivables,
    )
    flows = series.flows.copy()
    if flows.size:
        flows[0] = 0.0
    result = twr(series.values, series.inflows, series.outflows)
    dates = [d.item() for d in series.dates]
    values = [vnd(v) for v in series.values]
    flow_amounts = [vnd(f) for f in flows]
    start_value = values[0] if values else Decimal(0)
    end_value = values[-1] if values else Decimal(0)
    net_flows = sum(flow_amounts, Decimal(0))

    if len(dates) >= 2:
        investor = -flows
        investor[0] -= series.values[0]
        investor[-1] += series.values[-1]
        money_weighted = xirr(series.dates, investor)
    else:
        money_weighted = XirrResult(None, "needs at least two trading days in the range")
    rebased = rebase(benchmark, series.dates) if benchmark else None
    return PerformanceResult(
        start=start,
        end=end,
        dates=dates,
        values=values,
        flows=flow_amounts,
        twr_index=result.index.tolist(),
        twr=result.twr,
        xirr=money_weighted.rate,
        xirr_note=money_weighted.note,
        annualised=annualised_return(result.twr, days=(end - start).days),
        volatility=volatility(result.returns, result.counted),
        max_drawdown=max_drawdown(result.index),
        benchmark_index=rebased[0].tolist() if rebased else None,
        benchmark_return=rebased[1] if rebased else None,
        start_value=start_value,
        end_value=end_value,
        net_flows=net_flows,
        gain=end_value - start_value - net_flows,
        cash_tracked=config.track_cash,
    )


def _months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def range_bounds(range_code: str, *, today: date, first_date: date | None) -> tuple[date, date]:
    """(start, end) for 1W, 1M, 3M, 6M, YTD, 1Y, 3Y or ALL, ending today.

    YTD starts on 31 December of the previous year, so its base is the last close of that year.
    The start never precedes `first_date` (the portfolio's first transaction), and ALL starts
    there (today when there is none). ValueError for an unknown code.
    """
    code = range_code.strip().upper()
    starts = {
        "1W": lambda: today - timedelta(days=7),
        "1M": lambda: _months_before(today, 1),
        "3M": lambda: _months_before(today, 3),
        "6M": lambda: _months_before(today, 6),
        "YTD": lambda: date(today.year - 1, 12, 31),
        "1Y": lambda: _months_before(today, 12),
        "3Y": lambda: _months_before(today, 36),
        "ALL": lambda: first_date or today,
    }
    if code not in starts:
        raise ValueError(f"unknown range {range_code!r}; use one of {', '.join(RANGE_CODES)}")
    start = starts[code]()
    if first_date is not None and first_date > start:
        start = min(first_date, today)
    return start, today
