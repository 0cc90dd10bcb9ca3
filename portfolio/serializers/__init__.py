"""Shapes of the portfolio API, one module per job: input serializers check types only (services
check the rules); output serializers render money, prices and quantities as strings."""

from __future__ import annotations

from portfolio.serializers.fields import (
    QuantityField,
    QuantityOutputField,
    VndField,
    money_input_field,
    pct_field,
    ratio_field,
    vnd_field,
)
from portfolio.serializers.overview import (
    OverviewErrorSerializer,
    OverviewPerformanceSerializer,
    OverviewPointSerializer,
    OverviewPortfolioSerializer,
    OverviewSerializer,
    OverviewTotalsSerializer,
)
from portfolio.serializers.performance import (
    ClosedPositionSerializer,
    ClosedPositionsSerializer,
    PerformancePointSerializer,
    PerformanceSerializer,
    SaleLineSerializer,
    YearTotalsSerializer,
)
from portfolio.serializers.portfolios import PortfolioSerializer
from portfolio.serializers.transactions import (
    ImportResultSerializer,
    ImportUploadSerializer,
    PreviewProblemSerializer,
    SaleRealizedSerializer,
    TransactionInputSerializer,
    TransactionPreviewInputSerializer,
    TransactionPreviewSerializer,
    TransactionSerializer,
)
from portfolio.serializers.valuation import (
    AllocationSerializer,
    AllocationSliceSerializer,
    ClosedDayLineSerializer,
    DayChangeFieldsSerializer,
    HoldingSerializer,
    HoldingsSerializer,
    PortfolioSummarySerializer,
    ReceivablesSerializer,
)
from portfolio.serializers.watchlist import (
    AlertInputSerializer,
    AlertSerializer,
    QuoteBriefSerializer,
    WatchlistAddSerializer,
    WatchlistItemSerializer,
)

__all__ = [
    "AlertInputSerializer",
    "AlertSerializer",
    "AllocationSerializer",
    "AllocationSliceSerializer",
    "ClosedDayLineSerializer",
    "ClosedPositionSerializer",
    "ClosedPositionsSerializer",
    "DayChangeFieldsSerializer",
    "HoldingSerializer",
    "HoldingsSerializer",
    "ImportResultSerializer",
    "ImportUploadSerializer",
    "OverviewErrorSerializer",
    "OverviewPerformanceSerializer",
    "OverviewPointSerializer",
    "OverviewPortfolioSerializer",
    "OverviewSerializer",
    "OverviewTotalsSerializer",
    "PerformancePointSerializer",
    "PerformanceSerializer",
    "PortfolioSerializer",
    "PortfolioSummarySerializer",
    "PreviewProblemSerializer",
    "QuantityField",
    "QuantityOutputField",
    "QuoteBriefSerializer",
    "ReceivablesSerializer",
    "SaleLineSerializer",
    "SaleRealizedSerializer",
    "TransactionInputSerializer",
    "TransactionPreviewInputSerializer",
    "TransactionPreviewSerializer",
    "TransactionSerializer",
    "VndField",
    "WatchlistAddSerializer",
    "WatchlistItemSerializer",
    "YearTotalsSerializer",
    "money_input_field",
    "pct_field",
    "ratio_field",
    "vnd_field",
]
