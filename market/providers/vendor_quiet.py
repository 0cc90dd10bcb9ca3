"""Keep vnstock's vendor library (vnai) from printing adverts and notices into our logs.

vnai prints a start-up advert on the first vnstock call of each process (fetched from
hq.vnstocks.com, else a built-in text), repeats one every few hours from a background thread and
after "loop" detections, and writes a first-run notice to stderr. In a Celery worker stdout is
redirected to the log at WARNING, so each advert became a multi-line WARNING. ``silence_banners``
(called by ``vnstock.import_vnstock`` before vnstock's first import) replaces vnai's presenters:
adverts are skipped (and not fetched), the first-run notice is captured and logged at DEBUG.
vnai's quota guard, telemetry switches and everything else are left as they are.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

LOGGED_CHARS = 300
_silenced = False


def _skip_advert(self: Any, *args: Any, **kwargs: Any) -> bool:
    logger.debug("vnstock advert skipped (%s)", kwargs.get("context", "start-up"))
    return False


def _captured(notice: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(notice)
    def quietly(*args: Any, **kwargs: Any) -> Any:
        printed = io.StringIO()
        with contextlib.redirect_stderr(printed), contextlib.redirect_stdout(printed):
            result = notice(*args, **kwargs)
        text = " ".join(printed.getvalue().split())
        if text:
            logger.debug("vnstock notice: %s", text[:LOGGED_CHARS])
        return result

    return quietly


def silence_banners() -> None:
    """Install the quiet presenters (once per process; a no-op without vnai)."""
    global _silenced
    if _silenced:
        return
    try:
        import vnai
        from vnai.scope import promo
    except ImportError:
        return
    promo.ContentManager.show_startup_ad = _skip_advert
    promo.ContentManager.present_content = _skip_advert
    core = getattr(vnai, "Core", None)
    if core is not None and hasattr(core, "_show_first_run_notice"):
        core._show_first_run_notice = _captured(core._show_first_run_notice)
    _silenced = True
