"""The console log: lines cut at MAX_CHARS, the every-few-seconds tasks' Celery lines at DEBUG."""

from __future__ import annotations

import logging

import pytest

from portfolio_site.log_filters import MAX_CHARS, FrequentTasks, ShortLines


def record(name: str, level: int, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args or None, None)


def test_a_long_payload_is_cut_and_says_how_much_was_left_out() -> None:
    line = record("market.services", logging.WARNING, "rejected: %s", "x" * 5000)
    assert ShortLines().filter(line)
    message = line.getMessage()
    assert len(message) < MAX_CHARS + 40
    assert message.startswith("rejected: xxx")
    assert message.endswith(f"[{5000 + len('rejected: ') - MAX_CHARS:,} more characters]")


def test_a_short_line_is_left_alone() -> None:
    line = record("market.services", logging.WARNING, "rejected %d of %d", 1, 30)
    assert ShortLines().filter(line)
    assert line.getMessage() == "rejected 1 of 30"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("celery.app.trace", "Task market.poll_quotes[0f3c] succeeded in 0.04s: {'stored': 30}"),
        ("celery.worker.strategy", "Task market.poll_quotes[0f3c] received"),
        ("celery.beat", "Scheduler: Sending due task market: poll quotes (market.poll_quotes)"),
        ("celery.app.trace", "Task market.aggregate_bars[1a] succeeded in 0.2s: None"),
        ("celery.worker.request", "Discarding revoked task: market.poll_quotes[5b8c]"),
    ],
)
def test_celerys_lines_about_the_poll_are_debug(
    name: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(root, "level", logging.INFO)
    line = record(name, logging.INFO, "%s", message)
    assert not FrequentTasks().filter(line)  # hidden at INFO
    monkeypatch.setattr(root, "level", logging.DEBUG)
    line = record(name, logging.INFO, "%s", message)
    assert FrequentTasks().filter(line)  # shown, as DEBUG, with LOG_LEVEL=DEBUG
    assert line.levelname == "DEBUG"


@pytest.mark.parametrize(
    ("name", "level", "message"),
    [
        ("celery.app.trace", logging.INFO, "Task market.close_daily_bars[2b] succeeded in 3s"),
        ("celery.app.trace", logging.ERROR, "Task market.poll_quotes[0f3c] raised: boom"),
        ("market.tasks", logging.INFO, "quote polls in the last 60s: market.poll_quotes"),
    ],
)
def test_other_lines_pass(name: str, level: int, message: str) -> None:
    line = record(name, level, "%s", message)
    assert FrequentTasks().filter(line)
    assert line.levelno == level


def test_the_console_handler_uses_both_filters() -> None:
    from django.conf import settings

    assert settings.LOGGING["handlers"]["console"]["filters"] == ["frequent_tasks", "short_lines"]
