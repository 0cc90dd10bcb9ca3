"""The vnstock adapter against recorded-shape HTTP replies (``responses``); nothing leaves the host.

vnstock's guard (vnai) counts calls per process and ends the process with ``SystemExit`` past its
quota, so every test here runs in a child forked from the test process, which makes no vnstock call
itself: each child starts with a fresh quota and a ``HOME`` in a temporary folder (vnai writes
``~/.vnstock``). A failure in the child is reported back as the test's failure.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import logging
import multiprocessing
import sys
import traceback
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
import responses
from django.conf import settings

from market.calendar import VN_TZ, Exchange
from market.providers.base import (
    ProviderDataError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from market.providers.validation import validate_bar, validate_quote, validate_tick

if TYPE_CHECKING:
    from market.providers.vnstock import VnstockProvider

KBS = "https://kbbuddywts.kbsec.com.vn/iis-server/investment"
VCI = "https://trading.vietcap.com.vn/api"
ADVERT = "https://hq.vnstocks.com/content-delivery"


@pytest.fixture(autouse=True, scope="module")
def vendor_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Children inherit a throwaway HOME, no API key and the vendor switches."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(tmp_path_factory.mktemp("vnstock-home")))
        patch.delenv("VNSTOCK_API_KEY", raising=False)
        patch.setenv("VNSTOCK_DISABLE_AGENT_SETUP", "1")
        patch.setenv("VNSTOCK_TELEMETRY", "off")
        patch.setenv("VNSTOCK_CIRCUIT_BREAKER", "off")
        yield


def forked(test: Callable[..., None]) -> Callable[..., None]:
    """Run ``test`` in a forked child; whatever it raises (SystemExit included) fails the test."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        quota = sys.modules.get("vnai.beam.quota")
        spent = quota and any(any(c.values()) for c in quota.guardian.usage_counters.values())
        assert not spent, "the test process itself called vnstock: children would inherit its quota"
        context = multiprocessing.get_context("fork")
        outcome = context.Queue()
        child = context.Process(target=_child, args=(outcome, test, args, kwargs))
        child.start()
        try:
            failure = outcome.get(timeout=120)
        finally:
            child.join(timeout=30)
        if failure:
            pytest.fail(f"in the forked child:\n{failure}", pytrace=False)

    return run


def _child(outcome: Any, test: Callable[..., None], args: Any, kwargs: Any) -> None:
    try:
        test(*args, **kwargs)
    except BaseException:
        outcome.put(traceback.format_exc())
    else:
        outcome.put(None)


