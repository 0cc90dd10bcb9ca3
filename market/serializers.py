"""Serializers of the market API: query-parameter parsers (strict) and response shapes.

Prices, changes and money are strings (Decimal): prices and money in whole VND ("108600"), index
levels and their changes with two decimals ("1262.50"), percentages with two decimals; volumes
integers, times ISO-8601 UTC with ``Z``, dates ``YYYY-MM-DD``. Every query-parameter error names its parameter both in ``fields`` and in the
message.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from market.calendar import Session, market_date, vn_midnight_utc
from market.models import BarInterval, CorporateEventKind, Exchange, InstrumentType
from portfolio_site.api_serializers import StrictSerializer
from portfolio_site.numbers import LEVEL_PLACES, VND_PLACES, half_up

SYMBOLS_MAX = 100
SYMBOL_PATTERN = r"^[A-Za-z0-9]{1,20}$"  # a symbol, and an index basket code (group)
MOMENT_MAX_LENGTH = 40  # since, start, end
SEARCH_MAX_LENGTH = 100
_SYMBOL = re.compile(SYMBOL_PATTERN)
_GROUP = re.compile(SYMBOL_PATTERN)
DEFAULT_SPAN = {
    "1m": timedelta(days=1),
    "5m": timedelta(days=5),
    "15m": timedelta(days=10),
    "1h": timedelta(days=30),
    "1d": timedelta(days=365),
}


def utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class UtcDateTimeField(serializers.DateTimeField):
    def to_representation(self, value: datetime) -> str:
        return utc_iso(value)


INDEX_LEVELS = "index_levels"  # serializer context: the prices are an index's levels
PRICE_HELP = 'Whole VND ("108600"); for an index, its level with two decimals ("1262.50").'
LEVEL_HELP = 'An index level (or its change) with two decimals: "1262.50".'


class PriceField(serializers.DecimalField):
    """A price in a response: whole VND, half-up; an index's level with two decimals. An index row
    is one whose serializer has ``index_row`` set (``IndexAwareSerializer``) or whose context says ``index_levels``
    (the bars and ticks of one index)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 2)
        help_text = kwargs.pop("help_text", "")
        kwargs["help_text"] = f"{help_text} {PRICE_HELP}".strip()
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> Any:
        if value is None:
            return None
        index = getattr(self.parent, "index_row", False) or self.context.get(INDEX_LEVELS)
        return str(half_up(Decimal(value), LEVEL_PLACES if index else VND_PLACES))


