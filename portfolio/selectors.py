"""Reads of the portfolio app: portfolios, transactions, holdings, summary, performance, allocation.

Owner checks live here: every getter takes the requesting user and raises ``NotFound`` for anyone
else's object, so another user's id looks exactly like a missing one.

Valuation (holdings, summary, allocation) = the folded ledger (cached per portfolio version) x the
latest stored quotes (``market.selectors.quote_map``, one query, always live). A holding without a
quote is priced at its last daily close, and without either at its cost (``price_source`` says
which). The maths (today's P&L, the one rounding, the one allocation) is ``portfolio.valuation``'s;
ratios in the performance figures have six decimals.

Performance is computed by ``portfolio.performance`` from the daily closes
(``market.selectors.daily_closes``: one query for every symbol and the benchmark) and cached until a
transaction or a daily close changes. Its series ends at the last daily close; today's live moves
are in the summary.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Min, QuerySet
from django.utils import timezone

from market.calendar import trading_days_between
from market.models import Bar, BarInterval, CorporateEventKind, Instrument
from portfolio import snapshot_cache
from portfolio.ledger import SHARE_KINDS, LedgerError, LedgerState, fold
from portfolio.models import (
    Alert,
    Entitlement,
    EntitlementStatus,
    Portfolio,
    Transaction,
    WatchlistItem,
)
from portfolio.performance import (
    RANGE_CODES,
    PriceTable,
    Receivable,
    compute_performance,
    range_bounds,
)
from portfolio.returns import LinkedDietz, linked_modified_dietz
from portfolio.services import ledger_config, ledger_entries, market_today
from portfolio.valuation import (
    ALLOCATION_KEYS,
    DayFlows,
    Holding,
    InstrumentInfo,
    PendingEntitlement,
    PricePoint,
    Summary,
    Valuation,
    allocation_slices,
    day_flows_from,
    iso_utc,
    summary_compute,
    valuation_compute,
    valued_symbols,
)
from portfolio_site.errors import Conflict, DomainError, NotFound

logger = logging.getLogger(__name__)

ZERO = Decimal(0)
RATIO = Decimal("0.000001")
DEFAULT_BENCHMARK = "VNINDEX"
# Closes fetched before a range starts (the first point needs the last close before it).
CLOSE_LOOKBACK_DAYS = 14


def ratio(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(repr(float(value))).quantize(RATIO, rounding=ROUND_HALF_UP)


# --- portfolios and rows ----------------------------------------------------------------------


def portfolio_list(*, user: Any) -> QuerySet[Portfolio]:
    return Portfolio.objects.filter(owner=user).order_by("name", "id")


def portfolio_get(*, user: Any, portfolio_id: int | str) -> Portfolio:
    """The user's portfolio; NotFound for a missing id and for anyone else's portfolio alike."""
    try:
        portfolio = Portfolio.objects.get(pk=int(portfolio_id), owner=user)
    except (Portfolio.DoesNotExist, ValueError, TypeError):
        raise NotFound("Portfolio not found.") from None
    portfolio.owner = user  # the query matched it: reading the owner needs no second query
    return portfolio


def transaction_list(*, portfolio: Portfolio) -> QuerySet[Transaction]:
    return (
        Transaction.objects.filter(portfolio=portfolio)
        .select_related("instrument")
        .order_by("-trade_date", "-id")
    )


def transaction_get(*, portfolio: Portfolio, transaction_id: int | str) -> Transaction:
    try:
        return Transaction.objects.select_related("instrument", "portfolio").get(
            pk=int(transaction_id), portfolio=portfolio
        )
    except (Transaction.DoesNotExist, ValueError, TypeError):
        raise NotFound("Transaction not found.") from None


def watchlist_list(*, user: Any) -> QuerySet[WatchlistItem]:
    return (
        WatchlistItem.objects.filter(user=user)
        .select_related("instrument")
        .order_by("instrument__symbol")
    )


def alert_list(*, user: Any) -> QuerySet[Alert]:
    return Alert.objects.filter(user=user).select_related("instrument").order_by("-created_at")


def alert_get(*, user: Any, alert_id: int | str) -> Alert:
    try:
        return Alert.objects.select_related("instrument").get(pk=int(alert_id), user=user)
    except (Alert.DoesNotExist, ValueError, TypeError):
        raise NotFound("Alert not found.") from None


# --- the folded ledger --------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerSnapshot:
    state: LedgerState
    first_date: date | None
    returns: LinkedDietz  # the life's Modified Dietz return up to today, given the end value
    computed_at: datetime
    day_flows: dict[str, DayFlows] = field(default_factory=dict)  # for today's P&L


def _cache_stamp(portfolio: Portfolio) -> str:
    """Changes whenever the ledger or the portfolio's settings change (see services)."""
    version = snapshot_cache.portfolio_version(portfolio.pk)
    return f"{portfolio.pk}:{version}:{portfolio.updated_at.timestamp():.6f}"


