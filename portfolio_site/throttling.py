"""API rate limiting on the shared Redis sliding-window limiter (``portfolio_site.ratelimit``).

Who is counted: the user when the request is authenticated, the client IP otherwise (proxy-aware, see
``client_ip.py``). The ``auth`` scope counts more than one key; see "Logins" below.

Which quota: the view's ``throttle_scope`` names one of ``settings.RATE_LIMITS``. ``portfolio_read`` and
``portfolio_write`` are chosen by method (safe methods read), so a view serving both needs either name.
A view without a scope uses ``default``.

What the client sees: every API response carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
``X-RateLimit-Reset`` (seconds until a slot frees); a refusal is 429 with ``Retry-After`` and the
standard error body. Requests that DRF refuses before its throttles run (401/403) and unknown ``/api/``
paths are charged by ``RateLimitMiddleware`` on the way out, so they carry the headers too and cannot be
used to probe without limit. The middleware also limits ``POST /admin/login/`` under the ``auth`` quota.

When Redis is down: scopes in ``settings.RATE_LIMIT_FAIL_CLOSED`` (auth, writes, import) answer 503 with
``Retry-After``; the others let the request through without headers. Never a 500; a short breaker
(``redis_outage.py``) avoids a timeout per request, and the limiter recovers when Redis returns.

Logins (the API's ``/api/auth/token/`` and the admin's login share one design): a guesser must be
stopped without letting a stranger lock an account's owner out. Checked in order, stopping at the first
refusal (a refused attempt is not judged and charges nothing further):

1. ``auth`` per client address, every auth request (login, register, refresh, logout, password):
   stops one address spraying across usernames (credential stuffing).
2. ``login_pair`` per (username, address), every attempt naming a username; a successful login
   clears it: stops one address guessing one account.
3. ``auth`` per authenticated user (password change).
4. ``login_account`` per username from every address, counting **failed** logins only, peeked before
   the password is judged and charged after a failure: a ceiling for guessers spread over many
   addresses. It is set well above what one address can reach through its ``login_pair`` window, so
   nobody can lock an account from one address. It does not apply at an address the account logged
   in from recently (``LOGIN_KNOWN_ADDRESS_DAYS``), so guessers spread over many addresses cannot
   lock the owner out of their usual place either; only a new address of the owner waits then.

Usernames are keyed in their canonical form (NFKC, case-folded: ``usernames.py``), so ``Alice``
and ``alice`` in full-width letters spend ``alice``'s windows.

Websocket consumers call :func:`ratelimit_check` / :func:`aratelimit_check` with
:func:`websocket_identity`.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import redis.exceptions
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import NoReverseMatch, reverse
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from portfolio_site.api_errors import error_body
from portfolio_site.client_ip import client_ip, client_ip_from_scope
from portfolio_site.errors import ServiceUnavailable
from portfolio_site.quotas import Quota, parse_rate
from portfolio_site.ratelimit import RateDecision, SlidingWindowLimiter
from portfolio_site.redis_client import get_redis
from portfolio_site.redis_outage import OutageBreaker
from portfolio_site.usernames import username_canonical

logger = logging.getLogger(__name__)

DEFAULT_SCOPE = "default"
AUTH_SCOPE = "auth"
LOGIN_PAIR_SCOPE = "login_pair"
LOGIN_ACCOUNT_SCOPE = "login_account"
LOGIN_ATTR = "_ratelimit_login"
PORTFOLIO_SCOPES = {"portfolio_read", "portfolio_write"}
API_PREFIX = "/api/"
VERDICTS_ATTR = "_ratelimit_verdicts"
PREFETCHED_ATTR = "_ratelimit_prefetched"

breaker = OutageBreaker("rate limiter")


# --- Quotas ----------------------------------------------------------------------------------------
@functools.cache
def _parse(scope: str, rate: str) -> Quota:
    try:
        return parse_rate(rate)
    except ValueError as error:
        raise ImproperlyConfigured(f"RATE_LIMITS[{scope!r}]: {error}") from None


def scope_quota(scope: str) -> Quota:
    rates: Mapping[str, str] = settings.RATE_LIMITS
    if scope not in rates:
        logger.warning("Unknown throttle scope %r; using the %r quota", scope, DEFAULT_SCOPE)
        scope = DEFAULT_SCOPE
    return _parse(scope, rates[scope])


def fails_closed(scope: str) -> bool:
    if scope in (LOGIN_PAIR_SCOPE, LOGIN_ACCOUNT_SCOPE):
        scope = AUTH_SCOPE  # the login windows follow the auth scope's choice
    return scope in settings.RATE_LIMIT_FAIL_CLOSED


def enabled() -> bool:
    return bool(settings.RATE_LIMIT_ENABLED)


# --- The limiter -----------------------------------------------------------------------------------
@functools.cache
def _limiter(url: str, prefix: str) -> SlidingWindowLimiter:
    return SlidingWindowLimiter(get_redis(url), prefix=prefix)


def limiter() -> SlidingWindowLimiter:
    return _limiter(settings.REDIS_URL, settings.RATE_LIMIT_KEY_PREFIX)


@dataclass(frozen=True, slots=True)
class Verdict:
    """One limiter check: its decision, or ``outage=True`` when Redis could not be asked."""

    scope: str
    key: str
    quota: Quota
    decision: RateDecision | None

    @property
    def outage(self) -> bool:
        return self.decision is None

    @property
    def allowed(self) -> bool:
        if self.decision is None:
            return not fails_closed(self.scope)
        return self.decision.allowed

    @property
    def retry_after(self) -> float:
        if self.decision is None:
            return float(settings.RATE_LIMIT_OUTAGE_RETRY_AFTER)
        return self.decision.retry_after


def ratelimit_hit(scope: str, key: str) -> Verdict:
    """Count one hit of ``key`` (e.g. ``user:7``, ``ip:203.0.113.7``) against ``scope``'s quota."""
    return _ask(scope, key, peek=False)


