"""The portfolio snapshot cache next to read replicas (portfolio_site/db_router.py)."""

from __future__ import annotations

import uuid

from django.core.cache import cache

from portfolio import snapshot_cache
from portfolio_site import db_router


def test_a_snapshot_computed_from_a_replica_is_served_but_not_stored() -> None:
    key = f"portfolio:test:{uuid.uuid4().hex}"
    token = db_router.read_from("replica_0")
    try:
        assert (
            snapshot_cache.cached(key, lambda: "from the replica", timeout=60) == "from the replica"
        )
    finally:
        db_router.restore(token)
    assert cache.get(key) is None

    assert snapshot_cache.cached(key, lambda: "from the primary", timeout=60) == "from the primary"
    assert cache.get(key) == "from the primary"
    cache.delete(key)
