"""JSON in and out, with money kept exact: requests are read with ``parse_float=Decimal``.

Amounts leave as JSON numbers (Tamara's documented type), converted only here at the edge.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from .clock import isoformat
from .money import Money

__all__ = ["loads", "dumps", "jsonable", "add_query"]


def loads(raw: bytes) -> Any:
    """Parse a request body; amounts with a fraction become ``Decimal``, never float."""
    return json.loads(raw.decode("utf-8"), parse_float=Decimal)


def _default(value: Any) -> Any:
    if isinstance(value, Money):
        return value.to_api()
    if isinstance(value, Decimal):
        return jsonable(value)
    if isinstance(value, datetime):
        return isoformat(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def dumps(value: Any) -> bytes:
    return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def jsonable(value: Any) -> Any:
    """A deep copy of parsed JSON with each ``Decimal`` turned back into a JSON number."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        # The exponent is a letter only for NaN and infinities, which loads() never makes.
        exponent = value.as_tuple().exponent
        if value == value.to_integral_value() and isinstance(exponent, int) and exponent >= 0:
            return int(value)
        return float(value)
    return value


def add_query(url: str, **params: str) -> str:
    """Append ``params`` to ``url``'s query string, keeping its query and any ``#fragment``."""
    parts = urlsplit(url)
    extra = urlencode(params)
    query = f"{parts.query}&{extra}" if parts.query else extra  # the shop's own query, untouched
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