def ratelimit_hit_and_get(scope: str, key: str, raw_key: str) -> tuple[Verdict, bytes | None]:
    """:func:`ratelimit_hit` and a GET of ``raw_key`` in one Redis round trip. On an outage the
    verdict is the outage's and the value None (the caller reads it some other way)."""
    quota = scope_quota(scope)
    if breaker.is_open():
        return Verdict(scope, key, quota, None), None
    try:
        decision, value = limiter().hit_and_get(
            f"{scope}:{key}", limit=quota.limit, window_seconds=quota.window_seconds, get=raw_key
        )
    except redis.exceptions.RedisError as error:
        breaker.record_failure(error)
        return Verdict(scope, key, quota, None), None
    breaker.record_success()
    return Verdict(scope, key, quota, decision), value


def prefetch_hit(request: HttpRequest, verdict: Verdict) -> None:
    """Record a hit already counted for this request (by the authentication, in the same round
    trip as its user lookup): the throttle then uses it instead of counting another, and the
    middleware sets its headers and charges nothing more."""
    setattr(request, PREFETCHED_ATTR, verdict)
    _remember(request, [verdict])


def _prefetched(request: HttpRequest, scope: str, key: str) -> Verdict | None:
    verdict: Verdict | None = getattr(request, PREFETCHED_ATTR, None)
    if verdict is not None:
        delattr(request, PREFETCHED_ATTR)
        if (verdict.scope, verdict.key) == (scope, key):
            return verdict
    return None


def ratelimit_peek(scope: str, key: str) -> Verdict:
    """Whether ``key`` has room left in ``scope``'s quota, without counting a hit."""
    return _ask(scope, key, peek=True)


def _ask(scope: str, key: str, *, peek: bool) -> Verdict:
    quota = scope_quota(scope)
    if breaker.is_open():
        return Verdict(scope, key, quota, None)
    ask = limiter().peek if peek else limiter().hit
    try:
        decision = ask(f"{scope}:{key}", limit=quota.limit, window_seconds=quota.window_seconds)
    except redis.exceptions.RedisError as error:
        breaker.record_failure(error)
        return Verdict(scope, key, quota, None)
    breaker.record_success()
    return Verdict(scope, key, quota, decision)


