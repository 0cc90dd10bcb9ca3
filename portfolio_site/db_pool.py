"""The PostgreSQL pool's connection check, skipped for a connection that was checked a moment ago.

Django's pool (``OPTIONS["pool"]``, settings.py) with ``CONN_HEALTH_CHECKS`` pings every connection
it hands out: an empty query, one more round trip on every request (CONN_MAX_AGE is 0 with a pool,
so each request borrows and returns one). Under load the same few connections go round many times
a second; a connection handed out less than ``RECENT_SECONDS`` ago, returned in a good state (the
pool discards a broken one on return), is handed out again without the ping. An idle connection,
which a PostgreSQL restart or an idle timeout may have cut, is still pinged first. A restart
inside that second fails the requests that were using those connections, as it would anyway.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Any

from psycopg_pool import ConnectionPool

RECENT_SECONDS = 1.0

_last_checked: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def check_connection(connection: Any) -> None:
    """``ConnectionPool.check_connection`` unless this connection passed less than a second ago."""
    now = time.monotonic()
    with _lock:
        last = _last_checked.get(connection)
        _last_checked[connection] = now
    if last is not None and now - last < RECENT_SECONDS and not connection.closed:
        return
    try:
        ConnectionPool.check_connection(connection)
    except Exception:
        with _lock:
            _last_checked.pop(connection, None)
        raise
