"""The order's row lock, and handing what the locked copy learnt back to the caller.

Two workers acting on one order take turns on its row (``select_for_update`` inside
``transaction.atomic()``); the caller's own instance is then brought up to the locked copy,
so code that passed an order in sees its new state without a query.
"""

from __future__ import annotations

from ..compiled import CompiledQuery
from ..models import TamaraOrder

#: Every capture, refund, cancel, sync and authorisation takes this lock, most more than once:
#: compiled once, not on each of them (#17).
_LOCKED = CompiledQuery(lambda pk: TamaraOrder.objects.select_for_update().filter(pk=pk))


def locked(order: TamaraOrder) -> TamaraOrder:
    """The order's row, locked until the surrounding transaction ends, freshly read."""
    return _LOCKED.get(order.pk)


def refresh(target: TamaraOrder, source: TamaraOrder) -> None:
    """Copy the locked copy's fields onto the caller's instance, so it sees the new state."""
    if target is not source:
        for field in TamaraOrder._meta.concrete_fields:
            setattr(target, field.attname, getattr(source, field.attname))
