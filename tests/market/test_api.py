"""The public market API: shapes, filters, pagination, caps, stale quotes and every bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from market.calendar import last_trading_day, market_date
from market.models import Bar
from market.serializers import SYMBOLS_MAX
from market.services import history_store, quotes_ingest
from tests.market.builders import MONDAY, daily_bar, instrument, snapshot, trading_days, vn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("market_redis")]

BASE = "/api/market"


@pytest.fixture
def market() -> None:
    instrument("FPT", groups=("VN30",), name="Công ty CP FPT")
    instrument("VNM", groups=("VN30",), name="Vinamilk")
    instrument("SHS", exchange="HNX", groups=("HNX30",))
    instrument("VNINDEX", type="index", name="VN-Index")
    instrument("OLD", is_active=False)


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


def ingest_now(symbol: str = "FPT", **kwargs: Any) -> None:
    quotes_ingest(snapshots=[snapshot(symbol, as_of=timezone.now(), **kwargs)])


# --- instruments --------------------------------------------------------------------------------


def test_instruments_are_listed_paginated_and_public(api_client: APIClient, market) -> None:
    response = api_client.get(f"{BASE}/instruments/", {"page_size": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4  # the inactive one is not listed
    assert [i["symbol"] for i in body["results"]] == ["FPT", "SHS"]
    assert body["next"] is not None
    assert body["results"][0] == {
        "symbol": "FPT",
        "exchange": "HOSE",
        "type": "stock",
        "name": "Công ty CP FPT",
        "name_en": "",
        "short_name": "",
        "industry": "",
        "lot_size": 100,
        "listed_shares": None,
        "is_active": True,
        "groups": ["VN30"],
    }


@pytest.mark.parametrize(
    ("params", "symbols"),
    [
        ({"exchange": "HNX"}, ["SHS"]),
        ({"type": "index"}, ["VNINDEX"]),
        ({"group": "vn30"}, ["FPT", "VNM"]),
        ({"search": "vina"}, ["VNM"]),
        ({"search": "fp"}, ["FPT"]),
        ({"group": "VN30", "search": "V"}, ["VNM"]),
        ({"group": "VN100"}, []),
    ],
)
def test_instruments_are_filtered(api_client: APIClient, market, params, symbols) -> None:
    response = api_client.get(f"{BASE}/instruments/", params)
    assert response.status_code == 200
    assert [i["symbol"] for i in response.json()["results"]] == symbols


@pytest.fixture
def accented() -> None:
    instrument(
        "VNM",
        name="Công ty CP Sữa Việt Nam",
        name_en="Vietnam Dairy Products JSC",
        short_name="Vinamilk",
    )
    instrument("DGC", name="Công ty CP Tập đoàn Hóa chất Đức Giang", short_name="Đức Giang")
    instrument("FPT", name="Công ty CP FPT", name_en="FPT Corporation")
    instrument("SSI", name="Công ty CP Chứng khoán SSI")


@pytest.mark.parametrize(
    ("search", "symbols"),
    [
        ("sua", ["VNM"]),
        ("SỮA", ["VNM"]),
        ("sữa việt", ["VNM"]),
        ("vinamilk", ["VNM"]),
        ("VINAMILK", ["VNM"]),
        ("dairy", ["VNM"]),
        ("duc giang", ["DGC"]),
        ("ĐỨC GIANG", ["DGC"]),  # upper-case Đ folds to d too
        ("hoa chat", ["DGC"]),
        ("chung khoan", ["SSI"]),
        ("cong ty", ["DGC", "FPT", "SSI", "VNM"]),
        ("vn", ["VNM"]),  # the symbol's prefix
        ("sua giang", []),  # every word must match
    ],
)
def test_instrument_search_ignores_accents_and_case(
    api_client: APIClient, accented, search: str, symbols: list[str]
) -> None:
    response = api_client.get(f"{BASE}/instruments/", {"search": search})
    assert response.status_code == 200
    assert [i["symbol"] for i in response.json()["results"]] == symbols


def test_instrument_search_text_follows_a_rename(api_client: APIClient, accented) -> None:
    from market.models import Instrument

    row = Instrument.objects.get(symbol="FPT")
    row.name = "Tập đoàn Điện tử"
    row.save(update_fields=["name"])
    response = api_client.get(f"{BASE}/instruments/", {"search": "dien tu"})
    assert [i["symbol"] for i in response.json()["results"]] == ["FPT"]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"exchange": "NYSE"}, "exchange"),
        ({"type": "bond"}, "type"),
        ({"group": "VN-30"}, "group"),
        ({"page_size": "0"}, "page_size"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_instrument_filters_are_400_naming_the_parameter(
    api_client: APIClient, market, params, name
) -> None:
    response = api_client.get(f"{BASE}/instruments/", params)
    assert response.status_code == 400
    error = error_of(response)
    assert name in error["fields"]
    if name != "colour":
        assert name in error["message"]


def test_one_instrument_comes_with_its_quote(api_client: APIClient, market) -> None:
    ingest_now(last="101000", volume=500)
    response = api_client.get(f"{BASE}/instruments/fpt/")
    assert response.status_code == 200
    body = response.json()
    assert (body["symbol"], body["quote"]["price"], body["quote"]["stale"]) == (
        "FPT",
        "101000",
        False,
    )
    assert api_client.get(f"{BASE}/instruments/VNM/").json()["quote"] is None


def test_an_unknown_instrument_is_404(api_client: APIClient, market) -> None:
    for path in ("", "bars/", "ticks/"):
        response = api_client.get(f"{BASE}/instruments/NOPE/{path}")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"


# --- quotes -------------------------------------------------------------------------------------


def test_quotes_come_in_the_order_asked_with_the_contract_fields(
    api_client: APIClient, market
) -> None:
    ingest_now("FPT", last="101000", volume=500)
    ingest_now("VNM", reference="60000", last="59500", volume=800)
    response = api_client.get(f"{BASE}/quotes/", {"symbols": "vnm, FPT,SHS"})
    assert response.status_code == 200
    rows = response.json()
    assert [r["symbol"] for r in rows] == ["VNM", "FPT"]  # SHS has no quote yet
    fpt = rows[1]
    contract = {"symbol", "price", "reference_price", "ceiling_price", "floor_price", "open", "high", "low", "change", "change_pct", "volume", "value", "bids", "asks", "as_of", "stale", "age_seconds", "source"}  # fmt: skip
    assert contract <= set(fpt)
    assert (fpt["price"], fpt["reference_price"], fpt["ceiling_price"], fpt["floor_price"]) == (
        "101000",
        "100000",
        "107000",
        "93000",
    )
    assert (fpt["change"], fpt["change_pct"], fpt["volume"], fpt["value"]) == (
        "1000",
        "1.00",
        500,
        "50500000",
    )
    assert fpt["bids"] == [["100900", 500]]
    assert fpt["as_of"].endswith("Z")
    assert (fpt["stale"], fpt["source"]) == (False, "simulated")


def test_a_quote_that_stopped_updating_is_served_stale_with_its_age(
    api_client: APIClient, market, settings
) -> None:
    # given a quote last confirmed ten minutes ago while the simulated market trades around the
    # clock (the provider has been down since)
    settings.SIMULATED_ALWAYS_OPEN = True
    quotes_ingest(snapshots=[snapshot(as_of=timezone.now() - timedelta(minutes=10))])
    # when it is asked for
    (row,) = api_client.get(f"{BASE}/quotes/", {"symbols": "FPT"}).json()
    # then it is served, flagged stale, with its age
    assert row["price"] == "100000"
    assert row["stale"] is True
    assert 590 <= row["age_seconds"] <= 700


def test_an_index_quote_has_no_band(api_client: APIClient, market) -> None:
    ingest_now("VNINDEX", kind="index", reference="1250", last="1262.37", volume=10)
    (row,) = api_client.get(f"{BASE}/quotes/", {"symbols": "VNINDEX"}).json()
    assert (row["price"], row["ceiling_price"], row["floor_price"]) == ("1262.37", None, None)


def test_prices_print_in_whole_vnd_and_index_levels_with_two_decimals(
    api_client: APIClient, market
) -> None:
    ingest_now("FPT", reference="100000", last="101000", volume=500)
    ingest_now("VNINDEX", kind="index", reference="1250", last="1262.5", volume=10)

    fpt, index = api_client.get(f"{BASE}/quotes/", {"symbols": "FPT,VNINDEX"}).json()

    assert (fpt["price"], fpt["reference_price"], fpt["change"]) == ("101000", "100000", "1000")
    assert (index["price"], index["reference_price"], index["change"]) == (
        "1262.50",
        "1250.00",
        "12.50",
    )
    assert (fpt["change_pct"], index["change_pct"]) == ("1.00", "1.00")


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"symbols": ""},
        {"symbols": " , ,"},
        {"symbols": "FPT;VNM"},
        {"symbols": ",".join(f"S{i}" for i in range(SYMBOLS_MAX + 1))},
        {"symbols": "FPT", "extra": "1"},
    ],
    ids=["missing", "empty", "only-commas", "bad-separator", "too-many", "unknown-parameter"],
)
def test_bad_quote_requests_are_400_naming_the_parameter(
    api_client: APIClient, market, params
) -> None:
    response = api_client.get(f"{BASE}/quotes/", params)
    assert response.status_code == 400
    error = error_of(response)
    name = "extra" if "extra" in params else "symbols"
    assert name in error["fields"]
    if name == "symbols":
        assert "symbols" in error["message"]


def test_unknown_symbols_in_a_quote_request_are_404_naming_them(
    api_client: APIClient, market
) -> None:
    response = api_client.get(f"{BASE}/quotes/", {"symbols": "FPT,NOPE,ZZZ"})
    assert response.status_code == 404
    assert error_of(response)["fields"] == {"symbols": ["NOPE", "ZZZ"]}


# --- bars ---------------------------------------------------------------------------------------


@pytest.fixture
def fpt_history(market) -> list:
    days = trading_days(MONDAY, 10)
    history_store(
        symbol="FPT",
        bars=[daily_bar("FPT", d, str(100_000 + 100 * i)) for i, d in enumerate(days)],
        start=days[0],
        end=days[-1],
    )
    return days


def test_daily_bars_come_oldest_first_within_the_range(api_client: APIClient, fpt_history) -> None:
    days = fpt_history
    response = api_client.get(
        f"{BASE}/instruments/FPT/bars/",
        {"interval": "1d", "start": days[2].isoformat(), "end": days[5].isoformat()},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["symbol"], body["interval"], body["count"], body["truncated"]) == (
        "FPT",
        "1d",
        4,
        False,
    )
    assert [b["date"] for b in body["results"]] == [d.isoformat() for d in days[2:6]]
    first = body["results"][0]
    assert first == {
        "start": vn(days[2], "00:00").isoformat().replace("+00:00", "Z"),
        "date": days[2].isoformat(),
        "open": "100200",
        "high": "100300",
        "low": "100100",
        "close": "100200",
        "volume": 10000,
        "value": "1002000000",
    }


def test_bars_past_the_cap_return_the_most_recent_ones(
    api_client: APIClient, fpt_history, monkeypatch
) -> None:
    monkeypatch.setattr("market.selectors.BARS_MAX", 3)
    monkeypatch.setattr("market.apis.selectors.BARS_MAX", 3)
    days = fpt_history
    response = api_client.get(
        f"{BASE}/instruments/FPT/bars/", {"start": days[0].isoformat(), "end": days[-1].isoformat()}
    )
    body = response.json()
    assert (body["count"], body["limit"], body["truncated"]) == (3, 3, True)
    assert [b["date"] for b in body["results"]] == [d.isoformat() for d in days[-3:]]


def test_bars_accept_iso_datetimes_with_an_offset(api_client: APIClient, fpt_history) -> None:
    days = fpt_history
    start = vn(days[1], "00:00").isoformat()
    end = vn(days[2], "00:00").isoformat().replace("+00:00", "Z")
    body = api_client.get(
        f"{BASE}/instruments/FPT/bars/", {"interval": "1d", "start": start, "end": end}
    ).json()
    assert [b["date"] for b in body["results"]] == [days[1].isoformat(), days[2].isoformat()]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"interval": "2m"}, "interval"),
        ({"interval": "1D"}, "interval"),
        ({"start": "2026-13-01"}, "start"),
        ({"start": "yesterday"}, "start"),
        ({"end": "2026-02-30"}, "end"),
        ({"start": "2026-01-05T09:00:00"}, "start"),
        ({"start": "2026-01-09", "end": "2026-01-05"}, "end"),
        ({"start": "2026-01-05T03:00:00Z", "end": "2026-01-05T02:00:00Z"}, "end"),
        ({"limit": "10"}, "limit"),
        ({"start": "0001-01-01"}, "start"),
        ({"end": "9999-12-31"}, "end"),
        ({"start": "0001-01-01T00:00:00Z"}, "start"),
        ({"interval": "1m", "end": "9999-12-31T23:59:59-14:00"}, "end"),
        ({"start": "2026-02-30T00:00:00Z"}, "start"),
    ],
    ids=[
        "unknown-interval",
        "wrong-case",
        "bad-month",
        "words",
        "bad-day",
        "naive",
        "reversed-dates",
        "reversed-times",
        "unknown-parameter",
        "year-one",
        "year-9999",
        "year-one-datetime",
        "overflowing-offset",
        "impossible-datetime",
    ],
)
def test_bad_bar_requests_are_400_naming_the_parameter(
    api_client: APIClient, market, params, name
) -> None:
    response = api_client.get(f"{BASE}/instruments/FPT/bars/", params)
    assert response.status_code == 400
    error = error_of(response)
    assert name in error["fields"]
    if name != "limit":
        assert name in error["message"]


def test_intraday_bars_default_to_the_last_day(api_client: APIClient, market) -> None:
    now = timezone.now()
    fpt = instrument("HPG")
    for minutes_ago in (5, 60 * 30):
        start = (now - timedelta(minutes=minutes_ago)).replace(second=0, microsecond=0)
        Bar.objects.create(
            instrument=fpt, interval="1m", start=start, open=1, high=1, low=1, close=1
        )
    body = api_client.get(f"{BASE}/instruments/HPG/bars/", {"interval": "1m"}).json()
    assert body["count"] == 1


# --- ticks --------------------------------------------------------------------------------------


def test_ticks_are_listed_oldest_first_from_a_time_or_after_a_seq(
    api_client: APIClient, market
) -> None:
    t0 = timezone.now() - timedelta(minutes=5)
    for i, volume in enumerate((1000, 1200, 1500, 1600)):
        quotes_ingest(
            snapshots=[snapshot(last=str(100_000 + 100 * i), volume=volume, as_of=t0 + timedelta(seconds=i))]
        )  # fmt: skip
    everything = api_client.get(f"{BASE}/instruments/FPT/ticks/").json()
    assert [t["seq"] for t in everything["results"]] == [1, 2, 3]
    assert everything["results"][0] == {
        "seq": 1,
        "time": (t0 + timedelta(seconds=1)).isoformat().replace("+00:00", "Z"),
        "price": "100100",
        "volume": 200,
        "side": "buy",
        "source": "simulated",
    }
    after = api_client.get(f"{BASE}/instruments/FPT/ticks/", {"after_seq": 1}).json()
    assert [t["seq"] for t in after["results"]] == [2, 3]
    since = (t0 + timedelta(seconds=3)).isoformat()
    later = api_client.get(f"{BASE}/instruments/FPT/ticks/", {"since": since}).json()
    assert [t["seq"] for t in later["results"]] == [3]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"since": "soon"}, "since"),
        ({"since": "0001-01-01"}, "since"),
        ({"since": "9999-12-31T23:59:59-14:00"}, "since"),
        ({"after_seq": "-1"}, "after_seq"),
        ({"after_seq": "x"}, "after_seq"),
        ({"after_seq": str(2**70)}, "after_seq"),
    ],
)
def test_bad_tick_requests_are_400_naming_the_parameter(
    api_client: APIClient, market, params, name
) -> None:
    response = api_client.get(f"{BASE}/instruments/FPT/ticks/", params)
    assert response.status_code == 400
    assert name in error_of(response)["fields"]


# --- summary ------------------------------------------------------------------------------------


def test_the_summary_has_indices_movers_and_breadth(api_client: APIClient, market) -> None:
    ingest_now("FPT", last="103000", volume=500)
    ingest_now("VNM", reference="60000", last="59000", volume=900)
    ingest_now("VNINDEX", kind="index", reference="1250", last="1262.5", volume=10)
    response = api_client.get(f"{BASE}/summary/")
    assert response.status_code == 200
    body = response.json()
    assert body["indices"] == [
        {
            "symbol": "VNINDEX",
            "name": "VN-Index",
            "level": "1262.50",
            "change": "12.50",
            "change_pct": "1.00",
            "as_of": body["indices"][0]["as_of"],
            "stale": False,
        }
    ]
    assert [q["symbol"] for q in body["gainers"]] == ["FPT"]
    assert [q["symbol"] for q in body["losers"]] == ["VNM"]
    assert [q["symbol"] for q in body["most_active"]] == ["VNM", "FPT"]
    assert body["breadth"] == {"advancers": 1, "decliners": 1, "unchanged": 0}
    assert body["source"] == "simulated"


def test_the_summary_of_an_empty_market(api_client: APIClient) -> None:
    body = api_client.get(f"{BASE}/summary/").json()
    assert body["indices"] == body["gainers"] == []
    assert body["breadth"] == {"advancers": 0, "decliners": 0, "unchanged": 0}
    assert body["as_of"] is None
    # the date a trade entered now may carry, from the exchange calendar, whatever the quotes
    assert body["last_trading_day"] == last_trading_day(market_date(timezone.now())).isoformat()


def test_every_market_view_is_public_and_scoped_market_read() -> None:
    from django.urls import get_resolver

    from market import urls

    for pattern in urls.urlpatterns:
        view = pattern.callback.view_class  # type: ignore[attr-defined]
        assert view.throttle_scope == "market_read"
        assert [p.__name__ for p in view.permission_classes] == ["AllowAny"]
    assert get_resolver()  # the project's URLconf loads


def test_the_schema_documents_the_market_endpoints(api_client: APIClient) -> None:
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/market/instruments/",
        "/api/market/instruments/{symbol}/",
        "/api/market/instruments/{symbol}/bars/",
        "/api/market/instruments/{symbol}/ticks/",
        "/api/market/quotes/",
        "/api/market/summary/",
    ):
        operation = paths[path]["get"]
        assert operation["tags"] == ["market"]
    assert {"400", "404"} <= set(paths["/api/market/quotes/"]["get"]["responses"])


_PARAM_VALUES = st.one_of(
    st.text(max_size=30),
    st.dates().map(date.isoformat),
    st.datetimes(timezones=st.timezones()).map(datetime.isoformat),
    st.integers().map(str),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(["instruments/", "instruments/FPT/", "instruments/FPT/bars/", "instruments/FPT/ticks/", "quotes/", "summary/"]),
    params=st.dictionaries(
        st.sampled_from(["symbols", "interval", "start", "end", "since", "after_seq", "page", "page_size", "exchange", "type", "group", "search"]),
        _PARAM_VALUES,
        max_size=4,
    ),
)  # fmt: skip
def test_no_query_string_makes_a_server_error(api_client: APIClient, market, path, params) -> None:
    response = api_client.get(f"{BASE}/{path}", params)
    assert response.status_code in (200, 400, 404), (path, params, response.content[:300])


# --- market status ------------------------------------------------------------------------------

PRE_OPEN = datetime(2026, 3, 4, 1, 30, tzinfo=UTC)  # 08:30 in Vietnam on a Wednesday


@pytest.mark.parametrize(
    ("always_open", "source", "quote_age", "expected"),
    [
        # the always-open demo feed with fresh quotes: open, whatever the exchange clock says
        (True, "simulated", 5, ("continuous", True, True)),
        # the same feed gone quiet: the exchange's own session, not open
        (True, "simulated", 600, ("pre_open", False, True)),
        # the exchange's clock otherwise, even with fresh simulated quotes
        (False, "simulated", 5, ("pre_open", False, False)),
        (True, "vnstock", 5, ("pre_open", False, False)),
        (True, None, None, ("pre_open", False, False)),
    ],
)
def test_the_market_status_says_the_simulated_market_is_open_while_trades_flow(
    settings: Any, always_open: bool, source: str | None, quote_age: int | None, expected: tuple
) -> None:
    from market.selectors import market_status

    settings.SIMULATED_ALWAYS_OPEN = always_open
    as_of = None if quote_age is None else PRE_OPEN - timedelta(seconds=quote_age)
    status = market_status(source=source, as_of=as_of, now=PRE_OPEN)
    assert (status["session"], status["is_open"], status["always_open"]) == expected
    assert status["exchange"] == "HOSE"


@pytest.mark.parametrize(
    ("clock", "session", "is_open"),
    [("09:05", "ato", True), ("10:00", "continuous", True), ("12:00", "lunch_break", False),
     ("14:50", "put_through", False), ("16:00", "closed", False)],
)  # fmt: skip
def test_the_market_status_follows_the_hose_clock(
    settings: Any, clock: str, session: str, is_open: bool
) -> None:
    from market.selectors import market_status

    settings.SIMULATED_ALWAYS_OPEN = False
    now = vn(date(2026, 3, 4), clock)
    status = market_status(source="vnstock", as_of=now, now=now)
    assert (status["session"], status["is_open"]) == (session, is_open)


def test_the_summary_reports_the_market_status(
    api_client: APIClient, market, settings: Any
) -> None:
    settings.SIMULATED_ALWAYS_OPEN = True
    ingest_now("FPT", last="103000", volume=500)
    body = api_client.get(f"{BASE}/summary/").json()
    assert body["market_status"] == {
        "exchange": "HOSE",
        "session": "continuous",
        "is_open": True,
        "always_open": True,
    }
