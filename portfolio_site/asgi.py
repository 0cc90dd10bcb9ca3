"""ASGI entry point: HTTP through Django, websockets through realtime.routing.

A browser's Origin is checked against ALLOWED_HOSTS on the websocket handshake; clients without one
(native apps, scripts) must authenticate (realtime/origins.py). Static files are served here
in development (daphne) and by the gateway in production. Under daphne, a connection's first write
of each loop turn is sent at once (portfolio_site/eager_writes.py).
"""

import os
import sys
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio_site.settings")

from portfolio_site.environment import ConfigError, exit_on_config_error

try:
    from portfolio_site.asgi_handler import get_asgi_application

    django_asgi_app = get_asgi_application()
except ConfigError as error:
    exit_on_config_error(error)

from channels.routing import ProtocolTypeRouter
from django.conf import settings

from realtime.origins import BrowserOriginValidator
from realtime.routing import websocket_application

if settings.DAPHNE_EAGER_WRITES and "daphne.server" in sys.modules:
    from portfolio_site.eager_writes import install

    install()

http_application: Any
if settings.DEBUG:
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    http_application = ASGIStaticFilesHandler(django_asgi_app)
else:
    http_application = django_asgi_app

application = ProtocolTypeRouter(
    {
        "http": http_application,
        "websocket": BrowserOriginValidator(websocket_application),
    }
)
