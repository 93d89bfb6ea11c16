"""Keep the ``tamaraToken`` webhook JWT out of the simulator's logs.

Tamara appends ``?tamaraToken=<jwt>`` to the notification URL (Tamara's "Getting started with
webhooks" page), so every request line logged for a delivery carries it. The simulator masks
it in urllib3's log itself; its own copy, so it runs without the app (issue #13).
"""

from __future__ import annotations

import logging
import re

__all__ = ["mask", "TokenMaskFilter", "install"]

_TOKEN = re.compile(r"(tamaraToken=)[^&\s\"']+", re.IGNORECASE)


def mask(text: str) -> str:
    return _TOKEN.sub(r"\g<1>***", text)


class TokenMaskFilter(logging.Filter):
    """Masks ``tamaraToken`` values in a record; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "tamaratoken=" in message.lower():
            record.msg, record.args = mask(message), None
        return True


def install(logger_name: str) -> None:
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, TokenMaskFilter) for f in logger.filters):
        logger.addFilter(TokenMaskFilter())
