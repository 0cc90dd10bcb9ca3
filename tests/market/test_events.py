"""Corporate events: the model's last-guard constraints, the service's checks of each impossible
term, and idempotent upserts (re-ingestion never duplicates; staff corrections are kept)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from market.events import (
    CorporateEventInvalid,
    corporate_event_check,
    corporate_event_update,
    corporate_event_upsert,
    corporate_events_store,
)
from market.models import CorporateEvent, Instrument
from market.providers.base import CorporateEventData
from tests.factories import UserFactory
from tests.market.builders import instrument

pytestmark = pytest.mark.django_db

EX = date(2026, 6, 15)  # a Monday
RECORD = date(2026, 6, 16)


def cash(**overrides: Any) -> CorporateEventData:
    terms: dict[str, Any] = {
        "symbol": "FPT",
        "kind": "cash_dividend",
        "source": "simulated",
        "source_id": "FPT-2026-1",
        "ex_date": EX,
        "record_date": RECORD,
        "payment_date": date(2026, 7, 10),
        "cash_per_share": Decimal("2000"),
    }
    terms.update(overrides)
    return CorporateEventData(**terms)


def stock(**overrides: Any) -> CorporateEventData:
    terms: dict[str, Any] = {
        "symbol": "FPT",
        "kind": "stock_dividend",
        "source": "simulated",
        "source_id": "FPT-2026-2",
        "ex_date": EX,
        "record_date": RECORD,
        "ratio_old": 100,
        "ratio_new": 20,
    }
    terms.update(overrides)
    return CorporateEventData(**terms)


def rights(**overrides: Any) -> CorporateEventData:
    terms: dict[str, Any] = {
        "symbol": "FPT",
        "kind": "rights_issue",
        "source": "simulated",
        "source_id": "FPT-2026-3",
        "ex_date": EX,
        "record_date": RECORD,
        "ratio_old": 10,
        "ratio_new": 3,
        "subscription_price": Decimal("10000"),
        "subscription_start": date(2026, 6, 25),
        "subscription_end": date(2026, 7, 15),
    }
    terms.update(overrides)
    return CorporateEventData(**terms)


@pytest.fixture(autouse=True)
def fpt() -> None:
    instrument("FPT")


def _row(**fields: Any) -> CorporateEvent:

    values: dict[str, Any] = {
        "instrument": Instrument.objects.get(symbol="FPT"),
        "kind": "cash_dividend",
        "ex_date": EX,
        "record_date": RECORD,
        "cash_per_share": Decimal("1500"),
        "source": "simulated",
        "source_id": "x",
    }
    values.update(fields)
    return CorporateEvent(**values)


# --- model constraints (the last guard) ---------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"cash_per_share": Decimal("0")},
        {"cash_per_share": Decimal("-500")},
        {"kind": "stock_dividend", "cash_per_share": None, "ratio_old": 100, "ratio_new": 0},
        {"kind": "stock_dividend", "cash_per_share": None, "ratio_old": 100, "ratio_new": None},
        {"record_date": date(2026, 6, 12)},
        {"cash_per_share": None},
        {
            "kind": "rights_issue",
            "cash_per_share": None,
            "ratio_old": 10,
            "ratio_new": 3,
            "subscription_price": Decimal("10000"),
            "subscription_start": date(2026, 7, 1),
            "subscription_end": date(2026, 6, 30),
        },
        {
            "kind": "rights_issue",
            "cash_per_share": None,
            "ratio_old": 10,
            "ratio_new": 3,
            "subscription_price": None,
        },
    ],
    ids=[
        "zero-cash",
        "negative-cash",
        "zero-ratio",
        "missing-ratio",
        "record-before-ex",
        "cash-dividend-without-amount",
        "window-ends-before-start",
        "rights-without-price",
    ],
)
def test_the_database_refuses_impossible_terms(fields: dict[str, Any]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(**fields).save()


def test_the_database_refuses_a_second_row_for_the_same_provider_event() -> None:
    _row().save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(ex_date=date(2026, 6, 1), record_date=date(2026, 6, 2)).save()


def test_the_database_refuses_a_duplicate_event_without_provider_id() -> None:
    _row(source_id="").save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(source_id="", cash_per_share=Decimal("900")).save()


# --- service checks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (cash(cash_per_share=Decimal("-1500")), "cash_per_share"),
        (cash(cash_per_share=Decimal("0")), "cash_per_share"),
        (cash(cash_per_share=Decimal("1500.5")), "cash_per_share"),
        (cash(cash_per_share=None), "cash_per_share"),
        (stock(ratio_new=0), "ratio_new"),
        (stock(ratio_old=0), "ratio_old"),
        (stock(ratio_old=None), "ratio_old"),
        (cash(record_date=date(2026, 6, 12)), "record_date"),
        (cash(ex_date=None, record_date=None), "ex_date"),
        (cash(payment_date=date(2026, 6, 1)), "payment_date"),
        (rights(subscription_price=Decimal("-1")), "subscription_price"),
        (rights(subscription_end=date(2026, 6, 20)), "subscription_end"),
        (stock(subscription_price=Decimal("10000")), "subscription_price"),
        (cash(kind="merger"), "kind"),
        (cash(symbol="NOPE"), "symbol"),
        (cash(cash_per_share=Decimal("1000000001")), "cash_per_share"),
        (rights(subscription_price=Decimal("1000000001")), "subscription_price"),
        (stock(ratio_old=1, ratio_new=101), "ratio_new"),
        (stock(ratio_old=1_000_001, ratio_new=20), "ratio_old"),
        (cash(ex_date=date(1999, 6, 15), record_date=None, payment_date=None), "ex_date"),
    ],
    ids=[
        "negative-cash",
        "zero-cash",
        "fraction-of-a-dong",
        "cash-dividend-without-amount",
        "zero-new-shares",
        "zero-old-shares",
        "missing-ratio",
        "record-before-ex",
        "no-dates",
        "paid-before-ex",
        "negative-subscription-price",
        "window-ends-before-start",
        "subscription-terms-outside-a-rights-issue",
        "unknown-kind",
        "unknown-symbol",
        "cash-above-any-share-price",
        "subscription-above-any-share-price",
        "over-100-new-shares-per-share",
        "absurd-ratio-part",
        "before-the-first-session",
    ],
)
def test_the_service_rejects_each_impossible_term_with_its_field(
    data: CorporateEventData, field: str
) -> None:
    with pytest.raises(CorporateEventInvalid) as caught:
        corporate_event_upsert(data=data)
    assert field in caught.value.fields
    assert caught.value.fields[field]
    assert CorporateEvent.objects.count() == 0


def test_the_ex_date_is_one_trading_day_before_the_record_date_when_only_that_is_known() -> None:
    # Record date Monday 2026-06-15: under T+2 the ex-date is the Friday before.
    checked = corporate_event_check(data=cash(ex_date=None, record_date=date(2026, 6, 15)))
    assert checked.ex_date == date(2026, 6, 12)


# --- idempotent upserts -------------------------------------------------------------------------


def test_re_ingesting_the_same_event_writes_nothing_new() -> None:
    first = corporate_event_upsert(data=cash())
    again = corporate_event_upsert(data=cash())
    assert first.created
    assert not again.created
    assert not again.changed
    assert CorporateEvent.objects.count() == 1
    assert first.event.history.count() == 1


def test_re_ingesting_changed_terms_updates_the_one_row_and_its_history() -> None:
    corporate_event_upsert(data=cash())
    result = corporate_event_upsert(data=cash(cash_per_share=Decimal("2500"), status="confirmed"))
    assert result.changed
    assert not result.created
    event = CorporateEvent.objects.get()
    assert (event.cash_per_share, event.status) == (Decimal("2500"), "confirmed")
    assert [h.cash_per_share for h in event.history.order_by("history_date")] == [
        Decimal("2000"),
        Decimal("2500"),
    ]


def test_an_event_without_provider_id_is_matched_by_symbol_kind_and_ex_date() -> None:
    corporate_event_upsert(data=cash(source_id=""))
    corporate_event_upsert(data=cash(source_id="", cash_per_share=Decimal("1800")))
    assert CorporateEvent.objects.get().cash_per_share == Decimal("1800")


def test_a_staff_correction_survives_re_ingestion() -> None:
    event = corporate_event_upsert(data=cash()).event
    staff = UserFactory(is_staff=True)
    corporate_event_update(event=event, data=cash(cash_per_share=Decimal("1900")), changed_by=staff)
    result = corporate_event_upsert(data=cash())
    assert result.kept_staff_edit
    assert not result.changed
    assert CorporateEvent.objects.get().cash_per_share == Decimal("1900")


def test_one_bad_event_does_not_stop_the_others() -> None:
    report = corporate_events_store(
        events=[cash(cash_per_share=Decimal("-1")), stock(), replace(rights(), symbol="NOPE")]
    )
    assert (report.created, report.updated, len(report.rejected)) == (1, 0, 2)
    assert CorporateEvent.objects.get().kind == "stock_dividend"