def ledger_snapshot(*, portfolio: Portfolio, today: date | None = None) -> LedgerSnapshot:
    """The portfolio's folded ledger, settled as of today (cached; one Redis round trip on a hit:
    the entry records the portfolio version, updated_at and day it was folded for)."""
    today = today or market_today()
    # v3: the snapshot carries the Modified Dietz return (v1 lacked it); one entry per portfolio
    stamp = f"v3:{portfolio.updated_at.timestamp():.6f}:{today.isoformat()}"
    return snapshot_cache.cached_for_portfolio(
        portfolio.pk,
        "ledger",
        stamp,
        lambda: _fold_ledger(portfolio, today),
        timeout=snapshot_cache.LEDGER_TIMEOUT,
    )


def valuation_snapshot(*, portfolio: Portfolio, today: date | None = None) -> LedgerSnapshot:
    """``ledger_snapshot`` without what a valuation never reads: each position's sales, lots and
    closed-position history (``Position.sales``, ``.closed``, ``.lots`` are empty here; use
    ``ledger_snapshot`` for those). Cached beside it, under the same stamp: about a fifth of its
    size, so unpickling it on every valuation costs a fifth as much."""
    today = today or market_today()
    stamp = f"v1:{portfolio.updated_at.timestamp():.6f}:{today.isoformat()}"
    return snapshot_cache.cached_for_portfolio(
        portfolio.pk,
        "valuation",
        stamp,
        lambda: _without_history(ledger_snapshot(portfolio=portfolio, today=today)),
        timeout=snapshot_cache.LEDGER_TIMEOUT,
    )


def _without_history(snapshot: LedgerSnapshot) -> LedgerSnapshot:
    positions = {
        symbol: replace(position, lots=(), realized_lots=(), sale_rows=(), sold_out=())
        for symbol, position in snapshot.state.positions.items()
    }
    return replace(snapshot, state=replace(snapshot.state, positions=positions))


def _fold_ledger(portfolio: Portfolio, today: date) -> LedgerSnapshot:
    entries = ledger_entries(portfolio=portfolio)
    first = min((e.trade_date for e in entries), default=None)
    last = max((e.trade_date for e in entries), default=today)
    try:
        state = fold(entries, config=ledger_config(portfolio), as_of=max(today, last))
    except LedgerError as exc:
        # Stored rows were checked when written; this means a rule or the calendar changed since.
        raise Conflict(
            f"The stored ledger no longer passes the rules: {exc.message}",
            code="ledger_inconsistent",
        ) from exc
    returns = linked_modified_dietz(entries, track_cash=state.cash_tracked, end=max(today, last))
    return LedgerSnapshot(
        state=state,
        first_date=first,
        returns=returns,
        computed_at=timezone.now(),
        day_flows=day_flows_from(entries),
    )


# --- valuation (the maths is in portfolio.valuation) --------------------------------------------


def latest_prices(*, symbols: Iterable[str]) -> dict[str, PricePoint]:
    """Latest quote of each symbol; the last daily close for those without a quote."""
    from market.selectors import quote_prices

    wanted = sorted(set(symbols))
    prices = {
        symbol: PricePoint(price, reference, as_of, "quote")
        for symbol, (price, reference, as_of) in quote_prices(symbols=wanted).items()
    }
    prices.update(_last_closes([symbol for symbol in wanted if symbol not in prices]))
    return prices


