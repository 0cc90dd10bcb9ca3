"""Websocket routes. The consumers (market ticker, portfolio stream) arrive with the realtime issue."""

from channels.routing import URLRouter

websocket_urlpatterns: list = []

websocket_application = URLRouter(websocket_urlpatterns)
