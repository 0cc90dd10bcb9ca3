"""Websocket routes: the market ticker and the live portfolio, behind the websocket auth middleware.

``portfolio_site/asgi.py`` wraps this application in ``AllowedHostsOriginValidator``.
"""

from channels.routing import URLRouter
from django.urls import path

from realtime.auth import WebsocketAuthMiddleware
from realtime.consumers import MarketConsumer, PortfolioConsumer

websocket_urlpatterns = [
    path("ws/market/", MarketConsumer.as_asgi()),
    path("ws/portfolio/<int:portfolio_id>/", PortfolioConsumer.as_asgi()),
]

websocket_application = WebsocketAuthMiddleware(URLRouter(websocket_urlpatterns))
