"""Import (all-or-nothing, every bad row reported, idempotent) and export (round-trips)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from market.calendar import trading_days_between
from portfolio.models import Portfolio
from portfolio.transfer import normalise_name, parse_csv, parse_number
from tests.portfolio.api_helpers import error_code
from tests.portfolio.factories import quote
from tests.portfolio.test_api_scenario import build_scenario

pytestmark = pytest.mark.django_db

HEADER = "date,kind,symbol,quantity,price,amount,fee,tax,note,external_id"
BAD_LINES = {10: "unknown_symbol", 25: "invalid", 40: "oversell"}


def fifty_rows(*, with_ids: bool = True, bad: bool = True) -> bytes:
    """A deposit and 49 trades on consecutive trading days; lines 10, 25, 40 broken if ``bad``."""
    days = trading_days_between(date(2025, 3, 4), date(2025, 6, 30))
    lines = [HEADER, f"2025-03-03,DEPOSIT,,,,10000000000,,,seed,{'r2' if with_ids else ''}"]
    for line in range(3, 52):
        day = days[line - 3].isoformat()
        rid = f"r{line}" if with_ids else ""
        if line % 10 == 5:  # a sell of 100 shares bought long before
            row = f"{day},SELL,FPT,100,105000,,,,,{rid}"
        else:
            symbol = "FPT" if line % 2 else "VNM"
            row = f"{day},BUY,{symbol},200,{100000 if symbol == 'FPT' else 60000},,,,,{rid}"
        if bad and line == 10:
            row = f"{day},BUY,ZZZ,100,10000,,,,,{rid}"
        if bad and line == 25:
            row = f"2025-02-30,BUY,FPT,100,100000,,,,,{rid}"
        if bad and line == 40:
            row = f"{day},SELL,FPT,1000000,100000,,,,,{rid}"
        lines.append(row)
    return ("\n".join(lines) + "\n").encode()


def upload(
    client: APIClient, portfolio: Portfolio, content: bytes, *, name: str = "t.csv", query: str = ""
) -> Any:
    return client.post(
        f"/api/portfolios/{portfolio.pk}/import/{query}",
        {"file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def test_three_bad_rows_among_fifty_write_nothing_and_are_all_reported(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    response = upload(auth_client, portfolio, fifty_rows())

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "import_rejected"
    assert error["message"] == "3 of 50 rows cannot be imported; nothing was written."
    reported = {e["row"]: e["code"] for e in error["fields"]["errors"]}
    assert reported == BAD_LINES
    oversell = next(e for e in error["fields"]["errors"] if e["row"] == 40)
    assert "cannot sell 1,000,000 shares" in oversell["message"]
    assert portfolio.transactions.count() == 0


def test_dry_run_validates_without_writing(auth_client: APIClient, portfolio: Portfolio) -> None:
    response = upload(auth_client, portfolio, fifty_rows(bad=False), query="?dry_run=1")

    assert response.status_code == 200
    assert response.json()["created"] == 50
    assert response.json()["dry_run"] is True
    assert portfolio.transactions.count() == 0


@pytest.mark.parametrize("with_ids", [True, False], ids=["external_id", "content_hash"])
def test_importing_the_same_file_twice_adds_nothing(
    auth_client: APIClient, portfolio: Portfolio, with_ids: bool
) -> None:
    content = fifty_rows(with_ids=with_ids, bad=False)

    first = upload(auth_client, portfolio, content)
    second = upload(auth_client, portfolio, content)

    assert first.status_code == 201, first.json()
    assert (first.json()["created"], first.json()["skipped"]) == (50, 0)
    assert second.status_code == 200
    assert (second.json()["created"], second.json()["skipped"]) == (0, 50)
    assert portfolio.transactions.count() == 50


def test_identical_rows_in_one_file_are_both_kept_once(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    content = (
        f"{HEADER}\n2025-03-03,DEPOSIT,,,,1000000,,,,\n2025-03-03,DEPOSIT,,,,1000000,,,,\n"
    ).encode()

    upload(auth_client, portfolio, content)
    again = upload(auth_client, portfolio, content)

    assert portfolio.transactions.count() == 2
    assert again.json()["skipped"] == 2


def test_repeated_external_id_in_a_file_is_an_error(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    content = f"{HEADER}\n2025-03-03,DEPOSIT,,,,1000,,,,x\n2025-03-04,DEPOSIT,,,,2000,,,,x\n"

    response = upload(auth_client, portfolio, content.encode())

    assert response.status_code == 422
    [problem] = response.json()["error"]["fields"]["errors"]
    assert (problem["row"], problem["code"]) == (3, "duplicate_external_id")


def test_vietnamese_headers_semicolons_and_grouped_numbers(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    content = (
        "Ngày;Loại;Mã CK;Số lượng;Giá;Số tiền;Phí;Ghi chú;Sàn\n"
        "03/03/2025;Nạp tiền;;;;1.000.000.000;;mở tài khoản;\n"
        "04/03/2025;Mua;fpt;1.000;120.000;;;;HOSE\n"
        "06/03/2025;Bán;FPT;400;125,000;;0;;HOSE\n"
    ).encode()

    response = upload(auth_client, portfolio, content)

    assert response.status_code == 201, response.json()
    assert response.json()["ignored_columns"] == ["Sàn"]
    sell = portfolio.transactions.get(kind="SELL")
    assert (sell.quantity, sell.price, sell.fee, sell.fee_is_derived) == (400, 125000, 0, False)
    assert sell.tax == 50_000  # derived: 0.001 x 400 x 125,000
    buy = portfolio.transactions.get(kind="BUY")
    assert (buy.quantity, buy.price, buy.fee) == (1000, 120000, 180000)


def test_json_body_import(auth_client: APIClient, portfolio: Portfolio) -> None:
    body = [
        {"date": "2025-03-03", "type": "deposit", "amount": 5_000_000},
        {"trade_date": "2025-03-04", "kind": "BUY", "ticker": "VNM", "qty": 10, "price": "60000"},
    ]

    response = auth_client.post(f"/api/portfolios/{portfolio.pk}/import/", body, format="json")

    assert response.status_code == 201, response.json()
    assert portfolio.transactions.count() == 2


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"kind,symbol\nBUY,FPT\n", "invalid_file"),  # no date column
        (b"\xff\xfe\x00bad", "invalid_file"),
        (b"date,kind\n", "invalid_file"),
    ],
)
def test_unreadable_files_are_400(
    auth_client: APIClient, portfolio: Portfolio, content: bytes, code: str
) -> None:
    response = upload(auth_client, portfolio, content)

    assert response.status_code == 400
    assert error_code(response) == code


def test_import_without_a_file_is_400(auth_client: APIClient, portfolio: Portfolio) -> None:
    response = auth_client.post(f"/api/portfolios/{portfolio.pk}/import/", {}, format="multipart")

    assert response.status_code == 400


def _valuation(client: APIClient, portfolio_id: int) -> tuple[Any, Any]:
    holdings = client.get(f"/api/portfolios/{portfolio_id}/holdings/").json()
    summary = client.get(f"/api/portfolios/{portfolio_id}/summary/").json()
    return holdings, summary


@pytest.mark.parametrize("export_format", ["csv", "json"])
def test_export_then_import_into_a_new_portfolio_gives_identical_valuation(
    auth_client: APIClient, portfolio: Portfolio, export_format: str
) -> None:
    build_scenario(auth_client, portfolio)
    quote("FPT", price=125_000, reference=124_000)
    quote("VNM", price=60_000, reference=61_000)
    exported = auth_client.get(f"/api/portfolios/{portfolio.pk}/export/?format={export_format}")
    assert exported.status_code == 200
    assert "attachment" in exported["Content-Disposition"]
    copy = auth_client.post("/api/portfolios/", {"name": "Copy"}, format="json").json()

    imported = auth_client.post(
        f"/api/portfolios/{copy['id']}/import/",
        {"file": SimpleUploadedFile(f"export.{export_format}", exported.content)},
        format="multipart",
    )

    assert imported.status_code == 201, imported.json()
    assert imported.json()["created"] == 10
    assert _valuation(auth_client, copy["id"]) == _valuation(auth_client, portfolio.pk)


def test_exports_list_every_column(auth_client: APIClient, portfolio: Portfolio) -> None:
    build_scenario(auth_client, portfolio)

    csv_text = auth_client.get(f"/api/portfolios/{portfolio.pk}/export/?format=csv")
    document = auth_client.get(f"/api/portfolios/{portfolio.pk}/export/?format=json")
    unknown = auth_client.get(f"/api/portfolios/{portfolio.pk}/export/?format=xml")

    lines = csv_text.content.decode().splitlines()
    assert csv_text["Content-Type"].startswith("text/csv")
    assert lines[0] == HEADER
    assert lines[2] == "2025-03-04,BUY,FPT,1000,120000,,180000,0,,"
    body = json.loads(document.content)
    assert body["format"] == "vn-portfolio"
    assert body["portfolio"]["cost_method"] == "average"
    assert body["transactions"][5]["kind"] == "DIVIDEND"
    assert body["transactions"][5]["tax"] == "150000"
    assert unknown.status_code == 400


def test_reimporting_an_export_into_the_same_portfolio_adds_nothing(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    build_scenario(auth_client, portfolio)
    exported = auth_client.get(f"/api/portfolios/{portfolio.pk}/export/?format=csv").content

    response = upload(auth_client, portfolio, exported)

    assert (response.status_code, response.json()["skipped"]) == (200, 10)
    assert portfolio.transactions.count() == 10


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,250,000", "1250000"),
        ("1.250.000", "1250000"),
        ("25000.00", "25000.00"),
        ("12,5", "12.5"),
        (" 300 ", "300"),
        ("", None),
    ],
)
def test_number_formats(text: str, value: str | None) -> None:
    parsed = parse_number(text)

    assert (str(parsed) if parsed is not None else None) == value


def test_header_names_are_normalised() -> None:
    assert normalise_name("Mã CK") == "ma_ck"
    assert normalise_name(" Ngày giao dịch ") == "ngay_giao_dich"
    assert normalise_name("Trade-Date") == "trade_date"


def test_unknown_kind_and_bad_numbers_are_row_errors() -> None:
    parsed = parse_csv(b"date,kind,symbol,quantity,price\n2025-03-04,GIFT,FPT,1,1\n"
                       b"2025-03-04,BUY,FPT,ten,1\n")  # fmt: skip

    assert parsed.rows == []
    assert [(e.row, list(e.fields)) for e in parsed.errors] == [(2, ["kind"]), (3, ["quantity"])]
