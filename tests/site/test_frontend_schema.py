"""The client's API types are generated from the server's schema: fail when the two drift apart.

``frontend/openapi.yaml`` is what ``npm run gen:api`` turned into ``src/lib/api/schema.d.ts``; if
the live schema differs, regenerate both (``cd frontend && npm run gen:api``) and commit them.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from drf_spectacular.generators import SchemaGenerator

ROOT = Path(__file__).resolve().parents[2]


def test_committed_frontend_schema_matches_the_live_schema() -> None:
    live = SchemaGenerator().get_schema(request=None, public=True)
    committed = yaml.safe_load((ROOT / "frontend" / "openapi.yaml").read_text())
    live = yaml.safe_load(yaml.dump(live))  # the same plain types the file holds
    assert sorted(live["paths"]) == sorted(committed["paths"]), "paths drifted: npm run gen:api"
    assert live == committed, "frontend/openapi.yaml is stale: cd frontend && npm run gen:api"
