"""What crosses the JSON boundary with Tamara, written once.

Money is ``Decimal`` inside the app and a JSON number only on the wire (Tamara's "Create
Checkout Session" page types ``amount`` as a number), and Tamara writes dates of birth and the
risk tables' dates as ``dd-mm-yyyy``. Every module that reads or writes Tamara's JSON uses
these helpers, so the two conversions have one definition each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["DMY", "format_dmy", "json_number", "parse_dmy", "plain_json"]

#: Tamara's date format for dates of birth and the risk-assessment tables.
DMY = "%d-%m-%Y"


def json_number(value: Decimal) -> int | float:
    """``value`` as the JSON number Tamara reads: whole numbers without a fraction, the rest as
    floats (a float only ever exists here, at the boundary)."""
    if value == value.to_integral_value() and int(value.as_tuple().exponent) >= 0:
        return int(value)
    return float(value)


def plain_json(value: Any) -> Any:
    """``value`` (Tamara's JSON parsed with ``parse_float=Decimal``) with every Decimal as a JSON
    number, so a ``JSONField`` can store it."""
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, Mapping):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_json(v) for v in value]
    return value


def parse_dmy(text: str) -> dt.date:
    """A ``dd-mm-yyyy`` date; ``ValueError`` if ``text`` is not one."""
    return dt.datetime.strptime(text, DMY).date()


def format_dmy(value: dt.date) -> str:
    """``value`` as ``dd-mm-yyyy``."""
    return value.strftime(DMY)
