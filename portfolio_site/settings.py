"""Settings for the whole project, read from the environment (see .env.example for every variable).

Development defaults need nothing: SQLite under var/, Redis on localhost, the simulated/auto market
feed. ``DJANGO_ENV=production`` switches on the hardened mode that passes ``check --deploy``.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url

from portfolio_site import environment as env
from portfolio_site.install_secrets import (
    InstallSecretsError,
    install_secrets,
    private_directory,
    private_file,
)
from portfolio_site.quotas import parse_rate

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.string("VAR_DIR", str(BASE_DIR / "var")))

DJANGO_ENV = env.choice("DJANGO_ENV", "development", ("development", "production", "test"))
PRODUCTION = DJANGO_ENV == "production"
# Under pytest: the simulated feed, a per-run Redis key prefix, fast password hashing.
TESTING = DJANGO_ENV == "test" or "pytest" in sys.modules
DEBUG = env.boolean("DEBUG", not PRODUCTION)

# Keys: from the environment, required in production; elsewhere, when unset, this install's own random
# keys generated on first start under VAR_DIR (portfolio_site/install_secrets.py). No key is in the code.
KEY_MINIMUM_LENGTH = 50


def _key(name: str, value: str) -> str:
    if not value:
        if PRODUCTION:
            raise env.ConfigError(
                name, f"required in production ({KEY_MINIMUM_LENGTH}+ random characters)"
            )
        try:
            value = install_secrets(VAR_DIR)[name]
        except (OSError, InstallSecretsError) as error:
            raise env.ConfigError(
                name, f"unset, and this install's key is unusable: {error}"
            ) from None
    if PRODUCTION and len(value) < KEY_MINIMUM_LENGTH:
        raise env.ConfigError(
            name, f"production needs a random key of at least {KEY_MINIMUM_LENGTH} characters"
        )
    return value


SECRET_KEY = _key("SECRET_KEY", env.string("SECRET_KEY", ""))

ALLOWED_HOSTS = env.string_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise env.ConfigError("ALLOWED_HOSTS", "required in production (comma-separated host names)")
CSRF_TRUSTED_ORIGINS = env.string_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "corsheaders",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by us: /api/docs/ works offline
    "django_celery_beat",
    "simple_history",  # change history of corporate events, shown in the admin
    "channels",
    "market",
    "portfolio",
    "realtime",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "portfolio_site.security_headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portfolio_site.admin_i18n.AdminLocaleMiddleware",  # the admin in vi/en; the API in English
    "django.middleware.common.CommonMiddleware",
    "portfolio_site.throttling.RateLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portfolio_site.replica_reads.ReadYourWritesMiddleware",  # read replicas: a writer reads the primary
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portfolio_site.urls"
ASGI_APPLICATION = "portfolio_site.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portfolio_site" / "templates"],  # admin/base_site.html
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASE_URL = env.url(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
    schemes=("sqlite", "postgres", "postgresql", "pgsql"),
)
# "pgbouncer" = PgBouncer in transaction pooling mode: no server-side cursors, no prepared statements.
DATABASE_POOLER = env.choice(
    "DATABASE_POOLER", "pgbouncer" if PRODUCTION else "none", ("none", "pgbouncer")
)
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=0, conn_health_checks=True)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    if _db["NAME"] != ":memory:":
        # Only this account may read the database: the file 0600 (SQLite gives its -wal/-shm files
        # the same mode), inside VAR_DIR 0700.
        _db_file = Path(_db["NAME"])
        if _db_file.parent == VAR_DIR:
            private_directory(VAR_DIR)
        else:
            _db_file.parent.mkdir(parents=True, exist_ok=True)
        private_file(_db_file)
    # WAL + IMMEDIATE transactions let the web server, the worker and beat share one file.
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    _db["OPTIONS"] = {"connect_timeout": env.integer("DATABASE_CONNECT_TIMEOUT", 5, minimum=1)}
    # A psycopg connection pool per process (Django's native pooling, with CONN_MAX_AGE=0): a
    # request borrows a connection instead of opening one. 0 turns it off.
    _pool_size = env.integer("DATABASE_POOL_MAX_SIZE", 10, minimum=0)
    if _pool_size:
        _db["OPTIONS"]["pool"] = {"min_size": 1, "max_size": _pool_size, "timeout": 10}
    if DATABASE_POOLER == "pgbouncer":
        _db["DISABLE_SERVER_SIDE_CURSORS"] = True
        _db["OPTIONS"]["prepare_threshold"] = None
# Under ASGI each request may run in another thread: persistent connections would leak (CONN_MAX_AGE=0).
_db["CONN_MAX_AGE"] = 0
if _db["ENGINE"] != "django.db.backends.sqlite3":  # SQLite tests use an in-memory database
    _db["TEST"] = {"NAME": env.string("TEST_DB_NAME", "test_portfolio")}
DATABASES = {"default": _db}

# Read replicas (portfolio_site/db_router.py): streaming replicas of the primary, used only for the
# heavy read-only endpoints, with read-your-writes. Each becomes an alias replica_0, replica_1...
# with the primary's options; its pool gives up after 2 s (a stopped replica falls back quickly).
DATABASE_REPLICA_URLS = env.string_list("DATABASE_REPLICA_URLS", [])
# Seconds a user who just wrote (a successful POST/PUT/PATCH/DELETE) reads from the primary only.
DATABASE_REPLICA_PIN_SECONDS = env.number("DATABASE_REPLICA_PIN_SECONDS", 5.0, minimum=0.0)
# A replica whose replay is this far behind the primary leaves the rotation until it catches up.
DATABASE_REPLICA_MAX_LAG_SECONDS = env.number("DATABASE_REPLICA_MAX_LAG_SECONDS", 5.0, minimum=0.0)
# Each process checks a replica's health (reachable, lag) at most this often.
DATABASE_REPLICA_CHECK_SECONDS = env.number("DATABASE_REPLICA_CHECK_SECONDS", 2.0, minimum=0.1)
if DATABASE_REPLICA_URLS and _db["ENGINE"] == "django.db.backends.sqlite3":
    raise env.ConfigError("DATABASE_REPLICA_URLS", "read replicas need DATABASE_URL on PostgreSQL")
for _index, _replica_url in enumerate(DATABASE_REPLICA_URLS):
    if _replica_url.split("://", 1)[0].lower() not in ("postgres", "postgresql", "pgsql"):
        raise env.ConfigError("DATABASE_REPLICA_URLS", "expected postgres:// URLs, comma-separated")
    _replica = dj_database_url.parse(_replica_url, conn_max_age=0, conn_health_checks=True)
    _replica["OPTIONS"] = {
        **_db["OPTIONS"],
        **({"pool": {**_db["OPTIONS"]["pool"], "timeout": 2}} if "pool" in _db["OPTIONS"] else {}),
    }
    _replica["CONN_MAX_AGE"] = 0
    if "DISABLE_SERVER_SIDE_CURSORS" in _db:
        _replica["DISABLE_SERVER_SIDE_CURSORS"] = _db["DISABLE_SERVER_SIDE_CURSORS"]
    # Tests: the replica is the test database itself (no second test database on a read-only server).
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{_index}"] = _replica
DATABASE_ROUTERS = ["portfolio_site.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, broker, limiter ----------------------------------------------
REDIS_URL = env.url("REDIS_URL", "redis://127.0.0.1:6379/0", schemes=("redis", "rediss", "unix"))
REDIS_SOCKET_TIMEOUT = env.number("REDIS_SOCKET_TIMEOUT", 2.0, minimum=0.1)
REDIS_KEY_PREFIX = env.string("REDIS_KEY_PREFIX", f"test{os.getpid()}" if TESTING else "vnp")

CACHES = {
    "default": {
        # Django's RedisCache whose failures degrade to misses (portfolio_site/cache.py).
        "BACKEND": "portfolio_site.cache.FailSafeRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": REDIS_KEY_PREFIX,
        "TIMEOUT": 300,
        "OPTIONS": {
            "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
            "socket_timeout": REDIS_SOCKET_TIMEOUT,
        },
    }
}

# channels-redis PubSub with a bounded queue per consumer (realtime/layers.py; measured, see README),
# on its own Redis servers when CHANNEL_REDIS_URLS lists them: channels-redis hashes each group (and
# each consumer's channel) to one of them. The cache, the limiter and tickets stay on REDIS_URL.
CHANNEL_REDIS_URLS = env.url_list(
    "CHANNEL_REDIS_URLS", [REDIS_URL], schemes=("redis", "rediss", "unix")
)
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "realtime.layers.BoundedPubSubChannelLayer",
        "CONFIG": {
            # A connect to a dead shard fails within the timeout instead of the OS's minutes.
            "hosts": [
                {"address": url, "socket_connect_timeout": REDIS_SOCKET_TIMEOUT}
                for url in CHANNEL_REDIS_URLS
            ],
            "prefix": f"{REDIS_KEY_PREFIX}:asgi",
            "capacity": env.integer("CHANNEL_CAPACITY", 200, minimum=1),
        },
    }
}

# Websockets (realtime/): limits, coalescing and credential checks.
WS_MAX_SYMBOLS = env.integer("WS_MAX_SYMBOLS", 200, minimum=1)
# The price board (GET /api/market/board/, the market stream's board action): symbols per board.
BOARD_MAX_SYMBOLS = env.integer("BOARD_MAX_SYMBOLS", 600, minimum=1)
WS_CONNECT_LIMIT = env.integer("WS_CONNECT_LIMIT", 60, minimum=1)
WS_CONNECT_WINDOW_SECONDS = env.number("WS_CONNECT_WINDOW_SECONDS", 60.0, minimum=1.0)
WS_MESSAGE_LIMIT = env.integer("WS_MESSAGE_LIMIT", 30, minimum=1)
WS_MESSAGE_WINDOW_SECONDS = env.number("WS_MESSAGE_WINDOW_SECONDS", 10.0, minimum=1.0)
# Open websocket connections at once (realtime/limits.py), held as leases renewed every third of
# WS_CONNECTION_LEASE_SECONDS: a dead process's connections stop counting within one lease.
WS_MAX_CONNECTIONS_PER_USER = env.integer("WS_MAX_CONNECTIONS_PER_USER", 20, minimum=1)
WS_MAX_CONNECTIONS_PER_ADDRESS = env.integer("WS_MAX_CONNECTIONS_PER_ADDRESS", 200, minimum=1)
WS_CONNECTION_LEASE_SECONDS = env.number("WS_CONNECTION_LEASE_SECONDS", 60.0, minimum=3.0)
WS_VALUATION_INTERVAL_SECONDS = env.number("WS_VALUATION_INTERVAL_SECONDS", 0.5, minimum=0.05)
WS_AUTH_RECHECK_SECONDS = env.number("WS_AUTH_RECHECK_SECONDS", 30.0, minimum=1.0)
WS_TICKET_TTL_SECONDS = env.integer("WS_TICKET_TTL_SECONDS", 30, minimum=5)
REALTIME_PUBLISH_TIMEOUT = env.number("REALTIME_PUBLISH_TIMEOUT", 5.0, minimum=0.1)
# daphne: a connection's first write of a loop turn goes out at once (portfolio_site/eager_writes.py).
DAPHNE_EAGER_WRITES = env.boolean("DAPHNE_EAGER_WRITES", True)

CELERY_BROKER_URL = env.url("CELERY_BROKER_URL", REDIS_URL, schemes=("redis", "rediss", "amqp"))
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.boolean("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_VISIBILITY_TIMEOUT = env.integer("CELERY_BROKER_VISIBILITY_TIMEOUT", 3600, minimum=60)
# Worker queues (README "Worker queues"): each task goes to the queue named for it here, by task
# name (Celery's task_routes), so that a long backfill never delays the quote poll. ``market``: the
# quick, frequent market pipeline; ``portfolio``: per-user work and its housekeeping; ``slow``:
# bulk provider calls and long jobs. A worker started without -Q consumes all three.
CELERY_TASK_QUEUES = ("market", "portfolio", "slow")
CELERY_TASK_DEFAULT_QUEUE = "portfolio"  # anything unrouted (Celery's own tasks) lands here
CELERY_TASK_ROUTES: dict[str, dict[str, str]] = {
    "market.poll_quotes": {"queue": "market"},
    "market.aggregate_bars": {"queue": "market"},
    # after the close: a final poll and the day's rollups, while no session polls
    "market.close_daily_bars": {"queue": "market"},
    "portfolio.entitlements_daily": {"queue": "portfolio"},
    "portfolio.entitlements_sync_event": {"queue": "portfolio"},
    "portfolio.purge_idempotency_keys": {"queue": "portfolio"},
    "market.backfill_history": {"queue": "slow"},
    # the whole instrument list from the provider: several budgeted calls
    "market.sync_instruments": {"queue": "slow"},
    # one provider call per held or watched symbol
    "market.ingest_corporate_events": {"queue": "slow"},
    # drops whole day partitions on PostgreSQL; a batched DELETE on SQLite
    "market.prune_ticks": {"queue": "slow"},
    # a few DDL statements an hour, under a lock timeout; ingestion needs the partitions ahead
    "market.maintain_tick_partitions": {"queue": "market"},
}

# --- Auth ---------------------------------------------------------------------------------------
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Login finds the user in any case and Unicode form (portfolio_site/usernames.py).
AUTHENTICATION_BACKENDS = ["portfolio_site.auth_backends.UsernameBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Seconds an API user is kept in the cache between requests (never past the token's expiry);
# saving or deleting the user drops it at once (portfolio_site/user_cache.py). 0 turns it off.
USER_CACHE_SECONDS = env.integer("USER_CACHE_SECONDS", 300, minimum=0)

JWT_SIGNING_KEY = _key("JWT_SIGNING_KEY", env.string("JWT_SIGNING_KEY", ""))
if PRODUCTION and JWT_SIGNING_KEY == SECRET_KEY:
    raise env.ConfigError("JWT_SIGNING_KEY", "must differ from SECRET_KEY")
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": env.duration("JWT_ACCESS_LIFETIME", timedelta(minutes=5)),
    "REFRESH_TOKEN_LIFETIME": env.duration("JWT_REFRESH_LIFETIME", timedelta(days=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "LEEWAY": 0,
}

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # simplejwt's, with the user cached between requests (portfolio_site/user_cache.py)
        "portfolio_site.user_cache.CachedJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "portfolio_site.json_output.ORJSONRenderer"
    ],  # DRF's bodies, on orjson
    "DEFAULT_PARSER_CLASSES": ["portfolio_site.json_input.JSONParser"],  # no 500 from any body
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "portfolio_site.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portfolio_site.api_errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["portfolio_site.throttling.SlidingWindowThrottle"],
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "VN Portfolio API",
    "DESCRIPTION": "Portfolios, transactions and live market data for the Vietnamese stock market.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from drf-spectacular-sidecar's static files (no CDN: the page works offline), its
    # start-up script from SpectacularSwaggerSplitView (no inline script, see the CSP).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The kinds a transaction is written (and previewed) with: one name for every "kind" using them.
    "ENUM_NAME_OVERRIDES": {"TransactionInputKindEnum": "portfolio.ledger.Kind"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portfolio_site.openapi.document_idempotency_keys",
        "portfolio_site.openapi.document_pagination",
        "portfolio_site.openapi.document_rate_limits",
    ],
}

CORS_ALLOWED_ORIGINS = env.string_list("CORS_ALLOWED_ORIGINS", ["http://localhost:3000"])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_EXPOSE_HEADERS = [
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "Retry-After",
]

# --- Rate limits (portfolio_site/throttling.py) --------------------------------------------------
# Sliding windows in Redis, per user when authenticated, per client IP otherwise; logins are also
# counted per (username, address) and, failures only, per username (see throttling.py's "Logins").
# Quotas read "N/period": 10/min, 300/hour, 5/15m. Off by default under pytest (tests share one client
# IP); the throttling tests switch it on.
RATE_LIMIT_ENABLED = env.boolean("RATE_LIMIT_ENABLED", not TESTING)
RATE_LIMITS = {
    "auth": env.string("RATE_LIMIT_AUTH", "10/min"),
    "login_pair": env.string("RATE_LIMIT_LOGIN_PAIR", "5/15m"),
    "login_account": env.string("RATE_LIMIT_LOGIN_ACCOUNT", "100/hour"),
    "market_read": env.string("RATE_LIMIT_MARKET_READ", "600/min"),
    "portfolio_read": env.string("RATE_LIMIT_PORTFOLIO_READ", "300/min"),
    "portfolio_write": env.string("RATE_LIMIT_PORTFOLIO_WRITE", "60/min"),
    "import": env.string("RATE_LIMIT_IMPORT", "20/hour"),
    "default": env.string("RATE_LIMIT_DEFAULT", "120/min"),
    # websockets (realtime/limits.py): connects per client IP, messages per connection
    "ws_connect": env.string(
        "RATE_LIMIT_WS_CONNECT", f"{WS_CONNECT_LIMIT}/{int(WS_CONNECT_WINDOW_SECONDS)}s"
    ),
    "ws_message": env.string(
        "RATE_LIMIT_WS_MESSAGE", f"{WS_MESSAGE_LIMIT}/{int(WS_MESSAGE_WINDOW_SECONDS)}s"
    ),
}
for _scope, _rate in RATE_LIMITS.items():
    try:
        parse_rate(_rate)
    except ValueError as _error:
        raise env.ConfigError(f"RATE_LIMIT_{_scope.upper()}", str(_error)) from None
# Scopes refused with 503 + Retry-After while Redis is down; the others are let through.
RATE_LIMIT_FAIL_CLOSED = env.string_list(
    "RATE_LIMIT_FAIL_CLOSED", ["auth", "portfolio_write", "import"]
)
RATE_LIMIT_OUTAGE_RETRY_AFTER = env.integer("RATE_LIMIT_OUTAGE_RETRY_AFTER", 5, minimum=1)
RATE_LIMIT_KEY_PREFIX = f"{REDIS_KEY_PREFIX}:rl"
# Days an address where an account logged in stays exempt from that account's failure ceiling.
LOGIN_KNOWN_ADDRESS_DAYS = env.integer("LOGIN_KNOWN_ADDRESS_DAYS", 30, minimum=0)
# After a Redis failure, the cache and the limiter skip Redis for this many seconds, then retry.
REDIS_OUTAGE_COOLDOWN = env.number("REDIS_OUTAGE_COOLDOWN", 1.0, minimum=0.0)
# Proxies whose X-Forwarded-For is believed (IPs or CIDR networks, e.g. the gateway's network).
TRUSTED_PROXIES = env.string_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise env.ConfigError("TRUSTED_PROXIES", f"{_proxy!r} is not an IP or network") from None

# --- Market data --------------------------------------------------------------------------------
MARKET_DATA_PROVIDER = env.choice(
    "MARKET_DATA_PROVIDER", "simulated" if TESTING else "auto", ("vnstock", "simulated", "auto")
)
VNSTOCK_SOURCE = env.choice("VNSTOCK_SOURCE", "KBS", ("KBS", "VCI"))
# Index baskets whose members the instrument sync records (the price board's VN30 / HNX30 lists).
VNSTOCK_GROUPS = [g.upper() for g in env.string_list("VNSTOCK_GROUPS", ["VN30", "HNX30"])]
VNSTOCK_API_KEY = env.string("VNSTOCK_API_KEY", "")
VNSTOCK_CALLS_PER_MINUTE = env.integer(
    "VNSTOCK_CALLS_PER_MINUTE", 60 if VNSTOCK_API_KEY else 20, minimum=1
)
SIMULATED_SEED = env.integer("SIMULATED_SEED", 42)
SIMULATED_ALWAYS_OPEN = env.boolean("SIMULATED_ALWAYS_OPEN", False)
SIMULATED_HISTORY_DAYS = env.integer("SIMULATED_HISTORY_DAYS", 730, minimum=1)
SIMULATED_STEP_SECONDS = env.number("SIMULATED_STEP_SECONDS", 1.0, minimum=0.1)
QUOTE_POLL_SECONDS = env.number("QUOTE_POLL_SECONDS", 0.0, minimum=0.0)  # 0 = fit the provider
TICK_RETENTION_DAYS = env.integer("TICK_RETENTION_DAYS", 30, minimum=1)
# PostgreSQL: day partitions of ticks created this many days ahead (market/partitioning.py).
TICK_PARTITION_DAYS_AHEAD = env.integer("TICK_PARTITION_DAYS_AHEAD", 7, minimum=1)

# Decimal precision of stored numbers. Stock prices are whole VND; index levels keep 2 decimals.
PRICE_MAX_DIGITS, PRICE_DECIMAL_PLACES = 18, 2
MONEY_MAX_DIGITS, MONEY_DECIMAL_PLACES = 24, 0  # whole VND: VND has no minor unit
QUOTE_STALE_SECONDS = env.integer("QUOTE_STALE_SECONDS", 60, minimum=1)

# --- Internationalisation -----------------------------------------------------------------------
# The API, logs and background jobs speak English (LANGUAGE_CODE); the admin follows the staff
# user's language (cookie, then Accept-Language), Vietnamese by default, and shows Vietnam time
# (portfolio_site/admin_i18n.py). Our own texts are translated in locale/vi/LC_MESSAGES/django.po.
LANGUAGE_CODE = "en"
ADMIN_LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["portfolio_site.formats"]  # vi groups thousands: 1.234.567
TIME_ZONE = "UTC"
MARKET_TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Where the admin's "View site" link goes: the web client (``make run`` sets it to the client's URL).
FRONTEND_URL = env.string("FRONTEND_URL", "/")

STATIC_URL = "static/"
STATIC_ROOT = Path(env.string("STATIC_ROOT", str(VAR_DIR / "static")))

# --- Security -----------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOG_LEVEL = env.choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # portfolio_site/log_filters.py: lines cut at 1,000 characters; Celery's per-run lines of the
    # every-few-seconds tasks at DEBUG (the poller logs a summary a minute at INFO).
    "filters": {
        "short_lines": {"()": "portfolio_site.log_filters.ShortLines"},
        "frequent_tasks": {"()": "portfolio_site.log_filters.FrequentTasks"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["frequent_tasks", "short_lines"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
        "vnstock": {"level": "WARNING"},
        "vnai": {"level": "WARNING"},
        # vnai fetches a vendor advert on first use and logs an ERROR when offline: not our error.
        "vnai.scope.promo": {"level": "CRITICAL"},
    },
}

os.environ.setdefault("VNSTOCK_DISABLE_AGENT_SETUP", "1")
os.environ.setdefault("VNSTOCK_TELEMETRY", "off")