def _last_closes(symbols: Iterable[str]) -> dict[str, PricePoint]:
    prices = {}
    for symbol in symbols:
        bar = (
            Bar.objects.filter(instrument__symbol=symbol, interval=BarInterval.D1)
            .order_by("-start")
            .values_list("close", "start")
            .first()
        )
        if bar is not None:
            prices[symbol] = PricePoint(bar[0], None, bar[1], "close")
    return prices


def instrument_infos(*, symbols: Iterable[str]) -> dict[str, InstrumentInfo]:
    """Name, exchange, industry and type of each known symbol (one query)."""
    return {
        row["symbol"]: InstrumentInfo(row["name"], row["exchange"], row["industry"], row["type"])
        for row in Instrument.objects.filter(symbol__in=sorted(set(symbols))).values(
            "symbol", "name", "exchange", "industry", "type"
        )
    }


def priced_instruments(
    *, symbols: Iterable[str]
) -> tuple[dict[str, PricePoint], dict[str, InstrumentInfo]]:
    """``latest_prices`` and ``instrument_infos`` of ``symbols`` in one query (the instruments
    joined to their quotes); the last daily close for a symbol without a quote, as there."""
    wanted = sorted(set(symbols))
    prices: dict[str, PricePoint] = {}
    infos: dict[str, InstrumentInfo] = {}
    rows = Instrument.objects.filter(symbol__in=wanted).values_list(
        "symbol", "name", "exchange", "industry", "type", "quote__price", "quote__reference",
        "quote__as_of",
    )  # fmt: skip
    for symbol, name, exchange, industry, kind, price, reference, as_of in rows:
        infos[symbol] = InstrumentInfo(name, exchange, industry, kind)
        if price is not None:
            prices[symbol] = PricePoint(price, reference, as_of, "quote")
    prices.update(_last_closes([symbol for symbol in wanted if symbol not in prices]))
    return prices, infos


def portfolio_valuation(*, portfolio: Portfolio) -> Valuation:
    """Holdings and summary valued at the latest stored prices, pending entitlements included."""
    snapshot = valuation_snapshot(portfolio=portfolio)
    pending = pending_entitlements(portfolio=portfolio)
    prices, instruments = priced_instruments(symbols=valued_symbols(snapshot, pending))
    return valuation_compute(
        snapshot=snapshot, prices=prices, instruments=instruments, pending=pending
    )


def portfolio_summary(*, portfolio: Portfolio) -> Summary:
    """``portfolio_valuation(...).summary``, without building the holdings."""
    snapshot = valuation_snapshot(portfolio=portfolio)
    pending = pending_entitlements(portfolio=portfolio)
    prices, instruments = priced_instruments(symbols=valued_symbols(snapshot, pending))
    return summary_compute(
        snapshot=snapshot, prices=prices, instruments=instruments, pending=pending
    )


#: How far back an ex-date's close before it is looked up (its day change needs it on the day).
PENDING_CLOSE_DAYS = 10


def pending_entitlements(
    *, portfolio: Portfolio, today: date | None = None
) -> list[PendingEntitlement]:
    """The receivables of the performance series (``entitlement_receivables``) open today: gone
    ex on or before today and not booked by today. Each recent one (ex-date within
    ``PENDING_CLOSE_DAYS``) carries the as-traded close before its ex-date (one query)."""
    from market.selectors import daily_closes

    today = today or market_today()
    open_now = [
        r
        for r in entitlement_receivables(portfolio=portfolio, today=today)
        if r.start <= today and (r.end is None or r.end > today)
    ]
    since = today - timedelta(days=PENDING_CLOSE_DAYS)
    recent = [r for r in open_now if r.start >= since]
    closes: list[tuple[str, date, Decimal]] = []
    if recent:
        first = min(r.start for r in recent) - timedelta(days=CLOSE_LOOKBACK_DAYS)
        closes = daily_closes(symbols={r.symbol for r in recent}, start=first, end=today)

    def close_before(symbol: str, ex_date: date) -> Decimal | None:
        before = [(day, close) for s, day, close in closes if s == symbol and day < ex_date]
        return max(before)[1] if before else None

    return [
        PendingEntitlement(
            symbol=r.symbol,
            ex_date=r.start,
            shares=r.shares,
            cash=r.cash,
            close_before=close_before(r.symbol, r.start) if r.start >= since else None,
        )
        for r in open_now
    ]


