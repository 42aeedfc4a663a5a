"""Tokens out of log lines and error bodies: `token=...` query values and bearer tokens."""

from __future__ import annotations

import logging
import re

_SECRET = re.compile(r"(?i)(token=|bearer\s+|authorization:\s*)[^\s&'\"\\;,]+")


def scrub(text: str) -> str:
    return _SECRET.sub(r"\1***", text)


class ScrubFilter(logging.Filter):
    """Rewrites a record's message (and its traceback) with every token replaced by ***."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format: logging reports it, not us
            return True
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = scrub(text), None
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


def install_scrubbing() -> None:
    """On the loggers that may quote a request (aiohttp's, asyncio's) and on every handler of
    the root logger, so records of any logger are scrubbed before they are written."""
    keep = ScrubFilter()
    for name in ("aiohttp.server", "aiohttp.access", "aiohttp.web", "aiohttp.websocket",
                 "asyncio"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, ScrubFilter) for f in logger.filters):
            logger.addFilter(keep)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, ScrubFilter) for f in handler.filters):
            handler.addFilter(keep)
