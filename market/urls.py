"""market API routes (mounted at /api/market/ by portfolio_site/urls.py)."""

from django.urls import path

from market import apis

urlpatterns = [
    path("instruments/", apis.InstrumentListApi.as_view(), name="market-instruments"),
    path(
        "instruments/<str:symbol>/",
        apis.InstrumentDetailApi.as_view(),
        name="market-instrument",
    ),
    path(
        "instruments/<str:symbol>/bars/",
        apis.BarListApi.as_view(),
        name="market-instrument-bars",
    ),
    path(
        "instruments/<str:symbol>/ticks/",
        apis.TickListApi.as_view(),
        name="market-instrument-ticks",
    ),
    path("quotes/", apis.QuoteListApi.as_view(), name="market-quotes"),
    path("summary/", apis.SummaryApi.as_view(), name="market-summary"),
    path("events/", apis.CorporateEventListApi.as_view(), name="market-events"),
]