def portfolio_holdings(*, portfolio: Portfolio) -> tuple[list[Holding], str]:
    valuation = portfolio_valuation(portfolio=portfolio)
    return valuation.holdings, valuation.summary.as_of


# --- allocation ---------------------------------------------------------------------------------


def portfolio_allocation(*, portfolio: Portfolio, by: str = "symbol") -> dict[str, Any]:
    """Market value by symbol, industry, exchange or type, plus a cash slice when cash is tracked."""
    by = (by or "symbol").strip().lower()
    if by not in ALLOCATION_KEYS:
        raise DomainError(
            f"Unknown allocation {by!r}; use one of {', '.join(ALLOCATION_KEYS)}.",
            code="invalid_allocation",
            fields={"by": [f"Use one of {', '.join(ALLOCATION_KEYS)}."]},
        )
    valuation = portfolio_valuation(portfolio=portfolio)
    total = valuation.summary.total_value
    slices = allocation_slices(valuation=valuation, by=by)
    return {
        "by": by,
        "total_value": total,
        "as_of": valuation.summary.as_of,
        "results": slices,
    }


# --- performance --------------------------------------------------------------------------------


_BENCHMARK = re.compile(r"[A-Z0-9]{1,20}")


def benchmark_symbol(benchmark: str | None) -> str | None:
    symbol = (benchmark if benchmark is not None else DEFAULT_BENCHMARK).strip().upper()
    if not symbol or symbol == "NONE":
        return None
    if not _BENCHMARK.fullmatch(symbol):  # also keeps NUL bytes and the like away from the query
        raise DomainError(
            "The benchmark must be a symbol: 1-20 letters or digits.",
            code="unknown_benchmark",
            fields={"benchmark": ["1-20 letters or digits."]},
        )
    if not Instrument.objects.filter(symbol=symbol).exists():
        raise DomainError(
            f"Unknown benchmark {symbol!r}; use VNINDEX, VN30 or any instrument's symbol.",
            code="unknown_benchmark",
            fields={"benchmark": [f"No instrument {symbol!r}."]},
        )
    return symbol


def performance_range_code(range_code: str | None) -> str:
    """The range code in capitals; 400 ``invalid_range`` unless one of ``RANGE_CODES``."""
    code = (range_code or "").strip().upper()
    if code not in RANGE_CODES:
        raise DomainError(
            f"Unknown range {range_code!r}; use one of {', '.join(RANGE_CODES)}.",
            code="invalid_range",
            fields={"range": [f"Use one of {', '.join(RANGE_CODES)}."]},
        )
    return code


def portfolio_performance(
    *,
    portfolio: Portfolio,
    range_code: str = "1Y",
    benchmark: str | None = DEFAULT_BENCHMARK,
    today: date | None = None,
) -> dict[str, Any]:
    """Daily value series, TWR, XIRR, annualised return, volatility, drawdown and a benchmark.

    ``range_code`` is one of 1W, 1M, 3M, 6M, YTD, 1Y, 3Y, ALL (400 ``invalid_range`` otherwise);
    ``benchmark`` any instrument's symbol (400 ``unknown_benchmark``), "" or "none" for none.
    Cached until a transaction or a daily close changes.
    """
    code = performance_range_code(range_code)
    chosen = benchmark_symbol(benchmark)
    today = today or market_today()
    key = (
        f"portfolio:performance:v3:{_cache_stamp(portfolio)}:{snapshot_cache.closes_version()}:"
        f"{code}:{chosen or '-'}:{today.isoformat()}"
    )
    return snapshot_cache.cached(
        key,
        lambda: _compute_performance(portfolio, code, chosen, today),
        timeout=snapshot_cache.PERFORMANCE_TIMEOUT,
    )


