"""The bars a chart shows: the stored bars, made to match the live quote (issue #16).

``GET /api/market/instruments/<symbol>/bars/`` reads here, for instruments and indices
(VNINDEX, VN30, HNXINDEX) alike:

- 1d: the daily bar of the quote's trading day is built from the quote itself -- open, high, low
  from the quote, close = its last price, the session's volume and value -- so the chart's last
  candle is the header's price. It replaces a stored bar of that day (the stored one is written
  from the same quote at the close) and is added while the day is still trading. A quote that has
  not traded (no open) adds nothing.
- 5m, 15m, 1h: the stored bars, and the buckets from the latest stored one on rolled up again from
  the stored 1m bars, so the current bucket is there before the worker's next roll-up
  (``market.aggregation.roll_up``, the same fold the worker uses).
- Intraday without ``start``: the default window (1 day for 1m, 5 for 5m, ...) ends at the
  latest stored bar when nothing was stored in the window ending now -- after a weekend or a
  restart the chart shows the last session instead of nothing.
"""

from __future__ import annotations

from datetime import datetime

from market import aggregation
from market.calendar import market_date, vn_midnight_utc
from market.models import Bar, BarInterval, Instrument, Quote
from market.selectors import BARS_MAX, BarPage, bar_list


def anchored_since(
    *, instrument: Instrument, interval: str, since: datetime, until: datetime
) -> datetime:
    """``since`` of a default intraday window: moved back to end at the latest stored bar when
    the window ending at ``until`` has none."""
    if interval == BarInterval.D1:
        return since
    latest = (
        Bar.objects.filter(instrument=instrument, interval=interval, start__lt=until)
        .order_by("-start")
        .values_list("start", flat=True)
        .first()
    )
    if latest is None or latest >= since:
        return since
    end = aggregation.bucket_end(latest, interval)
    return end - (until - since)


def _rolled_up_tail(
    instrument: Instrument, interval: str, since: datetime, until: datetime, bars: list[Bar]
) -> list[Bar]:
    """``bars`` with the buckets from the latest stored one on rebuilt from the 1m bars."""
    tail_start = max(since, bars[-1].start) if bars else since
    tail_start = max(since, aggregation.bucket_start(tail_start, interval))
    minutes = Bar.objects.filter(
        instrument=instrument, interval=BarInterval.M1, start__gte=tail_start, start__lt=until
    ).order_by("start")
    rows = [
        aggregation.BarRow(
            instrument.pk, m.start, m.open, m.high, m.low, m.close, m.volume, m.value
        )
        for m in minutes
    ]
    fresh = {
        row.start: Bar(
            instrument=instrument,
            interval=interval,
            start=row.start,
            open=row.open,
            high=row.high,
            low=row.low,
            close=row.close,
            volume=row.volume,
            value=row.value,
        )
        for row in aggregation.roll_up(rows, interval=interval)
        if since <= row.start < until
    }
    kept = [bar for bar in bars if bar.start not in fresh]
    return sorted([*kept, *fresh.values()], key=lambda bar: bar.start)


def _today_candle(instrument: Instrument, since: datetime, until: datetime) -> Bar | None:
    quote = Quote.objects.filter(instrument=instrument).first()
    if quote is None or quote.open is None:
        return None
    start = vn_midnight_utc(market_date(quote.as_of))
    if not since <= start < until:
        return None
    high = max(v for v in (quote.high, quote.open, quote.price) if v is not None)
    low = min(v for v in (quote.low, quote.open, quote.price) if v is not None)
    return Bar(
        instrument=instrument,
        interval=BarInterval.D1,
        start=start,
        open=quote.open,
        high=high,
        low=low,
        close=quote.price,
        volume=quote.volume,
        value=quote.value,
        source=quote.source,
    )


def chart_bars(
    *,
    instrument: Instrument,
    interval: str,
    since: datetime,
    until: datetime,
    limit: int = BARS_MAX,
) -> BarPage:
    """The bars of ``[since, until)``, oldest first, at most ``limit`` (see the module
    docstring)."""
    page = bar_list(instrument=instrument, interval=interval, start=since, end=until, limit=limit)
    bars = list(page.bars)
    if interval in aggregation.ROLLUP_INTERVALS:
        bars = _rolled_up_tail(instrument, interval, since, until, bars)
    elif interval == BarInterval.D1:
        candle = _today_candle(instrument, since, until)
        if candle is not None:
            bars = [bar for bar in bars if bar.start != candle.start]
            bars.append(candle)
            bars.sort(key=lambda bar: bar.start)
    truncated = page.truncated or len(bars) > limit
    return BarPage(bars=bars[-limit:], truncated=truncated)