class LevelField(serializers.DecimalField):
    """An index level or its change: two decimals, half-up."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("help_text", LEVEL_HELP)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> Any:
        return None if value is None else str(half_up(Decimal(value), LEVEL_PLACES))


def _choices(name: str, values: list[str]) -> dict[str, Any]:
    return {"invalid_choice": f'{name}: "{{input}}" is not one of {", ".join(values)}.'}


# --- query parameters ---------------------------------------------------------------------------


def _whole(name: str) -> dict[str, Any]:
    message = f"{name}: must be a whole number of at least 1."
    return {"invalid": message, "min_value": message, "max_string_length": message}


class PageQuery(StrictSerializer):
    page = serializers.IntegerField(required=False, min_value=1, error_messages=_whole("page"))
    page_size = serializers.IntegerField(
        required=False, min_value=1, error_messages=_whole("page_size")
    )


class InstrumentQuery(PageQuery):
    exchange = serializers.ChoiceField(
        choices=Exchange.values,
        required=False,
        error_messages=_choices("exchange", Exchange.values),
    )
    type = serializers.ChoiceField(
        choices=InstrumentType.values,
        required=False,
        error_messages=_choices("type", InstrumentType.values),
    )
    group = serializers.CharField(required=False, max_length=20)
    search = serializers.CharField(required=False, max_length=SEARCH_MAX_LENGTH)

    def validate_group(self, value: str) -> str:
        if not _GROUP.match(value):
            raise serializers.ValidationError("group: letters and digits only (e.g. VN30).")
        return value.upper()


class QuotesQuery(StrictSerializer):
    symbols = serializers.CharField(
        help_text=f"Comma-separated symbols, at most {SYMBOLS_MAX}.",
        error_messages={
            "required": "symbols: required (e.g. ?symbols=FPT,VNM).",
            "blank": "symbols: must name at least one symbol.",
        },
    )

    def validate_symbols(self, value: str) -> list[str]:
        symbols = list(dict.fromkeys(s.strip().upper() for s in value.split(",") if s.strip()))
        if not symbols:
            raise serializers.ValidationError("symbols: must name at least one symbol.")
        bad = [s for s in symbols if not _SYMBOL.match(s)]
        if bad:
            raise serializers.ValidationError(f"symbols: not a symbol: {', '.join(bad[:5])}.")
        if len(symbols) > SYMBOLS_MAX:
            raise serializers.ValidationError(
                f"symbols: at most {SYMBOLS_MAX} symbols per request ({len(symbols)} given)."
            )
        return symbols


EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _moment_error(name: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({name: [f"{name}: {message}"]})


def parse_moment(name: str, raw: str, *, end_of_day: bool) -> datetime:
    """A ``YYYY-MM-DD`` date (Vietnam trading date: its start, or with ``end_of_day`` the start of
    the next day) or an ISO-8601 datetime with ``Z`` or an offset, between 1900 and 2200."""
    raw = raw.strip()
    out_of_range = _moment_error(name, "must be between 1900 and 2200.")
    try:
        day = date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        day = None
    if day is not None:
        if not EARLIEST.date() <= day < LATEST.date():
            raise out_of_range
        return vn_midnight_utc(day + timedelta(days=1) if end_of_day else day)
    try:
        moment = parse_datetime(raw)
    except ValueError:
        moment = None
    if moment is None:
        raise _moment_error(name, f"not a date (YYYY-MM-DD) or an ISO-8601 datetime: {raw[:40]!r}.")
    if moment.tzinfo is None:
        raise _moment_error(name, "a datetime needs Z or a UTC offset (e.g. 2026-01-05T02:15:00Z).")
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        raise out_of_range from None
    if not EARLIEST <= moment < LATEST:
        raise out_of_range
    return moment


class BarsQuery(StrictSerializer):
    interval = serializers.ChoiceField(
        choices=BarInterval.values,
        default=BarInterval.D1,
        error_messages=_choices("interval", BarInterval.values),
    )
    start = serializers.CharField(required=False, max_length=MOMENT_MAX_LENGTH)
    end = serializers.CharField(required=False, max_length=MOMENT_MAX_LENGTH)
    adjusted = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        now = self.context["now"]
        until = parse_moment("end", attrs["end"], end_of_day=True) if "end" in attrs else now
        if "end" in attrs and len(attrs["end"].strip()) != 10:
            until += timedelta(microseconds=1)  # an explicit datetime end is inclusive
        if "start" in attrs:
            since = parse_moment("start", attrs["start"], end_of_day=False)
        else:
            since = until - DEFAULT_SPAN[attrs["interval"]]
        if since >= until:
            raise serializers.ValidationError({"end": ["end: must be after start."]})
        attrs["since"], attrs["until"] = since, until
        return attrs


class TicksQuery(PageQuery):
    since = serializers.CharField(required=False, max_length=MOMENT_MAX_LENGTH)
    after_seq = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        error_messages={
            "invalid": "after_seq: must be a whole number.",
            "min_value": "after_seq: must not be negative.",
            "max_value": "after_seq: too large.",
        },
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "since" in attrs:
            attrs["since"] = parse_moment("since", attrs["since"], end_of_day=False)
        return attrs


class EventsQuery(PageQuery):
    """``?symbol=&from=&to=&kind=``: ``from``/``to`` bound the ex-date (inclusive)."""

    symbol = serializers.RegexField(
        SYMBOL_PATTERN,
        required=False,
        error_messages={"invalid": "symbol: letters and digits only (e.g. FPT)."},
    )
    to = serializers.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "to: a date YYYY-MM-DD."},
    )
    kind = serializers.ChoiceField(
        choices=CorporateEventKind.values,
        required=False,
        error_messages=_choices("kind", CorporateEventKind.values),
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # "from" is a Python keyword: declared here instead of as a class attribute.
        fields["from"] = serializers.DateField(
            required=False,
            input_formats=["%Y-%m-%d"],
            error_messages={"invalid": "from: a date YYYY-MM-DD."},
        )
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("from"), attrs.get("to")
        if start is not None and end is not None and start > end:
            raise serializers.ValidationError({"from": "from: must not be after to."})
        if "symbol" in attrs:
            attrs["symbol"] = attrs["symbol"].upper()
        return attrs


# --- responses ----------------------------------------------------------------------------------


class IndexAwareSerializer(serializers.Serializer):
    """Rows with a ``type``: an index's ``PriceField``s print as levels (two decimals)."""

    index_row = False  # read by PriceField: this row's prices are an index's levels

    def to_representation(self, instance: Any) -> Any:
        self.index_row = getattr(instance, "type", None) == InstrumentType.INDEX
        return super().to_representation(instance)