def _compute_performance(
    portfolio: Portfolio, code: str, benchmark: str | None, today: date
) -> dict[str, Any]:
    from market.selectors import daily_closes

    entries = ledger_entries(portfolio=portfolio)
    first_date = min((e.trade_date for e in entries), default=None)
    start, end = range_bounds(code, today=today, first_date=first_date)
    symbols = {e.symbol for e in entries if e.kind in SHARE_KINDS and e.symbol}
    if benchmark:
        symbols.add(benchmark)
    lookback = start - timedelta(days=CLOSE_LOOKBACK_DAYS)
    rows = daily_closes(symbols=symbols, start=lookback, end=end)
    prices = PriceTable.from_rows(rows, dates=trading_days_between(lookback, end))
    benchmark_closes = (
        {day: close for symbol, day, close in rows if symbol == benchmark} if benchmark else None
    )
    result = compute_performance(
        entries=entries,
        prices=prices,
        start=start,
        end=end,
        config=ledger_config(portfolio),
        benchmark=benchmark_closes or None,
        receivables=entitlement_receivables(portfolio=portfolio, today=today),
    )
    bench_index = result.benchmark_index or []
    series = [
        {
            "date": day.isoformat(),
            "value": str(value),
            "flow": str(flow),
            "twr_index": str(ratio(index)),
            "benchmark_index": str(ratio(bench_index[i])) if i < len(bench_index) else None,
        }
        for i, (day, value, flow, index) in enumerate(
            zip(result.dates, result.values, result.flows, result.twr_index, strict=True)
        )
    ]

    def text(value: float | None) -> str | None:
        number = ratio(value)
        return None if number is None else str(number)

    return {
        "range": code,
        "start": result.start.isoformat(),
        "end": result.end.isoformat(),
        "benchmark": benchmark,
        "cash_tracked": result.cash_tracked,
        "as_of": result.dates[-1].isoformat() if result.dates else None,
        "computed_at": iso_utc(timezone.now()),
        "start_value": str(result.start_value),
        "end_value": str(result.end_value),
        "net_flows": str(result.net_flows),
        "gain": str(result.gain),
        "twr": text(result.twr),
        "xirr": text(result.xirr),
        "xirr_note": result.xirr_note,
        "annualised_return": text(result.annualised),
        "volatility": text(result.volatility),
        "max_drawdown": text(result.max_drawdown),
        "benchmark_return": text(result.benchmark_return),
        "series": series,
    }


def entitlement_receivables(*, portfolio: Portfolio, today: date) -> list[Receivable]:
    """The portfolio's cash dividends and new shares as receivables of the value series: from
    the ex-date until the day the booked row lands, or, not booked yet, open while the payment /
    listing date is today or later (or unknown). One whose payment date has passed without being
    applied is not counted: nothing arrives until the user applies it (which books it on that
    date, and the series counts it again). Rights are left out (their value is the holder's
    choice to subscribe)."""
    rows = (
        Entitlement.objects.filter(portfolio_id=portfolio.pk)
        .exclude(status=EntitlementStatus.LAPSED)
        .exclude(event__kind=CorporateEventKind.RIGHTS_ISSUE)
        .annotate(booked_on=Min("transactions__trade_date"))
        .values_list(
            "event__instrument__symbol",
            "event__ex_date",
            "event__payment_date",
            "status",
            "booked_on",
            "cash_gross",
            "cash_tax",
            "new_shares",
        )
    )
    receivables = []
    for symbol, ex_date, payment_date, status, booked_on, gross, tax, new_shares in rows:
        if status == EntitlementStatus.APPLIED and booked_on is None:
            continue  # booked by a row since deleted
        if (
            status != EntitlementStatus.APPLIED
            and payment_date is not None
            and payment_date < today
        ):
            continue
        end = booked_on if status == EntitlementStatus.APPLIED else None
        net = (gross or ZERO) - (tax or ZERO)
        receivables.append(Receivable(symbol, ex_date, end, cash=net, shares=int(new_shares or 0)))
    return receivables


def portfolios_holding(*, symbols: Iterable[str]) -> list[int]:
    """Ids of portfolios with share transactions in any of ``symbols``."""
    return list(
        Transaction.objects.filter(
            instrument__symbol__in=list(symbols), kind__in=[k.value for k in SHARE_KINDS]
        )
        .values_list("portfolio_id", flat=True)
        .distinct()
    )
