"""The vnstock adapter's corporate events: VCI's company-events replies (recorded shape, through
vnstock's real parsing, replayed with ``responses``) become whole-VND dividends, old:new ratios
and rights; one symbol's garbage never hides the others. Each test runs in a forked child with a
throwaway HOME, as in test_vnstock_adapter.py (vnai's quota is per process)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from responses import matchers

from market.providers.base import ProviderDataError, ProviderRateLimited
from tests.market.test_vnstock_adapter import (
    CountingBudget,
    adapter,
    forked,
    replay,
    source_calls,
    vendor_environment,
)

__all__ = ["vendor_environment"]  # the module's autouse fixture: HOME and the vendor switches

EVENTS = "https://iq.vietcap.com.vn/api/iq-insight-service/v1/events"
START, END = date(2025, 1, 1), date(2026, 12, 31)


def vci_event(event_id: str, code: str, title: str, exright: str | None, **fields: Any) -> dict:
    row = {
        "id": event_id,
        "ticker": "FPT",
        "organCode": "FPT",
        "eventCode": code,
        "eventTitleVi": title,
        "eventTitleEn": None,
        "publicDate": "2026-05-20T00:00:00",
        "recordDate": None,
        "exrightDate": exright,
        "issueDate": None,
        "payoutDate": None,
        "valuePerShare": None,
        "exerciseRatio": None,
        "issuePrice": None,
    }
    row.update(fields)
    return row


def reply(rows: list[dict]) -> dict:
    return {
        "successful": True,
        "status": 200,
        "msg": "Success",
        "data": {"content": rows, "totalElements": len(rows), "totalPages": 1, "size": 50},
    }


FPT_EVENTS = [
    vci_event("9001", "DIV", "FPT: Trả cổ tức đợt 2/2025 bằng tiền, 2.000 đồng/CP",
              "2026-06-11T00:00:00", recordDate="2026-06-12T00:00:00",
              payoutDate="2026-07-03T00:00:00", valuePerShare=2000.0, exerciseRatio=0.2),
    vci_event("9002", "DIV", "FPT: Trả cổ tức bằng tiền mặt, tỷ lệ 15%",
              "2025-08-14T00:00:00", recordDate="2025-08-15T00:00:00", exerciseRatio=0.15),
    vci_event("9003", "ISS", "FPT: Trả cổ tức bằng cổ phiếu, tỷ lệ 100:20",
              "2026-06-11T00:00:00", recordDate="2026-06-12T00:00:00",
              issueDate="2026-07-20T00:00:00", exerciseRatio=0.2),
    vci_event("9004", "ISS", "FPT: Phát hành cổ phiếu cho cổ đông hiện hữu (quyền mua) 10:3",
              "2026-09-07T00:00:00", recordDate="2026-09-08T00:00:00", exerciseRatio=0.3,
              issuePrice=10000.0),
    vci_event("9005", "ISS", "FPT: Phát hành cổ phiếu ESOP", "2026-03-02T00:00:00"),
    vci_event("9006", "AGME", "FPT: Đại hội đồng cổ đông thường niên", None),
    vci_event("9007", "DIV", "FPT: Trả cổ tức bằng tiền, 1.000 đồng/CP",
              "2019-06-10T00:00:00", valuePerShare=1000.0),
]  # fmt: skip


@forked
def test_vci_events_become_whole_vnd_dividends_ratios_and_rights() -> None:
    budget = CountingBudget()
    with replay() as mock:
        mock.get(EVENTS, json=reply(FPT_EVENTS))
        found = adapter("KBS", budget).corporate_events(["FPT"], start=START, end=END)
        calls = source_calls(mock)
    events = found["FPT"]
    assert isinstance(events, list)
    by_id = {e.source_id: e for e in events}
    assert set(by_id) == {"9001", "9002", "9003", "9004"}  # no ESOP, meeting, old event
    cash = by_id["9001"]
    assert (cash.kind, cash.cash_per_share) == ("cash_dividend", Decimal(2000))
    assert (cash.ex_date, cash.record_date) == (date(2026, 6, 11), date(2026, 6, 12))
    assert cash.payment_date == date(2026, 7, 3)
    assert cash.announcement_date == date(2026, 5, 20)
    assert cash.source == "vnstock:VCI"
    assert by_id["9002"].cash_per_share == Decimal(1500)  # 15 % of the 10,000 VND par
    stock = by_id["9003"]
    assert (stock.kind, stock.ratio_old, stock.ratio_new) == ("stock_dividend", 100, 20)
    assert stock.payment_date == date(2026, 7, 20)
    rights = by_id["9004"]
    assert (rights.kind, rights.ratio_old, rights.ratio_new) == ("rights_issue", 100, 30)
    assert rights.subscription_price == Decimal(10_000)
    assert len(calls) == 1
    assert "ticker=FPT" in calls[0].request.url
    assert budget.spent == 1


@forked
def test_garbage_for_one_symbol_does_not_hide_the_others() -> None:
    budget = CountingBudget()
    garbage = [{"id": "1", "ticker": "HPG", "eventCode": "DIV", "title": "no dates at all"}]
    bad_date = [vci_event("2", "DIV", "VNM: cổ tức tiền", "soon", valuePerShare=1500.0)]
    good = [vci_event("3", "DIV", "MWG: cổ tức tiền", "2026-06-11T00:00:00", valuePerShare=500.0)]
    with replay() as mock:
        for symbol, rows in (("HPG", garbage), ("VNM", bad_date), ("MWG", good)):
            mock.get(
                EVENTS,
                json=reply(rows),
                match=[matchers.query_param_matcher({"ticker": symbol}, strict_match=False)],
            )
        found = adapter("VCI", budget).corporate_events(
            ["HPG", "VNM", "MWG", "VNINDEX", "E1VFVN30"], start=START, end=END
        )
        calls = source_calls(mock)
    assert isinstance(found["HPG"], ProviderDataError)
    assert "exright_date" in str(found["HPG"])
    assert isinstance(found["VNM"], ProviderDataError)
    mwg = found["MWG"]
    assert isinstance(mwg, list)
    assert [e.cash_per_share for e in mwg] == [Decimal(500)]
    assert found["VNINDEX"] == found["E1VFVN30"] == []  # no company events: never asked
    assert len(calls) == 3


@forked
def test_a_spent_budget_marks_the_symbols_left_rate_limited() -> None:
    budget = CountingBudget(limit=1)
    with replay() as mock:
        mock.get(EVENTS, json=reply(FPT_EVENTS))
        found = adapter("VCI", budget).corporate_events(["FPT", "VNM", "HPG"], start=START, end=END)
        calls = source_calls(mock)
    assert isinstance(found["FPT"], list)
    assert isinstance(found["VNM"], ProviderRateLimited)
    assert isinstance(found["HPG"], ProviderRateLimited)
    assert len(calls) == 1
