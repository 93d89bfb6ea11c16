"""Reading a shop's order, whatever its shape.

A builder cannot know the shop's order class: it may be a model, a dataclass or a dict, its
amounts ``Money`` or plain numbers, and some of its fields methods. These readers take what is
there and answer ``None`` for what is not, so a missing field is reported by the serializer
at its path instead of crashing the builder; and the order's own currency and total are read
the same way by the hooks' defaults and by the check that the payload charges what the shop
meant (issue #13).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from ..money import Money, MoneyError

__all__ = ["ORDER_CURRENCY_NAMES", "ORDER_TOTAL_NAMES", "order_currency", "order_total", "pick"]

#: Where the defaults look for the shop order's own currency and grand total (issue #13).
ORDER_CURRENCY_NAMES = ("currency", "currency_code")
ORDER_TOTAL_NAMES = ("total_amount", "grand_total", "total")


def pick(source: Any, names: Iterable[str], aliases: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """The ``names`` that ``source`` (a mapping or any object) has, without ``None`` values.

    ``aliases`` maps a payload key to another name to read it from when the key itself is
    missing (an object cannot have an attribute ``class``, so travel data reads ``travel_class``).
    A callable attribute is called, as DRF does, so a model method can stand in for a field.
    """
    if source is None:
        return None
    aliases = aliases or {}
    is_mapping = isinstance(source, Mapping)
    out: dict[str, Any] = {}
    for name in names:
        for attr in (name, aliases.get(name)):
            if attr is None:
                continue
            value = source.get(attr) if is_mapping else getattr(source, attr, None)
            if callable(value) and not isinstance(value, type):
                value = value()
            if value is not None:
                out[name] = value
                break
    return out


def _shop_value(order: Any, names: Iterable[str]) -> Any:
    """The first of ``names`` the shop's order has (attribute or key; a callable is called)."""
    for name in names:
        try:
            value = order.get(name) if isinstance(order, Mapping) else getattr(order, name, None)
            if callable(value) and not isinstance(value, type):
                value = value()
        except Exception:  # a property or method that needs more than the order: not ours to read
            continue
        if value is not None:
            return value
    return None


def order_currency(order: Any) -> str | None:
    """The shop order's own currency: a ``currency`` (or ``currency_code``) it holds, else the
    currency of a ``Money`` total; ``None`` when it says none."""
    value = _shop_value(order, ORDER_CURRENCY_NAMES)
    if isinstance(value, str) and len(value) == 3 and value.isalpha():
        return value.upper()  # one Tamara does not take is refused by the serializer, at its path
    total = _shop_value(order, ORDER_TOTAL_NAMES)
    return total.currency if isinstance(total, Money) else None


def order_total(order: Any, currency: str) -> Money | None:
    """The shop order's own grand total (``total_amount``, ``grand_total`` or ``total``), as
    Money in ``currency`` unless it is Money already; ``None`` when it has no such number."""
    value = _shop_value(order, ORDER_TOTAL_NAMES)
    if isinstance(value, Money):
        return value
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float, str)):
        return None
    try:
        return Money(value, currency)
    except (MoneyError, ValueError, ArithmeticError):
        return None
