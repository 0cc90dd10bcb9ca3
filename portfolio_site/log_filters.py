"""Filters of the console log (``LOGGING`` in settings): short lines, and no line per quote poll.

* ``ShortLines`` cuts a record's message to ``MAX_CHARS`` characters, saying how many were left
  out: a rejected payload, an exception text or a vendor message never fills the screen. The
  traceback of ``logger.exception`` is kept whole.
* ``FrequentTasks`` moves Celery's per-run lines about the tasks that run every few seconds (the
  quote poll, the minute bars) to DEBUG: "Task ... received", "Task ... succeeded", "Discarding
  revoked task" (a backlog after start-up) and beat's "Sending due task". At INFO the poller's
  one-line summary a minute stands for them (``market/poll_log.py``); with
  ``LOG_LEVEL=DEBUG`` every run is shown again.
"""

from __future__ import annotations

import logging

MAX_CHARS = 1000
FREQUENT_TASKS = ("market.poll_quotes", "market.aggregate_bars")
_CELERY_RUN_LOGGERS = (
    "celery.app.trace",
    "celery.worker.strategy",
    "celery.worker.request",
    "celery.beat",
)


class ShortLines(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if len(message) > MAX_CHARS:
            left_out = len(message) - MAX_CHARS
            record.msg = f"{message[:MAX_CHARS]}… [{left_out:,} more characters]"
            record.args = None
        return True


class FrequentTasks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or not record.name.startswith(_CELERY_RUN_LOGGERS):
            return True
        message = record.getMessage()
        if not any(task in message for task in FREQUENT_TASKS):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger().getEffectiveLevel() <= logging.DEBUG