@contextlib.contextmanager
def replay() -> Iterator[responses.RequestsMock]:
    """Recorded replies only: an unmatched request fails the test even if vnstock swallows it."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(ADVERT, body="")  # vnai fetches an advert on its first use in a process
        yield mock
        escaped = [c.request.url for c in mock.calls if isinstance(c.response, Exception)]
        assert not escaped, f"requests escaped the recorded replies: {escaped}"


def source_calls(mock: responses.RequestsMock) -> list[Any]:
    return [c for c in mock.calls if not str(c.request.url).startswith(ADVERT)]


class CountingBudget:
    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self.spent = 0

    def acquire(self, cost: int = 1) -> None:
        if self.limit is not None and self.spent + cost > self.limit:
            raise ProviderRateLimited("test budget spent", retry_after=30)
        self.spent += cost


def adapter(source: str, budget: CountingBudget, now: datetime | None = None) -> VnstockProvider:
    from market.providers.vnstock import VnstockProvider

    clock = (lambda: now) if now else None
    return VnstockProvider(source=source, budget=budget, groups=("VN30",), clock=clock)


# --- recorded shapes -----------------------------------------------------------------------------

KBS_LISTING = [
    {"symbol": "FPT", "name": "Công ty Cổ phần FPT", "nameEn": "FPT Corporation",
     "exchange": "HOSE", "type": "stock", "index": 1, "re": 104600, "ceiling": 111900,
     "floor": 97300},
    {"symbol": "E1VFVN30", "name": "Quỹ ETF DCVFMVN30", "nameEn": "DCVFMVN30 ETF Fund",
     "exchange": "HOSE", "type": "fund", "index": 2},
    {"symbol": "SHS", "name": "Công ty Cổ phần Chứng khoán Sài Gòn - Hà Nội",
     "nameEn": "Saigon - Hanoi Securities JSC", "exchange": "HNX", "type": "stock", "index": 3},
    {"symbol": "CFPT2501", "name": "Chứng quyền FPT", "nameEn": "FPT warrant",
     "exchange": "HOSE", "type": "cw", "index": 4},
    {"symbol": "VIC123001", "name": "Trái phiếu", "nameEn": "Bond", "exchange": "HNX",
     "type": "bond", "index": 5},
]  # fmt: skip

KBS_BOARD = [
    {"SB": "FPT", "EX": "HOSE", "RE": 104600, "CL": 111900, "FL": 97300, "OP": 104800,
     "CP": 105300, "HI": 105600, "LO": 104200, "AP": 104950, "TT": 2_154_300,
     "TV": 226_093_785_000, "CH": 700, "CHP": 0.67, "B1": "105200.0", "V1": 3400,
     "B2": "105100.0", "V2": 1200, "B3": "105000", "V3": 9800, "S1": "105300.0", "U1": 500,
     "S2": "105400.0", "U2": 2100, "S3": "105500", "U3": 700, "FB": 310_000, "FS": 145_200,
     "FR": 250_000_000, "t": 1_772_620_200_000},
    {"SB": "VNM", "EX": "HOSE", "RE": 61000, "CL": 65200, "FL": 56800, "OP": 0, "CP": 0,
     "HI": 0, "LO": 0, "AP": 0, "TT": 0, "TV": 0, "CH": 0, "CHP": 0.0, "B1": "60900.0",
     "V1": 1000, "B2": "", "V2": 0, "B3": "", "V3": 0, "S1": "61100.0", "U1": 800, "S2": "",
     "U2": 0, "S3": "", "U3": 0, "FB": 0, "FS": 0, "FR": 1000, "t": 1_772_589_600_000},
]  # fmt: skip


def vci_board_row(symbol: str, **overrides: Any) -> dict[str, Any]:
    row = {
        "listingInfo": {"code": symbol, "symbol": symbol, "ceiling": 27750, "floor": 24150,
                        "refPrice": 25950, "board": "HSX", "listedShare": 5_136_656_599,
                        "organName": "Ngân hàng TMCP Á Châu"},
        "bidAsk": {"code": symbol, "symbol": symbol,
                   "bidPrices": [{"price": 26000, "volume": 12000}, {"price": 25950, "volume": 8000},
                                 {"price": 25900, "volume": 4000}],
                   "askPrices": [{"price": 26050, "volume": 7000}, {"price": 26100, "volume": 9000},
                                 {"price": 26150, "volume": 3000}]},
        "matchPrice": {"code": symbol, "symbol": symbol, "matchPrice": 26050, "matchVol": 1000,
                       "openPrice": 25950, "highest": 26100, "lowest": 25900,
                       "accumulatedVolume": 4_770_000, "accumulatedValue": 124_300.5,
                       "avgMatchPrice": 26059, "foreignBuyVolume": 510_000,
                       "foreignSellVolume": 220_000},
    }  # fmt: skip
    row.update(overrides)
    return row


# --- listing -------------------------------------------------------------------------------------


@forked
def test_kbs_listing_and_the_vn30_group_become_instruments() -> None:
    budget = CountingBudget()
    with replay() as mock:
        mock.get(f"{KBS}/stock/search/data", json=KBS_LISTING)
        mock.get(f"{KBS}/index/30/stocks", json={"status": 200, "data": ["ACB", "FPT", "VCB"]})
        instruments = {i.symbol: i for i in adapter("KBS", budget).list_instruments()}
        assert len(source_calls(mock)) == 2
    assert instruments["FPT"].exchange is Exchange.HOSE
    assert instruments["FPT"].type == "stock"
    assert instruments["FPT"].groups == ("VN30",)
    assert instruments["FPT"].name_en == "FPT Corporation"
    assert instruments["E1VFVN30"].type == "etf"
    assert instruments["SHS"].exchange is Exchange.HNX
    assert instruments["SHS"].groups == ()
    assert instruments["CFPT2501"].type == "cw"
    assert "VIC123001" not in instruments  # bonds are not tracked
    assert {s for s, i in instruments.items() if i.type == "index"} == {
        "VNINDEX",
        "VN30",
        "HNXINDEX",
    }
    assert budget.spent == 2


@forked
def test_kbs_listing_records_the_hnx30_basket_too() -> None:
    from market.providers.vnstock import DEFAULT_GROUPS, VnstockProvider

    budget = CountingBudget()
    provider = VnstockProvider(source="KBS", budget=budget, groups=DEFAULT_GROUPS)
    with replay() as mock:
        mock.get(f"{KBS}/stock/search/data", json=KBS_LISTING)
        mock.get(f"{KBS}/index/30/stocks", json={"status": 200, "data": ["ACB", "FPT", "VCB"]})
        mock.get(f"{KBS}/index/HNX30/stocks", json={"status": 200, "data": ["SHS", "PVS"]})
        instruments = {i.symbol: i for i in provider.list_instruments()}
        assert len(source_calls(mock)) == 3
    assert instruments["FPT"].groups == ("VN30",)
    assert instruments["SHS"].groups == ("HNX30",)
    assert budget.spent == 3


@forked
def test_vci_listing_normalises_hsx_and_names_the_industry() -> None:
    budget = CountingBudget()
    listing = [
        {"id": 1, "symbol": "FPT", "type": "STOCK", "board": "HSX", "organName": "Công ty CP FPT",
         "organShortName": "FPT", "enOrganName": "FPT Corp", "enOrganShortName": "FPT",
         "productGrpID": "STO", "icbCode2": "9500"},
        {"id": 2, "symbol": "ACV", "type": "STOCK", "board": "UPCOM", "organName": "Tổng Công ty ACV",
         "organShortName": "ACV", "enOrganName": "ACV", "enOrganShortName": "ACV",
         "productGrpID": "UPX", "icbCode2": "2700"},
        {"id": 3, "symbol": "VN30F2603", "type": "FU", "board": "HNX", "organName": "HĐTL",
         "organShortName": "F", "enOrganName": "F", "enOrganShortName": "F",
         "productGrpID": "FIO", "icbCode2": None},
    ]  # fmt: skip
    with replay() as mock:
        mock.get(f"{VCI}/price/symbols/getAll", json=listing)
        mock.get(f"{VCI}/price/symbols/getByGroup", json=[{"symbol": "FPT"}, {"symbol": "ACB"}])
        instruments = {i.symbol: i for i in adapter("VCI", budget).list_instruments()}
        assert "group=VN30" in source_calls(mock)[1].request.url
    assert instruments["FPT"].exchange is Exchange.HOSE
    assert instruments["FPT"].industry == "Technology"
    assert instruments["FPT"].groups == ("VN30",)
    assert instruments["ACV"].exchange is Exchange.UPCOM
    assert instruments["ACV"].industry == "Industrial Goods & Services"
    assert "VN30F2603" not in instruments
    assert budget.spent == 2


# --- price board ---------------------------------------------------------------------------------


@forked
def test_kbs_price_board_is_read_in_raw_vnd() -> None:
    budget = CountingBudget()
    with replay() as mock:
        mock.post(f"{KBS}/stock/iss", json=KBS_BOARD)
        fpt, vnm = adapter("KBS", budget).price_board(["FPT", "VNM"])
        assert json.loads(source_calls(mock)[0].request.body) == {"code": "FPT,VNM"}
    assert (fpt.reference, fpt.ceiling, fpt.floor) == (
        Decimal(104600),
        Decimal(111900),
        Decimal(97300),
    )
    assert (fpt.last, fpt.open, fpt.high, fpt.low) == (
        Decimal(105300),
        Decimal(104800),
        Decimal(105600),
        Decimal(104200),
    )
    assert fpt.volume == 2_154_300
    assert fpt.value == Decimal(226_093_785_000)
    assert fpt.bids[0] == (Decimal(105200), 3400)
    assert fpt.asks == ((Decimal(105300), 500), (Decimal(105400), 2100), (Decimal(105500), 700))
    assert (fpt.foreign_buy, fpt.foreign_sell) == (310_000, 145_200)
    assert fpt.as_of == datetime(2026, 3, 4, 10, 30, tzinfo=UTC)
    assert fpt.change_pct == Decimal("0.67")
    assert fpt.source == "vnstock:KBS"
    assert validate_quote(fpt, instrument_type="stock") == []
    # Before its first trade a symbol shows its reference and no session prices
    assert (vnm.last, vnm.open, vnm.volume) == (Decimal(61000), None, 0)
    assert vnm.bids == ((Decimal(60900), 1000),)
    assert budget.spent == 1


@forked
def test_vnai_prints_no_advert_or_notice_on_first_use(tmp_path: Any) -> None:
    # Given a process on a machine where vnstock never ran (no ~/.vnstock yet)
    import os

    os.environ["HOME"] = str(tmp_path)
    printed = io.StringIO()
    # When its first vnstock call is made
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed), replay() as mock:
        mock.post(f"{KBS}/stock/iss", json=KBS_BOARD)
        adapter("KBS", CountingBudget()).price_board(["FPT", "VNM"])
        # Then no advert was fetched from the vendor
        assert [c.request.url for c in mock.calls if str(c.request.url).startswith(ADVERT)] == []
    # And nothing was printed: no start-up advert, no first-run notice
    assert printed.getvalue() == ""
    assert (tmp_path / ".vnstock").is_dir()  # vnai still keeps its own files


@forked
def test_vci_price_board_is_flattened_and_its_value_scaled_to_vnd() -> None:
    budget = CountingBudget()
    now = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)
    with replay() as mock:
        mock.post(f"{VCI}/price/symbols/getList", json=[vci_board_row("ACB")])
        (acb,) = adapter("VCI", budget, now).price_board(["ACB"])
        assert json.loads(source_calls(mock)[0].request.body) == {"symbols": ["ACB"]}
    assert acb.exchange is Exchange.HOSE
    assert (acb.reference, acb.last, acb.high) == (Decimal(25950), Decimal(26050), Decimal(26100))
    # accumulatedValue arrives in millions of VND: 124,300.5 million ~ 4.77M shares x 26,059
    assert acb.value == Decimal(124_300_500_000)
    assert acb.bids[0] == (Decimal(26000), 12000)
    assert acb.as_of == now
    assert validate_quote(acb, instrument_type="stock") == []
    assert budget.spent == 1


@forked
def test_an_index_on_the_board_comes_from_its_daily_history_in_points() -> None:
    budget = CountingBudget()
    now = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)  # 11:00 in Hanoi on a Wednesday
    days = {"data_day": [
        {"t": "2026-03-02 07:00", "o": 1641.2, "h": 1650.33, "l": 1630.1, "c": 1648.05,
         "v": 712_000_000, "va": 19_800_000_000_000},
        {"t": "2026-03-03 07:00", "o": 1648.05, "h": 1661.0, "l": 1645.5, "c": 1655.47,
         "v": 805_000_000, "va": 21_400_000_000_000},
        {"t": "2026-03-04 07:00", "o": 1655.47, "h": 1659.9, "l": 1640.02, "c": 1644.8,
         "v": 402_000_000, "va": 10_900_000_000_000},
    ]}  # fmt: skip
    with replay() as mock:
        mock.get(f"{KBS}/index/VNINDEX/data_day", json=days)
        (vnindex,) = adapter("KBS", budget, now).price_board(["VNINDEX"])
    assert (vnindex.reference, vnindex.last) == (Decimal("1655.47"), Decimal("1644.80"))
    assert (vnindex.ceiling, vnindex.bids) == (None, ())
    assert vnindex.low == Decimal("1640.02")
    assert validate_quote(vnindex, instrument_type="index") == []
    assert budget.spent == 1


# --- history and ticks ---------------------------------------------------------------------------


@forked
def test_kbs_daily_history_becomes_whole_vnd_bars_on_their_dates() -> None:
    budget = CountingBudget()
    days = {"data_day": [
        {"t": "2026-03-03 07:00", "o": 103500, "h": 105000, "l": 103200, "c": 104600,
         "v": 1_830_400, "va": 190_512_300_000},
        {"t": "2026-03-04 07:00", "o": 104800, "h": 105600, "l": 104200, "c": 105300,
         "v": 2_154_300, "va": 226_093_785_000},
    ]}  # fmt: skip
    with replay() as mock:
        mock.get(f"{KBS}/stocks/FPT/data_day", json=days)
        bars = adapter("KBS", budget).history(
            "FPT", interval="1d", start=date(2026, 3, 3), end=date(2026, 3, 4)
        )
        assert "sdate=03-03-2026&edate=04-03-2026" in source_calls(mock)[0].request.url
    # vnstock hands over thousands of VND (104.6); the adapter brings back whole VND
    assert [b.close for b in bars] == [Decimal(104600), Decimal(105300)]
    assert [b.trading_date for b in bars] == [date(2026, 3, 3), date(2026, 3, 4)]
    assert bars[0].start == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # midnight in Hanoi
    assert bars[1].value == Decimal(226_093_785_000)
    assert bars[1].volume == 2_154_300
    assert all(validate_bar(b) == [] for b in bars)
    assert budget.spent == 1


@forked
def test_vci_hourly_history_is_trimmed_to_the_range_and_made_aware() -> None:
    budget = CountingBudget()
    hours = [datetime(2026, 3, 3, 14, tzinfo=VN_TZ)] + [
        datetime(2026, 3, 4, h, tzinfo=VN_TZ) for h in (9, 10, 11)
    ]
    chart = [{
        "symbol": "TCB",
        "t": [str(int(h.timestamp())) for h in hours],
        "o": [33950, 34000, 34100, 34050], "h": [34000, 34150, 34200, 34100],
        "l": [33900, 33950, 34000, 33950], "c": [34000, 34100, 34050, 34000],
        "v": [410_000, 1_200_000, 830_000, 640_000],
    }]  # fmt: skip
    with replay() as mock:
        mock.post(f"{VCI}/chart/OHLCChart/gap-chart", json=chart)
        bars = adapter("VCI", budget).history(
            "TCB", interval="1h", start=date(2026, 3, 4), end=date(2026, 3, 4)
        )
        body = json.loads(source_calls(mock)[0].request.body)
    assert body["timeFrame"] == "ONE_HOUR"
    assert body["symbols"] == ["TCB"]
    assert [b.start for b in bars] == [
        datetime(2026, 3, 4, h, tzinfo=UTC) for h in (2, 3, 4)
    ]  # 09:00-11:00 in Hanoi; the bar of the day before is dropped
    assert [b.open for b in bars] == [Decimal(34000), Decimal(34100), Decimal(34050)]
    assert all(b.value is None for b in bars)  # VCI reports no traded value
    assert budget.spent == 1


@forked
def test_kbs_intraday_ticks_come_back_oldest_first_in_vnd() -> None:
    budget = CountingBudget()
    trades = {"data": [
        {"t": "2026-03-04 14:27:23:15", "TD": "04/03/2026", "SB": "FPT", "FT": "14:27:23",
         "LC": "B", "FMP": 105300, "FCV": 100, "FV": 200, "AVO": 2_154_300, "AVA": 2.2e11},
        {"t": "2026-03-04 14:27:20:10", "TD": "04/03/2026", "SB": "FPT", "FT": "14:27:20",
         "LC": "S", "FMP": 105200, "FCV": 0, "FV": 1000, "AVO": 2_154_100, "AVA": 2.2e11},
    ]}  # fmt: skip
    with replay() as mock:
        mock.get(f"{KBS}/trade/history/FPT", json=trades)
        ticks = adapter("KBS", budget).intraday_ticks("FPT", limit=2)
        assert "limit=2" in source_calls(mock)[0].request.url
    assert [t.price for t in ticks] == [Decimal(105200), Decimal(105300)]
    assert [t.side for t in ticks] == ["sell", "buy"]
    assert [t.volume for t in ticks] == [1000, 200]
    assert ticks[1].time == datetime(2026, 3, 4, 7, 27, 23, tzinfo=UTC)
    assert all(t.source_id and t.source_id.startswith("KBS:") for t in ticks)
    band = (Decimal(97300), Decimal(111900))
    assert all(validate_tick(t, reference_band=band, exchange=Exchange.HOSE) == [] for t in ticks)
    assert budget.spent == 1


@forked
def test_vci_intraday_ticks_keep_their_instant(monkeypatch: pytest.MonkeyPatch) -> None:
    from market.providers.vnstock import import_vnstock

    import_vnstock()
    import vnstock.explorer.vci.quote as vci_quote

    # VCI refuses intraday between 07:00 and 09:00 Hanoi time: pin its clock check open
    monkeypatch.setattr(
        vci_quote,
        "trading_hours",
        lambda *_: {"is_trading_hour": True, "data_status": "trading", "time": "10:00"},
    )
    budget = CountingBudget()
    trades = [
        {"id": "7000", "symbol": "TCB", "truncTime": "1772594430", "matchType": "b",
         "matchVol": "200.0", "matchPrice": "34050.0"},
        {"id": "7001", "symbol": "TCB", "truncTime": "1772594434", "matchType": "unknown",
         "matchVol": "1000.0", "matchPrice": "34000.0"},
    ]  # fmt: skip
    with replay() as mock:
        mock.post(f"{VCI}/market-watch/LEData/getAll", json=trades)
        ticks = adapter("VCI", budget).intraday_ticks("TCB", limit=2)
    assert [t.time for t in ticks] == [
        datetime.fromtimestamp(1772594430, tz=UTC),
        datetime.fromtimestamp(1772594434, tz=UTC),
    ]
    assert [t.price for t in ticks] == [Decimal(34050), Decimal(34000)]
    assert [t.side for t in ticks] == ["buy", "unknown"]
    assert [t.source_id for t in ticks] == ["VCI:7000", "VCI:7001"]
    assert budget.spent == 1


# --- failures ------------------------------------------------------------------------------------


@forked
def test_server_errors_become_unavailable_after_budgeted_retries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    monkeypatch.setattr(time, "sleep", lambda _seconds: None)  # vnstock backs off 2-10 s
    budget = CountingBudget()
    with replay() as mock:
        mock.get(f"{KBS}/stocks/FPT/data_day", status=500, body="Internal Server Error")
        with pytest.raises(ProviderUnavailable, match="unreachable"):
            adapter("KBS", budget).history(
                "FPT", interval="1d", start=date(2026, 3, 3), end=date(2026, 3, 4)
            )
        attempts = len(source_calls(mock))
    assert attempts == 3  # vnstock's own retries
    assert budget.spent == 3  # every attempt paid for


@forked
def test_a_retry_that_succeeds_is_charged_once_per_attempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    monkeypatch.setattr(time, "sleep", lambda _seconds: None)
    budget = CountingBudget()
    day = {"t": "2026-03-04 07:00", "o": 104800, "h": 105600, "l": 104200, "c": 105300, "v": 10}
    with replay() as mock:
        mock.get(f"{KBS}/stocks/FPT/data_day", status=502)
        mock.get(f"{KBS}/stocks/FPT/data_day", json={"data_day": [day]})
        bars = adapter("KBS", budget).history(
            "FPT", interval="1d", start=date(2026, 3, 4), end=date(2026, 3, 4)
        )
    assert [b.close for b in bars] == [Decimal(105300)]
    assert budget.spent == 2


@forked
def test_retries_stop_when_the_shared_budget_runs_out(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setattr(time, "sleep", lambda _seconds: None)
    budget = CountingBudget(limit=2)
    with replay() as mock:
        mock.get(f"{KBS}/stocks/FPT/data_day", status=503)
        with pytest.raises(ProviderRateLimited):
            adapter("KBS", budget).history(
                "FPT", interval="1d", start=date(2026, 3, 4), end=date(2026, 3, 4)
            )
        assert len(source_calls(mock)) == 2


@forked
def test_http_429_becomes_rate_limited_without_waiting_in_the_worker() -> None:
    budget = CountingBudget()
    with replay() as mock:
        mock.post(
            f"{VCI}/price/symbols/getList", status=429, headers={"Retry-After": "7"}, body="slow"
        )
        with pytest.raises(ProviderRateLimited) as limited:
            adapter("VCI", budget).price_board(["ACB"])
        assert len(source_calls(mock)) == 1
    assert limited.value.retry_after == 7
    assert budget.spent == 1


@forked
def test_empty_replies_mean_unavailable_not_no_data() -> None:
    budget = CountingBudget()
    with replay() as mock:
        mock.get(f"{KBS}/stock/search/data", json=[])
        mock.post(f"{KBS}/stock/iss", status=500, body="")  # KBS hides this behind an empty frame
        provider = adapter("KBS", budget)
        with pytest.raises(ProviderUnavailable, match="empty listing"):
            provider.list_instruments()
        with pytest.raises(ProviderUnavailable, match="empty price board"):
            provider.price_board(["FPT"])


@forked
def test_a_changed_schema_is_an_error_not_garbage() -> None:
    budget = CountingBudget()
    no_close = {"data_day": [{"t": "2026-03-04 07:00", "o": 1, "h": 2, "l": 1, "v": 10}]}
    no_reference = [{k: v for k, v in KBS_BOARD[0].items() if k != "RE"}]
    with replay() as mock:
        mock.get(f"{KBS}/stocks/FPT/data_day", json=no_close)
        mock.post(f"{KBS}/stock/iss", json=no_reference)
        mock.post(f"{VCI}/price/symbols/getList", json=[{"symbol": "ACB", "price": 26050}])
        kbs = adapter("KBS", budget)
        with pytest.raises(ProviderDataError, match="close"):
            kbs.history("FPT", interval="1d", start=date(2026, 3, 4), end=date(2026, 3, 4))
        with pytest.raises(ProviderDataError, match="reference_price"):
            kbs.price_board(["FPT"])
        with pytest.raises(ProviderError):
            adapter("VCI", budget).price_board(["ACB"])


@forked
def test_a_spent_budget_stops_the_call_before_any_request() -> None:
    with replay() as mock:
        with pytest.raises(ProviderRateLimited):
            adapter("KBS", CountingBudget(limit=0)).price_board(["FPT"])
        assert source_calls(mock) == []


@forked
def test_vnai_quota_exit_becomes_rate_limited() -> None:
    # Given vnstock's own per-process guard (20 calls a minute for a guest) and a budget that
    # would allow more, as a misconfigured VNSTOCK_CALLS_PER_MINUTE would
    day = {"t": "2026-03-04 07:00", "o": 104800, "h": 105600, "l": 104200, "c": 105300, "v": 10}
    provider = adapter("KBS", CountingBudget())
    with replay() as mock:
        mock.get(f"{KBS}/stocks/FPT/data_day", json={"data_day": [day]})
        # When we keep calling, the guard's SystemExit comes back as our error on call 21
        for _ in range(20):
            provider.history("FPT", interval="1d", start=date(2026, 3, 4), end=date(2026, 3, 4))
        with pytest.raises(ProviderRateLimited, match="quota") as limited:
            provider.history("FPT", interval="1d", start=date(2026, 3, 4), end=date(2026, 3, 4))
    assert limited.value.retry_after > 0


@forked
def test_only_the_vendor_quota_exit_is_translated() -> None:
    from market.providers.vnstock import _guarded

    with pytest.raises(ProviderRateLimited):
        _guarded("probe", lambda: sys.exit("Rate limit exceeded. quota Process terminated."))
    with pytest.raises(SystemExit):
        _guarded("probe", lambda: sys.exit(0))  # a real shutdown must go through


@forked
def test_auto_falls_back_to_the_simulator_when_vnstock_does_not_answer(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from market.providers import base, budget
    from market.providers.simulated import SimulatedProvider

    monkeypatch.setattr(budget, "default_budget", CountingBudget)
    # The replayed source answers at once: a long deadline keeps a loaded machine's slow first
    # import of vnstock from looking like an unreachable source.
    monkeypatch.setattr(settings, "VNSTOCK_PROBE_TIMEOUT", 120.0, raising=False)
    base.reset_provider_cache()
    with replay() as mock, caplog.at_level(logging.WARNING, logger="market.providers.base"):
        mock.post(f"{KBS}/stock/iss", status=503, body="")
        chosen = base.get_provider("auto")
        again = base.get_provider("auto")
        assert len(source_calls(mock)) == 1  # probed once per process
    assert isinstance(chosen, SimulatedProvider)
    assert again is chosen
    assert "using the simulated provider" in caplog.text


@forked
def test_auto_picks_vnstock_when_the_board_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    from market.providers import base, budget
    from market.providers.vnstock import VnstockProvider

    monkeypatch.setattr(budget, "default_budget", CountingBudget)
    monkeypatch.setattr(settings, "VNSTOCK_PROBE_TIMEOUT", 120.0, raising=False)
    base.reset_provider_cache()
    with replay() as mock:
        mock.post(f"{KBS}/stock/iss", json=[{**KBS_BOARD[0], "SB": "VCB"}])
        assert isinstance(base.get_provider("auto"), VnstockProvider)
