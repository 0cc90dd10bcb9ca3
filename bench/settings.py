"""The project's settings with the knobs the benchmarks turn (BENCH_* environment variables).

BENCH_CHANNEL_LAYER=core|pubsub  channels-redis backend (the project's default is core)
"""

from __future__ import annotations

import os

from portfolio_site.settings import *  # noqa: F403
from portfolio_site.settings import CHANNEL_LAYERS, REDIS_KEY_PREFIX, REDIS_URL

_layer = os.environ.get("BENCH_CHANNEL_LAYER", "").strip().lower()
if _layer == "pubsub":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{REDIS_KEY_PREFIX}:asgi"},
        }
    }
elif _layer == "core":
    CHANNEL_LAYERS["default"]["BACKEND"] = "channels_redis.core.RedisChannelLayer"