def ratelimit_check(scope: str, key: str) -> RateDecision:
    """For websocket consumers: count one connect/message of ``key`` in ``scope``.

    ``scope`` is ``ws_connect`` or ``ws_message`` (or any scope in ``settings.RATE_LIMITS``); ``key``
    comes from :func:`websocket_identity`. Always answers (never raises on a Redis outage): the scope's
    fail-open/closed setting decides ``allowed`` then, with ``retry_after`` set to the outage back-off.
    """
    verdict = ratelimit_hit(scope, key) if enabled() else None
    if verdict is None:
        quota = scope_quota(scope)
        return RateDecision(True, quota.limit, quota.limit, 0.0, 0.0)
    if verdict.decision is not None:
        return verdict.decision
    limit = verdict.quota.limit
    if verdict.allowed:
        return RateDecision(True, limit, limit, 0.0, 0.0)
    return RateDecision(False, limit, 0, verdict.retry_after, verdict.retry_after)


aratelimit_check: Callable[[str, str], Any] = sync_to_async(ratelimit_check, thread_sensitive=False)


# --- Who is asking ---------------------------------------------------------------------------------
def _user_key(user: Any) -> str | None:
    if user is not None and getattr(user, "is_authenticated", False) and user.pk is not None:
        return f"user:{user.pk}"
    return None


def request_identity(request: Any, user: Any = None) -> str:
    """``user:<pk>`` for an authenticated request, else ``ip:<client ip>``."""
    return _user_key(user if user is not None else getattr(request, "user", None)) or (
        f"ip:{client_ip(request)}"
    )


def websocket_identity(scope: Mapping[str, Any]) -> str:
    """``user:<pk>`` when the websocket scope carries an authenticated user, else ``ip:<client ip>``."""
    return _user_key(scope.get("user")) or f"ip:{client_ip_from_scope(scope)}"


def username_key(username: Any) -> str | None:
    """``username:<digest of the canonical username>``; None when there is no username."""
    if not isinstance(username, str) or not username_canonical(username):
        return None
    digest = hashlib.sha256(username_canonical(username).encode()).hexdigest()[:32]
    return f"username:{digest}"


# --- Logins ------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """A login whose outcome the middleware settles: which statuses mean success and failure."""

    pair: str
    account: str
    succeeded_status: int
    failed_status: int


def _account_verdicts(
    request: HttpRequest, ip: str, username: Any, user: Any, login: LoginAttempt | None
) -> list[Verdict]:
    """Checks 2-4 of the module's "Logins" list, stopping at the first refusal; remembers ``login``
    on the request for :func:`login_settle` when it may be judged."""
    account = username_key(username)
    checks: list[Callable[[], Verdict | None]] = []
    if account is not None:
        checks.append(lambda: ratelimit_hit(LOGIN_PAIR_SCOPE, f"{account}:ip:{ip}"))
    user_key = _user_key(user)
    if user_key is not None:
        checks.append(lambda: ratelimit_hit(AUTH_SCOPE, user_key))
    if account is not None and login is not None:
        checks.append(lambda: _ceiling(account, login.pair))
    verdicts: list[Verdict] = []
    for check in checks:
        verdict = check()
        if verdict is None:
            continue
        verdicts.append(verdict)
        if not verdict.allowed:
            return verdicts
    if account is not None and login is not None:
        setattr(request, LOGIN_ATTR, login)
    return verdicts


def _ceiling(account: str, pair: str) -> Verdict | None:
    """The username's failure ceiling, or None where it does not apply: from an address the account
    logged in from within ``LOGIN_KNOWN_ADDRESS_DAYS``, so that guessers spread over many addresses
    cannot lock the owner out of their usual place either (that address keeps its pair window)."""
    verdict = ratelimit_peek(LOGIN_ACCOUNT_SCOPE, account)
    if verdict.allowed or verdict.outage:
        return verdict
    try:
        known = bool(get_redis().exists(_known_key(pair)))
    except redis.exceptions.RedisError:
        known = False
    return None if known else verdict


def _known_key(pair: str) -> str:
    return f"{settings.RATE_LIMIT_KEY_PREFIX}:login_known:{pair}"


