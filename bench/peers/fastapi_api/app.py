"""The portfolio summary behind FastAPI with the same SQL: the API benchmark's peer.

``GET /api/portfolios/{id}/summary/`` with ``Authorization: Bearer <access JWT>`` (the project's
simplejwt token, checked with the same HS256 key). The same queries as the Django view -- the user
(active?), the portfolio (owner), the ledger rows and their symbols, the quotes of the held symbols
with their instruments -- run on a psycopg async connection pool; the ledger is folded by the
project's own pure ``portfolio.ledger.fold``; the body has the same fields.

Cache: with ``PEER_CACHE=redis`` the folded ledger is kept in Redis (pickled, keyed by a per-portfolio
version, as ``portfolio/snapshot_cache.py`` does: two GETs on a hit); without, every request folds.
No rate limiting, no middleware stack: that is the difference being priced.

Run: ``PEER_DATABASE_URL=postgres://... PEER_REDIS_URL=redis://... SECRET_KEY=... uvicorn
bench.peers.fastapi_api.app:app --loop uvloop --http httptools``.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import jwt
import orjson
import redis.asyncio as aioredis
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import Response
from psycopg_pool import AsyncConnectionPool

from portfolio.ledger import Kind, LedgerConfig, LedgerEntry, LedgerState, fold
from portfolio.returns import LinkedDietz, linked_modified_dietz

DATABASE_URL = os.environ.get("PEER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("PEER_REDIS_URL", "redis://127.0.0.1:6379/0")
PREFIX = os.environ.get("PEER_PREFIX", "peer")
SIGNING_KEY = os.environ.get("JWT_SIGNING_KEY") or os.environ.get("SECRET_KEY", "")
USE_CACHE = os.environ.get("PEER_CACHE", "") == "redis"
VN = timezone(timedelta(hours=7))
WHOLE = Decimal(1)
ZERO = Decimal(0)

state: dict[str, Any] = {}


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    pool = AsyncConnectionPool(DATABASE_URL, min_size=2, max_size=10, open=False)
    await pool.open()
    state["pool"] = pool
    state["redis"] = aioredis.Redis.from_url(REDIS_URL)
    yield
    await pool.close()
    await state["redis"].aclose()


app = FastAPI(lifespan=lifespan)


def _money(value: Decimal) -> str:
    return str(value.quantize(WHOLE, rounding=ROUND_HALF_UP))


def _percent(numerator: Decimal, denominator: Decimal) -> str | None:
    if not denominator:
        return None
    return str((numerator * 100 / denominator).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _user_id(authorization: str | None) -> int:
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(401, "authentication required")
    try:
        claims = jwt.decode(authorization[7:], SIGNING_KEY, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise HTTPException(401, "invalid token") from None
    if claims.get("token_type") != "access":
        raise HTTPException(401, "invalid token")
    return int(claims["user_id"])


async def _fold(cursor: Any, portfolio: tuple[Any, ...]) -> tuple[LedgerState, LinkedDietz]:
    portfolio_id, cost_method, enforce_settlement, track_cash = portfolio
    await cursor.execute(
        "SELECT id, kind, instrument_id, quantity, price, amount, fee, tax, trade_date, "
        "settle_date FROM portfolio_transaction WHERE portfolio_id = %s",
        (portfolio_id,),
    )
    rows = await cursor.fetchall()
    ids = sorted({row[2] for row in rows if row[2] is not None})
    symbols: dict[int, str] = {}
    if ids:
        await cursor.execute("SELECT id, symbol FROM market_instrument WHERE id = ANY(%s)", (ids,))
        symbols = dict(await cursor.fetchall())
    entries = [
        LedgerEntry(
            id=pk,
            kind=Kind(kind),
            symbol=symbols.get(instrument_id, "") if instrument_id is not None else "",
            quantity=int(quantity),
            price=price if price is not None else ZERO,
            amount=amount if amount is not None else ZERO,
            fee=fee,
            tax=tax,
            trade_date=trade_date,
            settle_date=settle_date,
        )
        for pk, kind, instrument_id, quantity, price, amount, fee, tax, trade_date, settle_date in rows
    ]
    today = datetime.now(VN).date()
    last = max((e.trade_date for e in entries), default=today)
    config = LedgerConfig(
        cost_method=cost_method, enforce_settlement=enforce_settlement, track_cash=track_cash
    )
    returns = linked_modified_dietz(entries, track_cash=track_cash, end=max(today, last))
    return fold(entries, config=config, as_of=max(today, last)), returns


async def _ledger(
    cursor: Any, portfolio: tuple[Any, ...], today: date
) -> tuple[LedgerState, LinkedDietz]:
    if not USE_CACHE:
        return await _fold(cursor, portfolio)
    client: aioredis.Redis = state["redis"]
    version = await client.get(f"{PREFIX}:peer:portfolio:{portfolio[0]}:version") or b"1"
    key = f"{PREFIX}:peer:ledger:{portfolio[0]}:{version.decode()}:{today.isoformat()}"
    hit = await client.get(key)
    if hit is not None:
        return pickle.loads(hit)  # noqa: S301 - our own value
    ledger = await _fold(cursor, portfolio)
    await client.set(key, pickle.dumps(ledger), ex=3600)
    return ledger


@app.get("/api/portfolios/{portfolio_id}/summary/")
async def summary(portfolio_id: int, authorization: str | None = Header(None)) -> Response:
    user_id = _user_id(authorization)
    pool: AsyncConnectionPool = state["pool"]
    async with pool.connection() as conn, conn.cursor() as cursor:
        await cursor.execute("SELECT is_active FROM auth_user WHERE id = %s", (user_id,))
        user = await cursor.fetchone()
        if user is None or not user[0]:
            raise HTTPException(401, "user inactive")
        await cursor.execute(
            "SELECT id, cost_method, enforce_settlement, track_cash FROM portfolio_portfolio "
            "WHERE id = %s AND owner_id = %s",
            (portfolio_id, user_id),
        )
        portfolio = await cursor.fetchone()
        if portfolio is None:
            raise HTTPException(404, "Portfolio not found.")
        today = datetime.now(VN).date()
        ledger, returns = await _ledger(cursor, portfolio, today)
        positions = ledger.open_positions
        await cursor.execute(
            "SELECT i.symbol, q.price, q.reference, q.as_of FROM market_quote q "
            "JOIN market_instrument i ON i.id = q.instrument_id WHERE i.symbol = ANY(%s)",
            (sorted(positions),),
        )
        quotes = {row[0]: row[1:] for row in await cursor.fetchall()}
    market_value = day_change = reference_value = ZERO
    newest: datetime | None = None
    for symbol, position in positions.items():
        quote = quotes.get(symbol)
        if quote is None:
            market_value += position.cost
            continue
        price, reference, as_of = quote
        market_value += price * position.quantity
        if reference is not None:
            day_change += (price - reference) * position.quantity
            reference_value += reference * position.quantity
        newest = as_of if newest is None or as_of > newest else newest
    cash = ledger.cash if ledger.cash_tracked else None
    total_value = market_value + (cash or ZERO)
    unrealized = market_value - ledger.cost_basis
    total_return = (
        ledger.realized + unrealized + ledger.dividends + ledger.interest - ledger.fee_rows
    )
    life_return = returns.percent(total_value)
    body = {
        "cash": _money(cash) if cash is not None else None,
        "settled_cash": _money(ledger.settled_cash) if cash is not None else None,
        "cost_basis": _money(ledger.cost_basis),
        "market_value": _money(market_value),
        "total_value": _money(total_value),
        "net_flows": _money(ledger.net_flows),
        "realized_pnl": _money(ledger.realized),
        "unrealized_pnl": _money(unrealized),
        "dividends": _money(ledger.dividends),
        "interest": _money(ledger.interest),
        "fees": _money(ledger.fees),
        "taxes": _money(ledger.taxes),
        "total_return": _money(total_return),
        "total_return_pct": None if life_return is None else str(life_return),
        "day_change": _money(day_change),
        "day_change_pct": _percent(day_change, reference_value),
        "holdings_count": len(positions),
        "transactions_count": ledger.entry_count,
        "cash_tracked": ledger.cash_tracked,
        "as_of": (newest or datetime.now(UTC)).astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }
    return Response(orjson.dumps(body), media_type="application/json")
