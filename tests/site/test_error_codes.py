"""The client's list of API error codes (frontend/src/lib/api/error-codes.json) is the server's."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from portfolio.management.commands.dump_error_codes import render
from portfolio_site.error_codes import collect_error_codes, error_codes_file


def test_the_client_list_of_error_codes_is_up_to_date():
    stored = error_codes_file().read_text(encoding="utf-8")
    assert stored == render(collect_error_codes()), "run: manage.py dump_error_codes"
    call_command("dump_error_codes", "--check")


def test_codes_come_from_every_kind_of_source():
    codes = set(collect_error_codes())
    assert {
        "not_found",
        "rule_violation",
        "invalid_corporate_event",
    } <= codes  # DomainError classes
    assert {"oversell", "unsettled_shares", "insufficient_cash"} <= codes  # the ledger's enum
    assert {"weak_password", "watchlist_full", "unknown_symbol"} <= codes  # code="..." at a raise
    assert {
        "request_too_large",
        "server_error",
        "cache_unavailable",
        "database_unavailable",
    } <= codes
    assert {"not_authenticated", "throttled", "parse_error"} <= codes  # DRF's own
    assert {"token_not_valid", "no_active_account", "user_inactive"} <= codes  # simplejwt's
    assert "VN30" not in codes  # a queryset's code= is not an error code


def test_a_stale_file_fails_the_check(tmp_path, monkeypatch):
    stale = tmp_path / "error-codes.json"
    stale.write_text(json.dumps(["not_found"]), encoding="utf-8")
    monkeypatch.setattr(
        "portfolio.management.commands.dump_error_codes.error_codes_file", lambda: stale
    )
    with pytest.raises(SystemExit, match="out of date"):
        call_command("dump_error_codes", "--check")
