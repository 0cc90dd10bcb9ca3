"""Provider faults in a row through the real poll task: timeout, 429, a garbage reply, garbage rows,
a board that comes back empty, then recovery.

``tests/market/test_tasks.py`` checks each back-off rule on its own; this runs one sequence through
``market.tasks.poll_quotes`` (the Celery task body) and checks after every step that the task
answered instead of raising, that the pacing gate and failure counter moved as documented, and
that nothing invalid reached the database: the stored quotes and ticks are always exactly those of
the good lines.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from market import tasks
from market.models import Quote, Tick
from market.providers.base import ProviderDataError, ProviderRateLimited, ProviderUnavailable
from market.selectors import quote_map
from portfolio_site.redis_client import get_redis
from tests.market.builders import instrument, snapshot

pytestmark = [pytest.mark.reliability, pytest.mark.django_db]


class ScriptedBoard:
    """A provider whose price board answers each call with the next step: lines or an error."""

    name = "simulated"

    def __init__(self) -> None:
        self.steps: list[Any] = []

    def price_board(self, symbols: Sequence[str]) -> list[Any]:
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        return list(step)


def key(name: str) -> str:
    return f"{django_settings.REDIS_KEY_PREFIX}:market:poll:{name}"


@pytest.fixture
def board(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedBoard]:
    settings.QUOTE_POLL_SECONDS = 1
    settings.SIMULATED_ALWAYS_OPEN = True
    instrument("FPT", groups=("VN30",))
    instrument("VNM", groups=("VN30",))
    provider = ScriptedBoard()
    monkeypatch.setattr(tasks, "get_provider", lambda: provider)
    redis = get_redis()
    redis.delete(key("gate"), key("failures"))
    yield provider
    redis.delete(key("gate"), key("failures"))


def poll(board: ScriptedBoard, step: Any) -> dict[str, Any]:
    """One beat-triggered poll with the gate open (the gate itself is checked after each step)."""
    get_redis().delete(key("gate"))
    board.steps.append(step)
    return tasks.poll_quotes()


def stored() -> dict[str, tuple[Decimal, int]]:
    return {
        q.instrument.symbol: (q.price, q.volume) for q in Quote.objects.select_related("instrument")
    }


def ticks() -> list[tuple[str, int, int]]:
    return list(
        Tick.objects.order_by("instrument__symbol", "seq").values_list(
            "instrument__symbol", "seq", "volume"
        )
    )


def test_a_run_of_provider_faults_backs_off_and_stores_only_good_lines(
    board: ScriptedBoard,
) -> None:
    redis = get_redis()
    t0 = timezone.now() - timedelta(seconds=30)

    # given a first good board
    result = poll(
        board, [snapshot("FPT", volume=1000, as_of=t0), snapshot("VNM", volume=1000, as_of=t0)]
    )
    assert result["stored"] == 2
    good = stored()

    # when the source times out: backed off, counted, nothing written
    timeout = ProviderUnavailable("price board: source unreachable: read timed out")
    assert poll(board, timeout)["skipped"] == "provider unavailable"
    assert int(redis.get(key("failures"))) == 1
    assert redis.pttl(key("gate")) > 0
    # when it answers 429: paused for its Retry-After (plus jitter), the failure count unchanged
    assert poll(board, ProviderRateLimited("429", retry_after=7))["skipped"] == "rate limited"
    assert 7000 <= redis.pttl(key("gate")) <= 8500
    assert int(redis.get(key("failures"))) == 1
    # when the reply is garbage as a whole: counted as a second failure, a longer back-off
    assert poll(board, ProviderDataError("unusable reply"))["skipped"] == "provider unavailable"
    assert int(redis.get(key("failures"))) == 2
    assert stored() == good
    assert ticks() == []

    # when the board mixes one good line with garbage lines
    t1 = t0 + timedelta(seconds=5)
    result = poll(
        board,
        [
            snapshot("FPT", last="100100", volume=1500, as_of=t1),
            snapshot("FPT", last="100200", volume=1400, as_of=t0 + timedelta(seconds=1)),
            snapshot("VNM", last="-5", volume=1200, as_of=t1),
            snapshot("NOPE", volume=1200, as_of=t1),
        ],
    )
    # then only the good line is stored (with its tick), the others are counted as rejected
    assert (result["stored"], result["rejected"], result["ticks"]) == (1, 3, 1)
    assert not redis.exists(key("failures"))
    assert stored() == {**good, "FPT": (Decimal("100100"), 1500)}
    assert ticks() == [("FPT", 1, 500)]

    # when a line's accumulated volume goes down, or a line is off the tick grid: rejected
    t2 = t1 + timedelta(seconds=5)
    result = poll(
        board,
        [
            snapshot("VNM", volume=900, as_of=t2),
            snapshot("FPT", last="100150", volume=1600, as_of=t2),
        ],
    )
    assert (result["stored"], result["rejected"]) == (0, 2)

    # when the source answers with an empty board: no crash, nothing changes, the quotes age
    assert poll(board, [])["stored"] == 0
    assert stored() == {**good, "FPT": (Decimal("100100"), 1500)}
    later = t2 + timedelta(seconds=django_settings.QUOTE_STALE_SECONDS + 1)
    assert all(row.stale for row in quote_map(symbols=["FPT", "VNM"], now=later).values())

    # when the source recovers: the next tick follows on with no gap and no double count
    t3 = t2 + timedelta(seconds=5)
    assert poll(board, [snapshot("FPT", last="100100", volume=2000, as_of=t3)])["ticks"] == 1
    assert ticks() == [("FPT", 1, 500), ("FPT", 2, 500)]
    assert not quote_map(symbols=["FPT"], now=t3)["FPT"].stale
