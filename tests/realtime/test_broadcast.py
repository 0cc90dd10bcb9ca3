"""The publish helper: batching per symbol, delivery through Redis, one loop per process, no raise."""

from __future__ import annotations

import logging
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from realtime import broadcast
from tests.realtime.builders import tick


def test_ticks_are_grouped_per_symbol_and_sorted_by_seq() -> None:
    events = broadcast.tick_events(
        [tick("FPT", 3, "120300"), tick("vnm", 1, "65000"), tick("FPT", 2, "120200")]
    )
    assert [(group, event["symbol"]) for group, event in events] == [
        ("ticker.FPT", "FPT"),
        ("ticker.VNM", "VNM"),
    ]
    assert [t["seq"] for t in events[0][1]["ticks"]] == [2, 3]
    assert events[0][1]["type"] == "tick.message"


def test_ticks_with_invalid_symbols_are_dropped(caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.WARNING, logger="realtime.broadcast"):
        events = broadcast.tick_events(
            [tick("FPT", 1, "1"), {**tick("X", 1, "1"), "symbol": "a b"}]
        )
    assert [group for group, _ in events] == ["ticker.FPT"]
    assert "invalid symbol" in caplog.text


async def _listen(group: str) -> tuple[str, object]:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    return channel, layer


async def test_publish_functions_reach_their_groups() -> None:
    layer = get_channel_layer()
    ticker, _ = await _listen("ticker.FPT")
    portfolio, _ = await _listen("portfolio.7")
    user, _ = await _listen("user.9")
    await sync_to_async(broadcast.publish_ticks, thread_sensitive=False)(
        [tick("FPT", 1, "120100"), tick("FPT", 2, "120200")]
    )
    await sync_to_async(broadcast.publish_portfolio_changed, thread_sensitive=False)(7)
    await sync_to_async(broadcast.publish_alert, thread_sensitive=False)(9, {"id": 1})
    message = await layer.receive(ticker)
    assert message["type"] == "tick.message"
    assert [t["seq"] for t in message["ticks"]] == [1, 2]
    assert await layer.receive(portfolio) == {"type": "portfolio.changed", "portfolio_id": 7}
    assert await layer.receive(user) == {"type": "alert.fired", "alert": {"id": 1}}
    for group, channel in (("ticker.FPT", ticker), ("portfolio.7", portfolio), ("user.9", user)):
        await layer.group_discard(group, channel)


def test_publishing_to_a_group_without_members_is_a_no_op() -> None:
    broadcast.publish_ticks([tick("NOBODY", 1, "1000")])
    broadcast.publish_ticks([])


def test_every_publish_of_a_process_runs_on_one_long_lived_loop() -> None:
    seen: list[int] = []

    async def record() -> None:
        seen.append(id(__import__("asyncio").get_running_loop()))

    for _ in range(3):
        broadcast._publisher.submit(record()).result(timeout=5)
        broadcast.publish_ticks([tick("NOBODY", 1, "1000")])
    threads = [t for t in threading.enumerate() if t.name == "realtime-publisher"]
    assert len(set(seen)) == 1
    assert len(threads) == 1


def test_a_redis_outage_is_logged_not_raised(settings, caplog) -> None:  # type: ignore[no-untyped-def]
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"], "prefix": "unreachable"},
        }
    }
    with caplog.at_level(logging.WARNING, logger="realtime.broadcast"):
        broadcast.publish_ticks([tick("FPT", 1, "120100")])
        broadcast.publish_portfolio_changed(1)
    assert "group sends failed" in caplog.text


@pytest.mark.parametrize("call", ["publish_ticks", "publish_alert"])
def test_published_payloads_never_carry_credentials_in_logs(call, caplog) -> None:  # type: ignore[no-untyped-def]
    # the helper logs counts and error types only, never message contents
    with caplog.at_level(logging.DEBUG, logger="realtime"):
        if call == "publish_ticks":
            broadcast.publish_ticks([tick("FPT", 1, "120100")])
        else:
            broadcast.publish_alert(1, {"secret": "s3cr3t"})
    assert "s3cr3t" not in caplog.text
    assert "120100" not in caplog.text
