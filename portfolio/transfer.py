"""Import and export of a portfolio's transactions: CSV and full JSON.

CSV columns: ``date, kind, symbol, quantity, price, amount, fee, tax, note, external_id`` (the
export writes exactly these, in this order). Headers are matched case-insensitively, without
accents and with spaces/dashes as underscores, through aliases: e.g. "Ngày" / "trade_date" ->
date, "Loại" / "type" / "side" -> kind, "Mã CK" / "ticker" -> symbol, "qty" / "Số lượng" ->
quantity, "Giá" -> price, "Số tiền" -> amount, "Phí" -> fee, "Thuế" -> tax, "Ghi chú" -> note,
"ref" / "id" -> external_id (see ``HEADER_ALIASES``). Unknown columns are ignored (and reported).
The delimiter may be a comma, a semicolon or a tab; the file must be UTF-8 (a BOM is fine).

Values: kinds by name or alias (buy/mua, sell/ban, deposit/nap, withdrawal/rut, dividend/co_tuc,
stock_dividend/bonus, fee/phi, interest/lai); dates ``YYYY-MM-DD`` (also ``YYYY/MM/DD`` and the
Vietnamese ``DD/MM/YYYY``); numbers plain (``25000``, ``25000.00``) or grouped in thousands with
commas (``1,250,000``) or dots (``1.250.000``, the Vietnamese style). An empty fee or tax is
derived from the portfolio's rates; a zero in a column the kind does not use counts as empty.

Row numbers in errors are the CSV line numbers (the header is line 1), or the 1-based position in
a JSON document's ``transactions`` list.

JSON: ``{"format": "vn-portfolio", "version": 1, "portfolio": {...settings}, "transactions": [
{"date", "kind", "symbol", "quantity", "price", "amount", "fee", "tax", "note", "external_id",
...}]}``; a bare list of transactions is accepted too. Export writes fee and tax explicitly, so an
import into a portfolio with other rates reproduces the same numbers; importing an export into a
new portfolio with the same settings gives identical holdings and summary.

CSV injection (OWASP): a spreadsheet runs a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return as a formula, so the CSV export prefixes such text cells (notes, external ids)
with a single quote; the numeric columns are never touched (they hold plain non-negative numbers).
A text cell that begins with quotes followed by one of those characters gets one more quote, and
the CSV import removes one quote from such a cell, so export -> import gives back the exact text.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from portfolio.ledger import AMOUNT_KINDS, SHARE_KINDS, TRADE_KINDS, Kind
from portfolio.models import Portfolio, Transaction
from portfolio.services import TRANSACTION_ENTRY_FIELDS, ImportRow, RowError
from portfolio_site import json_input
from portfolio_site.errors import DomainError

CSV_COLUMNS = ("date", *TRANSACTION_ENTRY_FIELDS, "note", "external_id")
NUMERIC_COLUMNS = frozenset({"quantity", "price", "amount", "fee", "tax"})
REQUIRED_COLUMNS = ("date", "kind")
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 50_000
EXPORT_FORMAT = "vn-portfolio"
EXPORT_VERSION = 1

HEADER_ALIASES: Mapping[str, frozenset[str]] = {
    "date": frozenset(
        {"date", "trade_date", "transaction_date", "ngay", "ngay_giao_dich", "ngay_gd"}
    ),
    "kind": frozenset(
        {"kind", "type", "transaction_type", "side", "action", "loai", "loai_giao_dich", "loai_gd"}
    ),
    "symbol": frozenset(
        {"symbol", "ticker", "stock", "code", "ma", "ma_ck", "ma_chung_khoan", "ma_co_phieu"}
    ),
    "quantity": frozenset(
        {"quantity", "qty", "shares", "volume", "so_luong", "khoi_luong", "kl", "sl"}
    ),
    "price": frozenset({"price", "unit_price", "gia", "gia_khop", "don_gia"}),
    "amount": frozenset({"amount", "value", "cash", "so_tien", "gia_tri"}),
    "fee": frozenset({"fee", "fees", "commission", "phi", "phi_giao_dich"}),
    "tax": frozenset({"tax", "taxes", "thue"}),
    "note": frozenset({"note", "notes", "memo", "comment", "description", "ghi_chu", "dien_giai"}),
    "external_id": frozenset(
        {"external_id", "id", "ref", "reference", "transaction_id", "ma_giao_dich", "so_hieu"}
    ),
}
_HEADER_TO_COLUMN = {
    alias: column for column, aliases in HEADER_ALIASES.items() for alias in aliases
}

KIND_ALIASES: Mapping[str, Kind] = {
    **{k.value.lower(): k for k in Kind},
    "b": Kind.BUY,
    "mua": Kind.BUY,
    "s": Kind.SELL,
    "ban": Kind.SELL,
    "nap": Kind.DEPOSIT,
    "nap_tien": Kind.DEPOSIT,
    "cash_in": Kind.DEPOSIT,
    "withdraw": Kind.WITHDRAWAL,
    "rut": Kind.WITHDRAWAL,
    "rut_tien": Kind.WITHDRAWAL,
    "cash_out": Kind.WITHDRAWAL,
    "cash_dividend": Kind.DIVIDEND,
    "div": Kind.DIVIDEND,
    "co_tuc": Kind.DIVIDEND,
    "co_tuc_tien_mat": Kind.DIVIDEND,
    "bonus": Kind.STOCK_DIVIDEND,
    "bonus_shares": Kind.STOCK_DIVIDEND,
    "co_phieu_thuong": Kind.STOCK_DIVIDEND,
    "thuong_co_phieu": Kind.STOCK_DIVIDEND,
    "co_tuc_co_phieu": Kind.STOCK_DIVIDEND,
    "reverse_split": Kind.SHARE_CONSOLIDATION,
    "consolidation": Kind.SHARE_CONSOLIDATION,
    "gop_co_phieu": Kind.SHARE_CONSOLIDATION,
    "phi": Kind.FEE,
    "lai": Kind.INTEREST,
    "tien_lai": Kind.INTEREST,
}
# JSON keys that belong to the export and are not transaction input.
IGNORED_JSON_KEYS = frozenset(
    {"id", "settle_date", "fee_is_derived", "tax_is_derived", "created_at", "updated_at"}
)

_VN_GROUPED = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
_US_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"^-?\d+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T].*)?$")
# Text a spreadsheet would run as a formula, after any quotes an earlier neutralisation added.
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")


def neutralise_cell(text: str) -> str:
    """A text cell for the CSV export: a leading quote where a spreadsheet would see a formula."""
    return f"'{text}" if _FORMULA.match(text) else text


def restore_cell(text: str) -> str:
    """The inverse of ``neutralise_cell``, applied to the text cells of a CSV import."""
    return text[1:] if text.startswith("'") and _FORMULA.match(text) else text


def normalise_name(text: str) -> str:
    """'Mã CK' -> 'ma_ck', 'Ngày giao dịch' -> 'ngay_giao_dich', 'Trade-Date' -> 'trade_date'."""
    text = text.strip().lower().replace("đ", "d")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


class ValueProblem(ValueError):
    pass


def parse_number(text: object) -> Decimal | None:
    """A number from a cell or JSON value; None when empty. See the module docstring."""
    if text is None:
        return None
    if isinstance(text, bool):
        raise ValueProblem(f"{text!r} is not a number")
    if isinstance(text, int | Decimal | float):
        number = Decimal(str(text)) if isinstance(text, float) else Decimal(text)
        if not number.is_finite():
            raise ValueProblem(f"{text!r} is not a number")
        return number
    raw = str(text).strip().replace("\u00a0", "").replace(" ", "").replace("_", "")
    if not raw:
        return None
    if _VN_GROUPED.match(raw):
        cleaned = raw.replace(".", "")
    elif _US_GROUPED.match(raw):
        cleaned = raw.replace(",", "")
    elif _PLAIN.match(raw):
        cleaned = raw
    elif _DECIMAL_COMMA.match(raw):
        cleaned = raw.replace(",", ".")
    else:
        raise ValueProblem(f"{text!r} is not a number")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise ValueProblem(f"{text!r} is not a number") from None


def parse_date(text: object) -> date:
    if isinstance(text, date) and not isinstance(text, datetime):
        return text
    raw = str(text or "").strip()
    if not raw:
        raise ValueProblem("the date is missing")
    try:
        if match := _YMD.match(raw):
            year, month, day = (int(g) for g in match.groups())
        elif match := _DMY.match(raw):
            day, month, year = (int(g) for g in match.groups())
        else:
            raise ValueProblem(f"{raw!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")
        return date(year, month, day)
    except ValueError as exc:
        if isinstance(exc, ValueProblem):
            raise
        raise ValueProblem(f"{raw!r} is not a valid date") from None


def parse_kind(text: object) -> Kind:
    key = normalise_name(str(text or ""))
    if not key:
        raise ValueProblem("the kind is missing")
    kind = KIND_ALIASES.get(key)
    if kind is None:
        raise ValueProblem(f"unknown kind {text!r}; use one of {', '.join(Kind)}")
    return kind


@dataclass
class ParsedFile:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return len(self.rows) + len(self.errors)


def _row_fields(values: Mapping[str, object]) -> dict[str, Any]:
    """A row's cells (canonical column -> raw value) as transaction_prepare's arguments."""
    problems: dict[str, list[str]] = {}

    def attempt(column: str, parse: Any) -> Any:
        try:
            return parse(values.get(column))
        except ValueProblem as exc:
            problems.setdefault(column, []).append(str(exc))
            return None

    kind = attempt("kind", parse_kind)
    trade_date = attempt("date", parse_date)
    numbers = {name: attempt(name, parse_number) for name in ("quantity", "price", "amount")}
    fee = attempt("fee", parse_number)
    tax = attempt("tax", parse_number)
    if kind is not None:
        uses = {
            "quantity": kind in SHARE_KINDS,
            "price": kind in TRADE_KINDS,
            "amount": kind in AMOUNT_KINDS,
        }
        for name, used in uses.items():
            if not used and numbers[name] == 0:
                numbers[name] = None
    quantity: int | None = None
    if numbers["quantity"] is not None:
        if numbers["quantity"] != numbers["quantity"].to_integral_value():
            problems.setdefault("quantity", []).append("must be a whole number of shares")
        else:
            quantity = int(numbers["quantity"])
    if problems:
        column, messages = next(iter(problems.items()))
        raise DomainError(f"{column}: {messages[0]}", code="invalid", fields=problems)
    return {
        "kind": kind,
        "trade_date": trade_date,
        "symbol": str(values.get("symbol") or "").strip(),
        "quantity": quantity,
        "price": numbers["price"],
        "amount": numbers["amount"],
        "fee": fee,
        "tax": tax,
        "note": str(values.get("note") or "").strip(),
        "external_id": str(values.get("external_id") or "").strip(),
    }


def _collect(parsed: ParsedFile, number: int, values: Mapping[str, object]) -> None:
    try:
        parsed.rows.append(ImportRow(number=number, fields=_row_fields(values)))
    except DomainError as exc:
        parsed.errors.append(RowError(number, exc.code, exc.message, exc.fields))
    if parsed.row_count > MAX_IMPORT_ROWS:
        raise DomainError(
            f"An import holds at most {MAX_IMPORT_ROWS:,} rows; split the file.",
            code="too_many_rows",
        )


def _column_map(header: list[str]) -> tuple[dict[int, str], list[str]]:
    columns: dict[int, str] = {}
    ignored: list[str] = []
    taken: dict[str, str] = {}
    for index, name in enumerate(header):
        column = _HEADER_TO_COLUMN.get(normalise_name(name))
        if column is None:
            if name.strip():
                ignored.append(name.strip())
            continue
        if column in taken:
            raise DomainError(
                f"Columns {taken[column]!r} and {name.strip()!r} both mean {column!r}.",
                code="invalid_file",
            )
        taken[column] = name.strip()
        columns[index] = column
    missing = [c for c in REQUIRED_COLUMNS if c not in taken]
    if missing:
        raise DomainError(
            f"The header lacks {', '.join(missing)}; expected columns: {', '.join(CSV_COLUMNS)}.",
            code="invalid_file",
        )
    return columns, ignored


def parse_csv(data: bytes) -> ParsedFile:
    """Parse a CSV upload into rows and per-row errors (file-level problems raise DomainError)."""
    if len(data) > MAX_IMPORT_BYTES:
        raise DomainError(
            f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB.",
            code="file_too_large",
            status=413,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError("The file must be UTF-8 encoded.", code="invalid_file") from None
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise DomainError("The file is empty.", code="invalid_file") from None
    except csv.Error as exc:
        raise DomainError(f"The file is not valid CSV: {exc}", code="invalid_file") from None
    columns, ignored = _column_map(header)
    parsed = ParsedFile(ignored_columns=ignored)
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            values = {
                columns[i]: cell if columns[i] in NUMERIC_COLUMNS else restore_cell(cell)
                for i, cell in enumerate(cells)
                if i in columns
            }
            _collect(parsed, reader.line_num, values)
    except csv.Error as exc:
        raise DomainError(
            f"The file is not valid CSV (line {reader.line_num}): {exc}", code="invalid_file"
        ) from None
    if parsed.row_count == 0:
        raise DomainError("The file has a header but no rows.", code="invalid_file")
    return parsed


def parse_json(document: object) -> ParsedFile:
    """Parse a JSON export (or a bare list of transactions)."""
    items = document.get("transactions") if isinstance(document, Mapping) else document
    if not isinstance(items, list):
        raise DomainError(
            'Expected {"transactions": [...]} or a list of transactions.', code="invalid_file"
        )
    parsed = ParsedFile()
    ignored: set[str] = set()
    for number, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            parsed.errors.append(RowError(number, "invalid", "Each transaction is an object."))
            continue
        values: dict[str, object] = {}
        for key, value in item.items():
            column = _HEADER_TO_COLUMN.get(normalise_name(str(key)))
            if column is None or key in IGNORED_JSON_KEYS:
                if key not in IGNORED_JSON_KEYS:
                    ignored.add(str(key))
                continue
            values[column] = value
        _collect(parsed, number, values)
    parsed.ignored_columns = sorted(ignored)
    if parsed.row_count == 0:
        raise DomainError("The document holds no transactions.", code="invalid_file")
    return parsed


def parse_upload(*, data: bytes, filename: str = "", content_type: str = "") -> ParsedFile:
    """A CSV or JSON upload, told apart by name, content type or the first character."""
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    is_json = (
        filename.lower().endswith(".json")
        or "json" in content_type.lower()
        or head[:1] in (b"{", b"[")
    )
    if not is_json:
        return parse_csv(data)
    if len(data) > MAX_IMPORT_BYTES:
        raise DomainError("The file is too large.", code="file_too_large", status=413)
    try:
        document = json_input.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json_input.JSONInputError) as exc:
        raise DomainError(f"The file is not valid JSON: {exc}", code="invalid_file") from None
    return parse_json(document)


# --- export -------------------------------------------------------------------------------------


def _plain(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format(value.normalize(), "f")


def _export_rows(portfolio: Portfolio) -> Iterator[dict[str, str]]:
    rows = (
        Transaction.objects.filter(portfolio=portfolio)
        .select_related("instrument")
        .order_by("trade_date", "id")
    )
    for row in rows.iterator(chunk_size=2000):
        kind = Kind(row.kind)
        yield {
            "date": row.trade_date.isoformat(),
            "kind": kind.value,
            "symbol": row.instrument.symbol if row.instrument else "",
            "quantity": str(row.quantity) if kind in SHARE_KINDS else "",
            "price": _plain(row.price),
            "amount": _plain(row.amount),
            "fee": _plain(row.fee),
            "tax": _plain(row.tax),
            "note": row.note,
            "external_id": row.external_id,
            "settle_date": row.settle_date.isoformat(),
        }


def export_csv(*, portfolio: Portfolio) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in _export_rows(portfolio):
        writer.writerow(
            {k: v if k in NUMERIC_COLUMNS else neutralise_cell(v) for k, v in row.items()}
        )
    return out.getvalue()


def export_json(*, portfolio: Portfolio) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": timezone.now().isoformat().replace("+00:00", "Z"),
        "portfolio": {
            "name": portfolio.name,
            "description": portfolio.description,
            "base_currency": portfolio.base_currency,
            "fee_rate": str(portfolio.fee_rate),
            "sell_tax_rate": str(portfolio.sell_tax_rate),
            "dividend_tax_rate": str(portfolio.dividend_tax_rate),
            "cost_method": portfolio.cost_method,
            "enforce_settlement": portfolio.enforce_settlement,
            "track_cash": portfolio.track_cash,
        },
        "transactions": list(_export_rows(portfolio)),
    }


def export_filename(portfolio: Portfolio, extension: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", normalise_name(portfolio.name)).strip("-") or "portfolio"
    return f"{slug}-{timezone.now():%Y%m%d}.{extension}"