def _login(ip: str, username: Any, *, succeeded_status: int, failed_status: int) -> LoginAttempt:
    account = username_key(username) or ""
    return LoginAttempt(f"{account}:ip:{ip}", account, succeeded_status, failed_status)


def login_settle(request: HttpRequest, response: HttpResponse) -> None:
    """After a judged login: a failure is charged to the username's ceiling; a success clears the
    (username, address) window and remembers the address as the account's for
    ``LOGIN_KNOWN_ADDRESS_DAYS``. Other answers (a 400, a CSRF 403) judged no password."""
    attempt: LoginAttempt | None = getattr(request, LOGIN_ATTR, None)
    if attempt is None:
        return
    if response.status_code == attempt.failed_status:
        ratelimit_hit(LOGIN_ACCOUNT_SCOPE, attempt.account)  # an outage here charges nothing
    elif response.status_code == attempt.succeeded_status:
        days = int(settings.LOGIN_KNOWN_ADDRESS_DAYS)
        with contextlib.suppress(redis.exceptions.RedisError):
            limiter().reset(f"{LOGIN_PAIR_SCOPE}:{attempt.pair}")
            if days:
                get_redis().set(_known_key(attempt.pair), 1, ex=days * 86400)


def view_scope(view: Any, method: str) -> str:
    """The quota a request to ``view`` (an instance, or a class seen by the middleware) spends."""
    scope = getattr(view, "throttle_scope", None)
    if not isinstance(scope, str) or not scope:
        # None, or a per-action property read off the class (the middleware has no instance).
        return DEFAULT_SCOPE
    if scope in PORTFOLIO_SCOPES:
        return "portfolio_read" if method in SAFE_METHODS else "portfolio_write"
    return scope


def _remember(request: HttpRequest, verdicts: list[Verdict]) -> None:
    setattr(request, VERDICTS_ATTR, verdicts)


def _binding(verdicts: list[Verdict]) -> Verdict | None:
    """The verdict the headers describe: a refusal if any, else the one with the least left."""
    decided = [verdict for verdict in verdicts if verdict.decision is not None]
    if not decided:
        return None
    refused = [verdict for verdict in decided if not verdict.allowed]
    if refused:
        return max(refused, key=lambda verdict: verdict.retry_after)
    return min(decided, key=lambda verdict: verdict.decision.remaining)  # type: ignore[union-attr]


def _refusal(verdicts: list[Verdict]) -> Verdict | None:
    refused = [verdict for verdict in verdicts if not verdict.allowed]
    if not refused:
        return None
    return max(refused, key=lambda verdict: verdict.retry_after)


def _seconds(value: float) -> str:
    return str(max(1, math.ceil(value)))


def _outage_error() -> ServiceUnavailable:
    return ServiceUnavailable(
        "Rate limiting is unavailable; retry shortly.",
        code="ratelimit_unavailable",
        retry_after=int(settings.RATE_LIMIT_OUTAGE_RETRY_AFTER),
    )


# --- DRF --------------------------------------------------------------------------------------------
class SlidingWindowThrottle(BaseThrottle):
    """The project's one throttle class (``REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]``)."""

    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        if not enabled():
            return True
        scope = view_scope(view, request.method or "GET")
        if scope == AUTH_SCOPE:
            # Count the IP first: parsing the body (for the username) may fail with a 400.
            ip = client_ip(request)
            verdicts = [ratelimit_hit(scope, f"ip:{ip}")]
            _remember(request._request, verdicts)
            if verdicts[0].allowed:
                username = _body_username(request)
                login = None
                if getattr(view, "judges_passwords", False):
                    login = _login(ip, username, succeeded_status=200, failed_status=401)
                verdicts += _account_verdicts(request._request, ip, username, request.user, login)
        else:
            identity = request_identity(request, request.user)
            verdicts = [
                _prefetched(request._request, scope, identity) or ratelimit_hit(scope, identity)
            ]
        _remember(request._request, verdicts)
        refusal = _refusal(verdicts)
        if refusal is None:
            return True
        if refusal.outage:
            raise _outage_error()
        self._wait = refusal.retry_after
        return False

    def wait(self) -> float | None:
        return self._wait