class QuoteSerializer(IndexAwareSerializer):
    """A ``market.selectors.QuoteRow``."""

    symbol = serializers.CharField()
    name = serializers.CharField()
    exchange = serializers.CharField()
    type = serializers.CharField()
    price = PriceField()
    reference_price = PriceField(source="reference")
    ceiling_price = PriceField(source="ceiling", allow_null=True, help_text="null for indices.")
    floor_price = PriceField(source="floor", allow_null=True, help_text="null for indices.")
    open = PriceField(allow_null=True)
    high = PriceField(allow_null=True)
    low = PriceField(allow_null=True)
    change = PriceField(help_text="price - reference_price.")
    change_pct = serializers.DecimalField(
        max_digits=9, decimal_places=2, help_text='Percent with two decimals: "1.00".'
    )
    volume = serializers.IntegerField(help_text="Accumulated volume of the session (shares)")
    value = serializers.DecimalField(
        max_digits=24, decimal_places=0, help_text="Accumulated traded value (VND)"
    )
    bids = serializers.ListField(
        child=serializers.ListField(), help_text='Best bids, best first: [["price", volume], ...]'
    )
    asks = serializers.ListField(
        child=serializers.ListField(), help_text='Best asks, best first: [["price", volume], ...]'
    )
    foreign_buy = serializers.IntegerField()
    foreign_sell = serializers.IntegerField()
    as_of = UtcDateTimeField()
    stale = serializers.BooleanField(
        help_text="True when the quote stopped updating while its exchange was trading "
        "(provider down); false after the close for the closing quote."
    )
    age_seconds = serializers.IntegerField(
        help_text="Seconds since the source last confirmed this quote."
    )
    source = serializers.CharField(help_text="vnstock or simulated")  # type: ignore[assignment]


class InstrumentSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    exchange = serializers.CharField()
    type = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    short_name = serializers.CharField(help_text='The brand investors use ("Vinamilk"), or ""')
    industry = serializers.CharField()
    lot_size = serializers.IntegerField()
    listed_shares = serializers.IntegerField(allow_null=True)
    is_active = serializers.BooleanField()
    groups = serializers.SerializerMethodField()

    def get_groups(self, instrument: Any) -> list[str]:
        return sorted(group.code for group in instrument.groups.all())


class InstrumentDetailSerializer(InstrumentSerializer):
    quote = QuoteSerializer(allow_null=True, help_text="null until the first poll")


class BarSerializer(serializers.Serializer):
    start = UtcDateTimeField()
    date = serializers.SerializerMethodField(help_text="Vietnam trading date of the bar's start")
    open = PriceField()
    high = PriceField()
    low = PriceField()
    close = PriceField()
    volume = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=24, decimal_places=0)

    def get_date(self, bar: Any) -> str:
        return market_date(bar.start).isoformat()


class BarsResponseSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    interval = serializers.CharField()
    start = UtcDateTimeField(help_text="Start of the requested range (inclusive)")
    end = UtcDateTimeField(help_text="End of the requested range (exclusive)")
    count = serializers.IntegerField()
    limit = serializers.IntegerField(help_text="The cap on bars per response")
    truncated = serializers.BooleanField(
        help_text="True when more bars matched than the cap: the most recent ones are returned"
    )
    adjusted = serializers.BooleanField(
        help_text=(
            "False: as-traded prices (what the market printed; holdings are valued at these). "
            "True: scaled for the stock dividends, bonus shares and splits since each bar, so "
            "the series has no gap on an ex-date (charts, comparisons)."
        )
    )
    results = BarSerializer(many=True, help_text="Oldest first")


class TickSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    time = UtcDateTimeField()
    price = PriceField()
    volume = serializers.IntegerField()
    side = serializers.CharField(help_text="buy (uptick), sell (downtick) or unknown")
    source = serializers.CharField()  # type: ignore[assignment]


class IndexLevelSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    name = serializers.CharField()
    level = LevelField(source="price")
    change = LevelField()
    change_pct = serializers.DecimalField(
        max_digits=9, decimal_places=2, help_text='Percent with two decimals: "1.00".'
    )
    as_of = UtcDateTimeField()
    stale = serializers.BooleanField()


class BreadthSerializer(serializers.Serializer):
    advancers = serializers.IntegerField()
    decliners = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class MarketStatusSerializer(serializers.Serializer):
    exchange = serializers.CharField(help_text="The exchange whose clock is reported: HOSE")
    session = serializers.ChoiceField(
        choices=[s.value for s in Session],
        help_text=(
            "HOSE's session now (Vietnam time): pre_open, ato, continuous, lunch_break, atc, "
            "put_through or closed. With the always-open simulated feed: continuous while its "
            "quotes are fresh, whatever the exchange clock says."
        ),
    )
    is_open = serializers.BooleanField(help_text="Trades are being matched (prices can move)")
    always_open = serializers.BooleanField(
        help_text=(
            "The quotes come from the simulated feed running around the clock "
            "(SIMULATED_ALWAYS_OPEN): show it as a simulated open market, not the exchange's"
        )
    )


class SummarySerializer(serializers.Serializer):
    indices = IndexLevelSerializer(many=True)
    gainers = QuoteSerializer(many=True, help_text="Top 10 by change % (positive only)")
    losers = QuoteSerializer(many=True, help_text="Top 10 by change % (negative only)")
    most_active = QuoteSerializer(many=True, help_text="Top 10 by traded value")
    breadth = BreadthSerializer()
    as_of = UtcDateTimeField(allow_null=True)
    source = serializers.CharField(allow_null=True, help_text="vnstock, simulated or mixed")  # type: ignore[assignment]
    last_trading_day = serializers.DateField(
        help_text=(
            "Today in Vietnam if the exchanges trade today, else the last day they traded "
            "(weekends and exchange holidays skipped): the latest date a BUY or SELL may carry"
        )
    )
    market_status = MarketStatusSerializer(
        help_text="What the market-status badge shows: the session now and whether trades flow"
    )


class CorporateEventSerializer(serializers.Serializer):
    """A ``market.models.CorporateEvent``. Dates are Vietnam calendar dates; amounts whole VND."""

    id = serializers.IntegerField()
    symbol = serializers.CharField(source="instrument.symbol")
    kind = serializers.ChoiceField(choices=CorporateEventKind.choices)
    status = serializers.CharField(help_text="announced, confirmed or cancelled")
    title = serializers.CharField()
    announcement_date = serializers.DateField(allow_null=True)
    ex_date = serializers.DateField(help_text="First trading day a buyer is not entitled")
    record_date = serializers.DateField(allow_null=True)
    payment_date = serializers.DateField(
        allow_null=True, help_text="Cash payment date, or listing date of the new shares"
    )
    cash_per_share = serializers.DecimalField(
        max_digits=24,
        decimal_places=0,
        allow_null=True,
        help_text="Cash dividend: whole VND per share, before the 5 % tax",
    )
    ratio = serializers.CharField(
        allow_null=True,
        help_text='"old:new": shares held : new shares (or rights), or before : after for a '
        "split; null for a cash dividend",
    )
    subscription_price = serializers.DecimalField(
        max_digits=24, decimal_places=0, allow_null=True, help_text="Rights issue: VND per share"
    )
    subscription_start = serializers.DateField(allow_null=True)
    subscription_end = serializers.DateField(allow_null=True)
    source = serializers.CharField(help_text="Provider name, or manual")  # type: ignore[assignment]
    updated_at = UtcDateTimeField()

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        data["ratio"] = data["ratio"] or None
        return data
