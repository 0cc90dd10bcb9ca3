"""Transactions in and out: the row, its input, the trade preview, imports."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portfolio.ledger import Kind
from portfolio.models import Transaction
from portfolio.serializers.fields import (
    QuantityField,
    QuantityOutputField,
    VndField,
    money_input_field,
    pct_field,
    vnd_field,
)
from portfolio.services import TRANSACTION_ENTRY_FIELDS
from portfolio.services.exchange_rules import is_odd_lot
from portfolio_site.api_serializers import StrictSerializer


class SaleRealizedSerializer(serializers.Serializer):
    quantity = QuantityOutputField(read_only=True)
    gross = vnd_field(help_text="quantity x price.")
    fee = vnd_field()
    tax = vnd_field()
    proceeds = vnd_field(help_text="gross - fee - tax.")
    cost = vnd_field(
        help_text="Cost basis of the shares sold (buy fees included), by the portfolio's cost "
        "method: average cost x quantity, or the FIFO lots the sale took."
    )
    realized_pnl = vnd_field(help_text="proceeds - cost.")
    realized_pnl_pct = pct_field(help_text="realized_pnl / cost in percent; null when cost is 0.")


class TransactionSerializer(serializers.ModelSerializer):
    symbol = serializers.CharField(source="instrument.symbol", read_only=True, allow_null=True)
    portfolio = serializers.IntegerField(source="portfolio_id", read_only=True)
    quantity = QuantityOutputField(read_only=True)
    price = vnd_field(allow_null=True)
    amount = vnd_field(allow_null=True)
    fee = vnd_field()
    tax = vnd_field()
    odd_lot = serializers.SerializerMethodField(
        help_text="A BUY or SELL of fewer shares than a board lot (1-99): an odd-lot trade."
    )
    realized = serializers.SerializerMethodField(
        help_text=(
            "What a SELL realized (null for other kinds; in the response to a write also null "
            "when the database could not be read right after the write was stored)."
        )
    )

    class Meta:
        model = Transaction
        fields = [
            "id",
            "portfolio",
            *TRANSACTION_ENTRY_FIELDS,
            "fee_is_derived",
            "tax_is_derived",
            "trade_date",
            "settle_date",
            "note",
            "external_id",
            "entitlement",
            "created_at",
            "updated_at",
            "realized",
            "odd_lot",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_odd_lot(self, row: Transaction) -> bool:
        lot_size = row.instrument.lot_size if row.instrument is not None else None
        return is_odd_lot(kind=row.kind, quantity=row.quantity, lot_size=lot_size)

    @extend_schema_field(SaleRealizedSerializer(allow_null=True))
    def get_realized(self, row: Transaction) -> dict[str, Any] | None:
        """From the ``sales`` context (``realized.sale_realized_map``), by transaction id."""
        sale = (self.context.get("sales") or {}).get(row.pk)
        return None if sale is None else SaleRealizedSerializer(sale).data


class TransactionInputSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=[k.value for k in Kind])
    symbol = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Required for BUY, SELL, DIVIDEND, STOCK_DIVIDEND, RIGHTS_SUBSCRIPTION,"
        " SHARE_CONSOLIDATION.",
    )
    quantity = QuantityField(
        required=False,
        allow_null=True,
        help_text="Whole shares (BUY, SELL, STOCK_DIVIDEND, RIGHTS_SUBSCRIPTION; for a"
        " SHARE_CONSOLIDATION, a reverse split, the shares it takes away), at most 10^11.",
    )
    price = money_input_field(
        "VND per share (BUY, SELL), at most 10^9; quantity x price at most 10^16."
    )
    amount = money_input_field("Gross cash amount in VND (cash kinds and DIVIDEND), at most 10^16.")
    fee = money_input_field("VND; omitted or null: fee_rate x gross trade value, half-up.")
    tax = money_input_field("VND; omitted or null: derived from the portfolio's tax rates.")
    trade_date = serializers.DateField(
        help_text="From 2000-07-28 (the first HOSE session) to today in Vietnam."
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    external_id = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Your own id, unique per portfolio (import deduplication).",
    )


class TransactionPreviewInputSerializer(TransactionInputSerializer):
    transaction_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Preview a change of this stored transaction (fields omitted keep their value).",
    )


class PreviewProblemSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="insufficient_cash, unsettled_shares, oversell, ... (the write's 422 codes)."
    )
    message = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])
    transaction_id = serializers.IntegerField(
        allow_null=True, help_text="A stored transaction the change breaks; null for this one."
    )
    details = serializers.DictField(
        child=serializers.CharField(),
        help_text="available / requested amounts; settles_on (ISO date) for unsettled shares.",
    )


class TransactionPreviewSerializer(serializers.Serializer):
    """What the write would store and what it would do to the portfolio."""

    kind = serializers.ChoiceField(choices=[k.value for k in Kind], source="prepared.kind.value")
    symbol = serializers.CharField(source="prepared.symbol")
    quantity = QuantityOutputField(source="prepared.quantity")
    price = VndField(source="prepared.price", allow_null=True)
    amount = VndField(source="prepared.amount", allow_null=True)
    fee = VndField(source="prepared.fee")
    tax = VndField(source="prepared.tax", help_text="The sell tax of a SELL, dividend tax.")
    fee_is_derived = serializers.BooleanField(source="prepared.fee_is_derived")
    tax_is_derived = serializers.BooleanField(source="prepared.tax_is_derived")
    trade_date = serializers.DateField(source="prepared.trade_date")
    settle_date = serializers.DateField(source="prepared.settle_date")
    gross = vnd_field("quantity x price; null for cash kinds.", allow_null=True)
    net_cash_effect = vnd_field("What the transaction adds to cash (negative: paid out).")
    cash_after = vnd_field(
        "Cash after it (at its date); null when cash is not tracked.", allow_null=True
    )
    quantity_after = QuantityOutputField(
        allow_null=True, help_text="Shares of the symbol held after it; null when oversold."
    )
    average_cost_after = vnd_field("Average cost per share after it.", allow_null=True)
    realized = vnd_field("What a SELL realizes (proceeds - cost), whole VND.", allow_null=True)
    odd_lot = serializers.BooleanField(help_text="Fewer shares than a board lot (1-99).")
    accepted = serializers.BooleanField(help_text="The write would be accepted (no error).")
    problems = PreviewProblemSerializer(many=True)


class ImportResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(read_only=True)
    rows = serializers.IntegerField(read_only=True)
    created = serializers.IntegerField(read_only=True)
    skipped = serializers.IntegerField(read_only=True, help_text="Rows already in the portfolio.")
    ignored_columns = serializers.ListField(child=serializers.CharField(), read_only=True)


class ImportUploadSerializer(StrictSerializer):
    file = serializers.FileField(help_text="CSV or JSON (an export of this API).")