def _body_username(request: Request) -> Any:
    """The ``username`` of the body; a malformed body raises DRF's ParseError (a 400) as-is."""
    data = request.data
    return data.get("username") if isinstance(data, Mapping) else None


# --- Middleware ----------------------------------------------------------------------------------
def uses_our_throttle(view_class: Any) -> bool:
    from rest_framework.views import APIView  # not at import: DRF's settings import this module

    if not (isinstance(view_class, type) and issubclass(view_class, APIView)):
        return False
    return any(
        isinstance(throttle, type) and issubclass(throttle, SlidingWindowThrottle)
        for throttle in view_class.throttle_classes
    )


def _set_headers(response: HttpResponse, verdicts: list[Verdict]) -> None:
    binding = _binding(verdicts)
    if binding is None or binding.decision is None:
        return
    decision = binding.decision
    response["X-RateLimit-Limit"] = str(decision.limit)
    response["X-RateLimit-Remaining"] = str(decision.remaining)
    response["X-RateLimit-Reset"] = _seconds(decision.reset_after)
    if not decision.allowed:
        response["Retry-After"] = _seconds(decision.retry_after)


def _throttled_response(refusal: Verdict, *, json: bool) -> HttpResponse:
    wait = _seconds(refusal.retry_after)
    if refusal.outage:
        message = "Rate limiting is unavailable; retry shortly."
        status, code = 503, "ratelimit_unavailable"
    else:
        message = f"Request was throttled. Expected available in {wait} seconds."
        status, code = 429, "throttled"
    response: HttpResponse
    if json:
        response = JsonResponse(error_body(code, message), status=status)
    else:
        response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = wait
    return response


class RateLimitMiddleware:
    """Adds the rate-limit headers to API responses, charges what DRF refused early, guards admin login."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        for scope, rate in settings.RATE_LIMITS.items():  # fail at start on a bad quota
            _parse(scope, rate)
        if DEFAULT_SCOPE not in settings.RATE_LIMITS:
            raise ImproperlyConfigured(f"RATE_LIMITS needs a {DEFAULT_SCOPE!r} quota")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            return self.get_response(request)
        if request.method == "POST" and request.path == _admin_login_path():
            refused = self._admin_login(request)
            if refused is not None:
                return refused
        response = self.get_response(request)
        login_settle(request, response)
        if request.path.startswith(API_PREFIX):
            verdicts: list[Verdict] | None = getattr(request, VERDICTS_ATTR, None)
            if verdicts is None and self._charge_on_the_way_out(request):
                scope = view_scope(
                    getattr(request, "_ratelimit_view_class", None), request.method or "GET"
                )
                verdicts = [ratelimit_hit(scope, request_identity(request))]
                refusal = _refusal(verdicts)
                if refusal is not None and not refusal.outage:
                    response = _throttled_response(refusal, json=True)
            if verdicts:
                _set_headers(response, verdicts)
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> None:
        request._ratelimit_view_class = getattr(view_func, "cls", None)  # type: ignore[attr-defined]

    @staticmethod
    def _charge_on_the_way_out(request: HttpRequest) -> bool:
        if not hasattr(request, "_ratelimit_view_class"):
            return True  # no view matched: a 404 under /api/
        return uses_our_throttle(request._ratelimit_view_class)

    @staticmethod
    def _admin_login(request: HttpRequest) -> HttpResponse | None:
        """The API login's checks; Django's admin answers a success 302, a failure the form (200)."""
        ip = client_ip(request)
        verdicts = [ratelimit_hit(AUTH_SCOPE, f"ip:{ip}")]
        if verdicts[0].allowed:
            username = request.POST.get("username")
            login = _login(ip, username, succeeded_status=302, failed_status=200)
            verdicts += _account_verdicts(request, ip, username, None, login)
        refusal = _refusal(verdicts)
        if refusal is None:
            return None
        response = _throttled_response(refusal, json=False)
        _set_headers(response, verdicts)
        return response


@functools.cache
def _admin_login_path_for(urlconf: str) -> str | None:
    try:
        return reverse("admin:login")
    except NoReverseMatch:
        return None


def _admin_login_path() -> str | None:
    return _admin_login_path_for(settings.ROOT_URLCONF)
