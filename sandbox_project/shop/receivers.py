"""The shop hears about payments through django-tamara's signals, and moves its own order.

The app sends each signal once per real change, after the change is committed, whichever
path caused it (a webhook, the success page, an admin action, reconciliation). So the shop
never polls Tamara and never parses a webhook: it maps what happened onto its own status.
Connected in ``ShopConfig.ready()``.

The shop order is found by ``order_reference_id``, the link Tamara itself keeps; the generic
relation ``TamaraOrder.shop_order`` would do as well.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from django_tamara import signals
from django_tamara.models import TamaraOrder

from .models import OrderEvent, ShopOrder

S = ShopOrder.Status

#: Tamara's status after a capture or refund → the shop's.
_MONEY_STATUS = {
    "partially_captured": S.PARTIALLY_CAPTURED,
    "fully_captured": S.FULLY_CAPTURED,
    "partially_refunded": S.PARTIALLY_REFUNDED,
    "fully_refunded": S.FULLY_REFUNDED,
}


#: The shop's statuses in the order they happen. Signals of one order can be sent from two
#: threads at once (a webhook task and an admin action), so a late one must not undo a newer
#: status: like Tamara's, the shop's status only moves forward.
_RANK = {
    S.PENDING: 0,
    S.AUTHORISED: 1,
    S.PARTIALLY_CAPTURED: 2,
    S.FULLY_CAPTURED: 3,
    S.PARTIALLY_REFUNDED: 4,
    S.FULLY_REFUNDED: 5,
    S.DECLINED: 9,
    S.CANCELED: 9,
    S.EXPIRED: 9,
}


def _forward(current: str, new: str | None) -> str:
    if new is None or current in ShopOrder.FINAL or _RANK[new] < _RANK[current]:
        return current
    return new


def record(order: TamaraOrder, status: str | None, message: str) -> ShopOrder | None:
    """Move the shop order to ``status`` (``None`` or an older one keeps it), copy the
    amounts, and log ``message``.

    Locks the row: two signals for one order can arrive from two threads (a webhook and the
    success page), and each must see the other's write.
    """
    with transaction.atomic():
        shop_order = ShopOrder.objects.select_for_update().filter(reference=order.order_reference_id).first()
        if shop_order is None:  # an order this shop did not open (another app, a deleted row)
            return None
        shop_order.status = _forward(shop_order.status, status)
        shop_order.captured_amount = order.captured.amount
        shop_order.refunded_amount = order.refunded.amount
        shop_order.save(update_fields=["status", "captured_amount", "refunded_amount", "updated"])
        OrderEvent.objects.create(order=shop_order, status=shop_order.status, message=message[:255])
    return shop_order


@receiver(signals.order_authorised, dispatch_uid="shop.authorised")
def on_authorised(sender: Any, order: TamaraOrder, **kwargs: Any) -> None:
    # Tamara may auto-capture on approval (a merchant option): then the order is already
    # captured, and the capture signal that follows says so.
    record(order, S.AUTHORISED, "Paid with Tamara: the payment is authorised.")


@receiver(signals.order_declined, dispatch_uid="shop.declined")
def on_declined(sender: Any, order: TamaraOrder, **kwargs: Any) -> None:
    record(order, S.DECLINED, "Tamara declined the payment.")


@receiver(signals.order_expired, dispatch_uid="shop.expired")
def on_expired(sender: Any, order: TamaraOrder, **kwargs: Any) -> None:
    record(order, S.EXPIRED, "The Tamara checkout expired before it was completed.")


@receiver(signals.order_canceled, dispatch_uid="shop.canceled")
def on_canceled(sender: Any, order: TamaraOrder, **kwargs: Any) -> None:
    record(order, S.CANCELED, "The order was canceled.")


@receiver(signals.order_updated, dispatch_uid="shop.updated")
def on_updated(sender: Any, order: TamaraOrder, transaction: Any = None, **kwargs: Any) -> None:
    # Part of the authorisation was canceled; the rest can still be captured.
    amount = f" ({transaction.money})" if transaction is not None else ""
    record(order, None, f"Part of the order was canceled{amount}.")


@receiver(signals.order_captured, dispatch_uid="shop.captured")
def on_captured(sender: Any, order: TamaraOrder, transaction: Any = None, **kwargs: Any) -> None:
    amount = transaction.money if transaction is not None else "the order"
    record(order, _MONEY_STATUS.get(order.status), f"Captured {amount}: shipped to the customer.")


@receiver(signals.order_refunded, dispatch_uid="shop.refunded")
def on_refunded(sender: Any, order: TamaraOrder, transaction: Any = None, **kwargs: Any) -> None:
    amount = transaction.money if transaction is not None else "part of the order"
    record(order, _MONEY_STATUS.get(order.status), f"Refunded {amount}.")
