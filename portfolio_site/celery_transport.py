"""kombu's Redis transport, with two fixes: a worker must survive losing Redis mid-task.

With late acks, a task being worked on is an unacknowledged message that kombu keeps in Redis (the
``unacked`` hash) until the ack. When the broker connection drops, Celery 5.7 first ``collect()``s
the connection -- which detaches kombu's transport from it -- and then closes it; closing the
consumer's channel makes kombu 5.7 try to push the unacked messages back to their queues, and with
the transport detached that rebuilds a Redis pool from ``None`` and raises ``AttributeError``, which
Celery treats as unrecoverable: the worker exits (seen once in four Redis restarts in
tests/reliability). Nothing needs pushing back at that point: the messages are still in the
``unacked`` hash, and any worker's periodic ``restore_visible`` returns them to their queues once
the visibility timeout has passed. So this QoS skips the restore when the transport is detached
and says so.

The task itself is still running in the pool, and when it finishes Celery acks it on that old
channel, which closing has cut from its transport; stock kombu then builds a pool from that missing
transport, and an ``AttributeError`` escapes the event loop and stops the worker (seen in CI, one
Redis restart in seven). So this channel keeps the connection parameters it was opened with and
uses them once the transport is gone: the ack removes the task from the ``unacked`` hash (it is not
run twice), or, if Redis is still down, fails with a connection error that Celery logs, and the
task is redelivered after the visibility timeout.
tests/site/test_celery_transport.py pins both kombu behaviours and both fixes.
"""

from __future__ import annotations

import logging
from typing import Any

from kombu.transport import redis as kombu_redis

logger = logging.getLogger(__name__)


class QoS(kombu_redis.QoS):
    def restore_unacked(self, client: Any = None) -> Any:
        if client is None and self.channel.connection.client is None:
            logger.warning(
                "broker connection already released: %d unacknowledged message(s) stay in Redis "
                "and are redelivered after the visibility timeout",
                len(self._delivered or ()),
            )
            return None
        return super().restore_unacked(client)


class Channel(kombu_redis.Channel):
    QoS = QoS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._opened_with: dict[bool, dict[str, Any]] = {}
        super().__init__(*args, **kwargs)

    def _connparams(self, asynchronous: bool = False) -> Any:
        detached = self.connection is None or self.connection.client is None  # closed or collected
        if detached and asynchronous in self._opened_with:
            return dict(self._opened_with[asynchronous])
        params = super()._connparams(asynchronous=asynchronous)  # type: ignore[misc]  # not in the stubs
        self._opened_with[asynchronous] = dict(params)
        return params


class Transport(kombu_redis.Transport):
    Channel = Channel
