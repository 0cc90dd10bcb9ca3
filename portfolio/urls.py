"""portfolio API routes (mounted by portfolio_site/urls.py)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
