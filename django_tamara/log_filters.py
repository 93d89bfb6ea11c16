"""Keep Tamara's webhook token out of logs.

Tamara sends the ``tamaraToken`` JWT in the notification URL's query string as well as in the
``Authorization`` header, so every access log line of a delivery carries it. The token does
not sign the body: anyone who reads it can post any body to the shop until it expires (15
minutes). Add :class:`TamaraTokenFilter` to the loggers or handlers that write request lines
(``django.server``; urllib3 at DEBUG, which logs the URLs the app's client calls).
gunicorn's access log is formatted outside Python's logging filters: run gunicorn with
``--logger-class django_tamara.gunicorn.Logger``, which masks it with :func:`mask_tamara_token`.

The app's ``ready()`` installs the filter on ``django.server`` itself (:func:`install`), so a
project without a ``LOGGING`` setting does not print the token in runserver's request lines.
"""

from __future__ import annotations

import logging
import re

#: ``tamaraToken=<value>`` in a URL, up to the next separator.
TOKEN_IN_URL = re.compile(r"(tamaraToken=)[^&\s\"']+", re.IGNORECASE)

MASK = "***"


def mask_tamara_token(text: str) -> str:
    """``text`` with every ``tamaraToken=`` value replaced by ``***``."""
    return TOKEN_IN_URL.sub(rf"\g<1>{MASK}", text)


class TamaraTokenFilter(logging.Filter):
    """A logging filter that masks ``tamaraToken`` values; it never drops a record.

    ``LOGGING = {"filters": {"tamara_token": {"()": "django_tamara.log_filters.TamaraTokenFilter"}}, ...}``
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "tamaratoken=" in message.lower():
            record.msg, record.args = mask_tamara_token(message), None
        return True


def install(logger_name: str) -> None:
    """Add the filter to ``logger_name`` once (for loggers the app does not configure).

    Idempotent: a shop whose ``LOGGING`` already puts :class:`TamaraTokenFilter` on the logger
    gets no second copy, and masking twice would change nothing anyway.
    """
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, TamaraTokenFilter) for f in logger.filters):
        logger.addFilter(TamaraTokenFilter())
