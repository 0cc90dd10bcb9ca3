"""The project's settings with the knobs the benchmarks turn (BENCH_* environment variables).

BENCH_CACHE=dummy    Django's DummyCache: every cached snapshot is computed again (cache cold)
BENCH_CHANNEL_LAYER  unset: the project's configured channel layer;
                     core: channels-redis RedisChannelLayer; pubsub: channels-redis
                     RedisPubSubChannelLayer (stock); both on the project's channel-layer Redis
                     servers (CHANNEL_REDIS_URLS) and key prefix.
"""

from __future__ import annotations

import os

from portfolio_site.settings import *  # noqa: F403
from portfolio_site.settings import CACHES, CHANNEL_LAYERS, CHANNEL_REDIS_URLS, REDIS_KEY_PREFIX

if os.environ.get("BENCH_CACHE", "").strip().lower() == "dummy":
    CACHES = {**CACHES, "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

_layer = os.environ.get("BENCH_CHANNEL_LAYER", "").strip().lower()
_capacity = int(CHANNEL_LAYERS["default"].get("CONFIG", {}).get("capacity", 200))
if _layer == "core":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": CHANNEL_REDIS_URLS,
                "prefix": f"{REDIS_KEY_PREFIX}:asgi",
                "capacity": _capacity,
                "expiry": 30,
                "group_expiry": 86400,
            },
        }
    }
elif _layer == "pubsub":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": CHANNEL_REDIS_URLS, "prefix": f"{REDIS_KEY_PREFIX}:asgi"},
        }
    }
elif _layer:
    raise ValueError(f"BENCH_CHANNEL_LAYER must be core or pubsub, not {_layer!r}")
