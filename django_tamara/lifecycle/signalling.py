"""The shop's signals for what a change did, sent once the change commits.

Every writer in this package reports what it changed as a :class:`~.applying.SyncResult`;
this module is the one translation of a result into :mod:`django_tamara.signals`, so a shop's
receiver hears of a capture once whether the admin made it, a webhook reported it or a sync
found it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import Signal

from .. import signals
from ..models import TamaraOrder
from ..states import OrderStatus
from .applying import SyncResult

S = OrderStatus

_STATUS_SIGNALS: dict[str, Signal] = {
    S.APPROVED: signals.order_approved,
    S.DECLINED: signals.order_declined,
    S.AUTHORISED: signals.order_authorised,
    S.CANCELED: signals.order_canceled,
    S.UPDATED: signals.order_updated,
    S.EXPIRED: signals.order_expired,
}


def emit_on_commit(order: TamaraOrder, result: SyncResult) -> None:
    """Queue the signals for what ``result`` changed; they go out after commit, or never."""
    sends: list[tuple[Any, Any]] = []
    if result.status_changed:
        sends.append((signals.order_status_changed, None))
        status_signal = _STATUS_SIGNALS.get(result.new_status)
        # An order Tamara auto-authorised (approve -> fully captured) is authorised too.
        if result.new_status in (S.FULLY_CAPTURED, S.PARTIALLY_CAPTURED) and result.old_status in (S.NEW, S.APPROVED):
            status_signal = signals.order_authorised
        if status_signal is not None:
            sends.append((status_signal, None))
    sends += [(signals.order_captured, row) for row in result.new_captures]
    sends += [(signals.order_refunded, row) for row in result.new_refunds]
    if not result.status_changed or result.new_status not in (S.CANCELED, S.UPDATED):
        sends += [(signals.order_updated, row) for row in result.new_cancellations]
    if not sends:
        return

    def send() -> None:
        for signal, row in sends:
            kwargs: dict[str, Any] = {"order": order, "transaction": row}
            if signal is signals.order_status_changed:
                kwargs.update(old_status=result.old_status, new_status=result.new_status)
            signal.send(sender=TamaraOrder, **kwargs)

    transaction.on_commit(send)
