"""HTTP routes of the realtime app (mounted at ``/api/auth/ws-ticket/`` by portfolio_site/urls.py)."""

from django.urls import path

from realtime.api import WsTicketView

urlpatterns = [path("", WsTicketView.as_view(), name="auth-ws-ticket")]
