"""portfolio API routes (mounted under /api/ by portfolio_site/urls.py)."""

from django.urls import path
from rest_framework.renderers import JSONRenderer
from rest_framework.routers import SimpleRouter

from portfolio.apis import (
    AlertViewSet,
    CsvRenderer,
    PortfolioViewSet,
    TransactionViewSet,
    WatchlistViewSet,
)
from portfolio.apis.entitlements import EntitlementViewSet

router = SimpleRouter()
router.register("portfolios", PortfolioViewSet, basename="portfolio")
router.register("watchlist", WatchlistViewSet, basename="watchlist")
router.register("alerts", AlertViewSet, basename="alert")

transaction_preview = TransactionViewSet.as_view({"post": "preview"})
transaction_list = TransactionViewSet.as_view({"get": "list", "post": "create"})
transaction_detail = TransactionViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)

entitlement_list = EntitlementViewSet.as_view({"get": "index"})
entitlement_apply = EntitlementViewSet.as_view({"post": "apply"})
entitlement_exercise = EntitlementViewSet.as_view({"post": "exercise"})
dividend_calendar = EntitlementViewSet.as_view({"get": "calendar"})

urlpatterns = [
    path(
        "portfolios/<int:pk>/closed-positions/export.csv",
        PortfolioViewSet.as_view(
            {"get": "closed_positions_csv"}, renderer_classes=[JSONRenderer, CsvRenderer]
        ),
        name="portfolio-closed-positions-export",
    ),
    path(
        "portfolios/<int:portfolio_id>/entitlements/",
        entitlement_list,
        name="portfolio-entitlement-list",
    ),
    path(
        "portfolios/<int:portfolio_id>/entitlements/<int:pk>/apply/",
        entitlement_apply,
        name="portfolio-entitlement-apply",
    ),
    path(
        "portfolios/<int:portfolio_id>/entitlements/<int:pk>/exercise/",
        entitlement_exercise,
        name="portfolio-entitlement-exercise",
    ),
    path(
        "portfolios/<int:portfolio_id>/dividend-calendar/",
        dividend_calendar,
        name="portfolio-dividend-calendar",
    ),
    path(
        "portfolios/<int:portfolio_id>/transactions/",
        transaction_list,
        name="portfolio-transaction-list",
    ),
    path(
        "portfolios/<int:portfolio_id>/transactions/preview/",
        transaction_preview,
        name="portfolio-transaction-preview",
    ),
    path(
        "portfolios/<int:portfolio_id>/transactions/<int:pk>/",
        transaction_detail,
        name="portfolio-transaction-detail",
    ),
    *router.urls,
]
