"""The bounded PubSub channel layer: a consumer that falls behind loses its oldest messages only."""

from __future__ import annotations

import asyncio
import logging
import uuid

from channels.layers import get_channel_layer
from django.conf import settings

from realtime import layers
from realtime.layers import BoundedPubSubChannelLayer, DroppingQueue


def test_the_project_uses_the_bounded_pubsub_layer() -> None:
    layer = get_channel_layer()
    assert isinstance(layer, BoundedPubSubChannelLayer)
    assert layer.capacity == 200


def test_a_full_queue_drops_its_oldest_item_and_counts_it(caplog) -> None:  # type: ignore[no-untyped-def]
    before = layers.dropped.total
    queue = DroppingQueue(3)
    with caplog.at_level(logging.WARNING, logger="realtime.layers"):
        for item in range(5):
            queue.put_nowait(item)
    assert [queue.get_nowait() for _ in range(queue.qsize())] == [2, 3, 4]
    assert layers.dropped.total - before == 2


async def test_a_consumer_that_stops_reading_holds_at_most_capacity_messages() -> None:
    # given two consumers of one group, on a layer of capacity 5; the slow one never reads
    layer = BoundedPubSubChannelLayer(
        hosts=[settings.REDIS_URL],
        prefix=f"{settings.REDIS_KEY_PREFIX}:t{uuid.uuid4().hex[:6]}",
        capacity=5,
    )
    slow, fast = await layer.new_channel(), await layer.new_channel()
    for channel in (slow, fast):
        await layer.group_add("ticker.FPT", channel)
    # when 12 messages are published
    for seq in range(1, 13):
        await layer.group_send("ticker.FPT", {"type": "tick.message", "seq": seq})
        assert (await asyncio.wait_for(layer.receive(fast), 10))["seq"] == seq
    # then the slow consumer kept only the newest 5: its reader sees a seq gap, memory stayed flat
    received = [(await asyncio.wait_for(layer.receive(slow), 10))["seq"] for _ in range(5)]
    assert received == [8, 9, 10, 11, 12]
    for channel in (slow, fast):
        await layer.group_discard("ticker.FPT", channel)
    await layer.flush()


async def test_group_send_many_delivers_each_message_to_its_group_in_order() -> None:
    # given one consumer in ticker.FPT and one in ticker.VNM
    layer = BoundedPubSubChannelLayer(
        hosts=[settings.REDIS_URL],
        prefix=f"{settings.REDIS_KEY_PREFIX}:t{uuid.uuid4().hex[:6]}",
        capacity=50,
    )
    fpt, vnm = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("ticker.FPT", fpt)
    await layer.group_add("ticker.VNM", vnm)
    # when a batch of sends to both groups goes out as one pipeline
    await layer.group_send_many(
        [
            ("ticker.FPT", {"type": "tick.message", "seq": 1}),
            ("ticker.VNM", {"type": "tick.message", "seq": 7}),
            ("ticker.FPT", {"type": "tick.message", "seq": 2}),
        ]
    )
    # then each consumer gets exactly its group's messages, in the batch's order
    got_fpt = [(await asyncio.wait_for(layer.receive(fpt), 10))["seq"] for _ in range(2)]
    got_vnm = (await asyncio.wait_for(layer.receive(vnm), 10))["seq"]
    assert (got_fpt, got_vnm) == ([1, 2], 7)
    await layer.group_discard("ticker.FPT", fpt)
    await layer.group_discard("ticker.VNM", vnm)
    await layer.flush()


async def test_a_group_message_is_decoded_once_for_all_local_members() -> None:
    # given two consumers of ticker.FPT in this process
    layer = BoundedPubSubChannelLayer(
        hosts=[settings.REDIS_URL],
        prefix=f"{settings.REDIS_KEY_PREFIX}:t{uuid.uuid4().hex[:6]}",
        capacity=5,
    )
    first, second = await layer.new_channel(), await layer.new_channel()
    for channel in (first, second):
        await layer.group_add("ticker.FPT", channel)
    # when one message is sent to the group
    await layer.group_send("ticker.FPT", {"type": "tick.message", "seq": 1})
    got_first = await asyncio.wait_for(layer.receive(first), 10)
    got_second = await asyncio.wait_for(layer.receive(second), 10)
    # then both receive the message, as one shared decoded object
    assert got_first == {"type": "tick.message", "seq": 1}
    assert got_first is got_second
    for channel in (first, second):
        await layer.group_discard("ticker.FPT", channel)
    await layer.flush()
