"""The broker transport: a worker whose Redis went away closes its channel without crashing, the task
it was working on is acked when it finishes, or else redelivered after the visibility timeout
(portfolio_site/celery_transport)."""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from kombu import Connection, Exchange, Queue

from portfolio_site.celery import app
from portfolio_site.celery_transport import Transport

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
VISIBILITY_SECONDS = 1


@pytest.fixture
def names() -> Iterator[dict[str, str]]:
    """A queue and unacked keys of this test only (other tests may use the same Redis db)."""
    tag = uuid.uuid4().hex[:12]
    keys = {
        "queue": f"transport-test-{tag}",
        "unacked_key": f"transport-test-unacked-{tag}",
        "unacked_index_key": f"transport-test-unacked-index-{tag}",
        "unacked_mutex_key": f"transport-test-unacked-mutex-{tag}",
    }
    yield keys
    client = redis.Redis.from_url(REDIS_URL)
    client.delete(*keys.values(), f"_kombu.binding.{keys['queue']}")


def connect(names: dict[str, str], transport: Any = None) -> Connection:
    options = {k: v for k, v in names.items() if k != "queue"}
    return Connection(
        REDIS_URL,
        transport=transport,
        transport_options={**options, "visibility_timeout": VISIBILITY_SECONDS},
    )


def delivered_but_unacked(
    names: dict[str, str], transport: Any, received: list[Any] | None = None
) -> tuple[Connection, Any]:
    """A consumer holding one delivered, unacknowledged message (a late-ack task at work), which
    it appends to ``received``."""
    queue = Queue(names["queue"], Exchange(names["queue"]), names["queue"])
    with connect(names) as producer:
        producer.Producer().publish(
            {"task": "x"}, exchange=queue.exchange, routing_key=names["queue"], declare=[queue]
        )
    connection = connect(names, transport)
    channel = connection.channel()
    received = [] if received is None else received
    connection.Consumer(
        queue, callbacks=[lambda body, m: received.append(m)], channel=channel
    ).consume()
    connection.drain_events(timeout=5)
    assert len(received) == 1
    return connection, channel


def restore_after_the_visibility_timeout(names: dict[str, str]) -> None:
    """Any consumer's periodic restore, once the visibility timeout has passed."""
    time.sleep(VISIBILITY_SECONDS + 0.5)
    with connect(names, Transport) as other:
        fresh: Any = other.channel()
        fresh.qos.restore_visible(num=10)


def test_stock_kombu_raises_when_closing_after_the_transport_was_detached(
    names: dict[str, str],
) -> None:
    # the kombu behaviour the project's transport works around; when this fails, kombu fixed it
    connection, channel = delivered_but_unacked(names, transport=None)
    connection._do_close_transport()  # what Celery's collect() on a lost broker leaves behind
    with pytest.raises(AttributeError):
        channel.close()


def test_our_transport_closes_and_the_message_comes_back_after_the_visibility_timeout(
    names: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    # given a worker holding an unacknowledged task when its broker connection is collected
    connection, channel = delivered_but_unacked(names, transport=Transport)
    connection._do_close_transport()
    # when the channel closes: no exception, and a warning says what happens to the task
    channel.close()
    assert "redelivered after the visibility timeout" in caplog.text
    client = redis.Redis.from_url(REDIS_URL)
    assert client.hlen(names["unacked_key"]) == 1
    assert client.llen(names["queue"]) == 0
    # then once the visibility timeout has passed, any consumer's periodic restore requeues it
    restore_after_the_visibility_timeout(names)
    assert client.hlen(names["unacked_key"]) == 0
    assert client.llen(names["queue"]) == 1


def still_running_after_the_channel_closed(names: dict[str, str], transport: Any) -> Any:
    """The message of a task still running when Celery collected its broker connection and closed
    the channel (what Celery does on a lost broker)."""
    received: list[Any] = []
    connection, channel = delivered_but_unacked(names, transport, received=received)
    connection._do_close_transport()
    with contextlib.suppress(AttributeError):  # stock kombu: the first behaviour, above
        channel.close()
    return received[0]


def test_stock_kombu_raises_when_acking_after_the_transport_was_detached(
    names: dict[str, str],
) -> None:
    # the second kombu behaviour: the task finishes after the broker connection was collected
    message = still_running_after_the_channel_closed(names, transport=None)
    with pytest.raises(AttributeError):
        message.ack()


def test_our_transport_acks_a_task_that_finishes_after_the_transport_was_detached(
    names: dict[str, str],
) -> None:
    # given a task still running when its broker connection was collected and its channel closed
    message = still_running_after_the_channel_closed(names, transport=Transport)
    client = redis.Redis.from_url(REDIS_URL)
    assert client.hlen(names["unacked_key"]) == 1
    # when it finishes and Celery acks it on that channel: no exception, and it is acked in Redis,
    # so it is not redelivered (run twice) after the visibility timeout
    message.ack()
    assert client.hlen(names["unacked_key"]) == 0
    assert client.zcard(names["unacked_index_key"]) == 0
    restore_after_the_visibility_timeout(names)
    assert client.llen(names["queue"]) == 0


def test_the_celery_app_uses_the_transport_for_redis_brokers() -> None:
    if not app.conf.broker_url.startswith("redis://"):
        pytest.skip("the broker is not redis://")
    with app.connection_for_write() as connection:
        assert isinstance(connection.transport, Transport)
