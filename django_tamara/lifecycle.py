"""The only code that changes a Tamara order.

Every action (admin button, webhook task, success redirect, reconciliation) comes through here,
so locking, amount checks and signals live in one place:

1. lock the order row (``select_for_update``) inside ``transaction.atomic()``, so two workers
   acting on one order take turns;
2. check the amount against what is left *before* calling Tamara, naming the amounts;
3. call Tamara; a 409 ("already in that state") or a timeout after the request left ends in a
   :func:`sync` (fetch and apply), never in a guess;
4. record the transaction row and the new totals;
5. send the shop's signals once the transaction commits.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable, Mapping

from django.db import IntegrityError, transaction

from . import signals
from .client import ShippingInfo, TamaraClient, get_client
from .exceptions import AmountExceeded, Conflict, InvalidTransition, TamaraTimeout
from .mirror import SyncResult, plain_json, sync_order
from .models import Cancellation, Capture, Refund, TamaraOrder
from .money import Money
from .states import CANCELABLE, CAPTURABLE, REFUNDABLE, OrderStatus, is_forward

logger = logging.getLogger("django_tamara.lifecycle")

S = OrderStatus

__all__ = ["sync", "sync_by_id", "authorise", "capture", "refund", "cancel", "update_reference_id"]


# Signals ---------------------------------------------------------------------------------

_STATUS_SIGNALS = {
    S.APPROVED: signals.order_approved,
    S.DECLINED: signals.order_declined,
    S.AUTHORISED: signals.order_authorised,
    S.CANCELED: signals.order_canceled,
    S.UPDATED: signals.order_updated,
    S.EXPIRED: signals.order_expired,
}


def _emit_on_commit(order: TamaraOrder, result: SyncResult) -> None:
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


# Locking ----------------------------------------------------------------------------------


def _locked(order: TamaraOrder) -> TamaraOrder:
    """The order's row, locked until the surrounding transaction ends, freshly read."""
    return TamaraOrder.objects.select_for_update().get(pk=order.pk)


def _apply(order: TamaraOrder, data: Mapping[str, Any]) -> SyncResult:
    result = order.update_from_api(data)
    _emit_on_commit(order, result)
    return result


# Sync -------------------------------------------------------------------------------------


def sync(order: TamaraOrder, *, client: TamaraClient | None = None) -> SyncResult:
    """Fetch the order from Tamara and apply it (forward only). Safe to call any time.

    The fetch happens before the row is locked, so no lock is held across the network, and
    an order Tamara has not changed costs no transaction at all (reconciliation's common
    case). A fetch that lost a race with a newer one is refused as stale by the mirror.
    """
    client = client or get_client()
    data = client.get_order(str(order.order_id))
    if order.pk and order.raw == plain_json(data):
        return SyncResult(old_status=order.status, new_status=order.status)
    with transaction.atomic():
        locked = _locked(order)
        result = _apply(locked, data)
    _refresh(order, locked)
    return result


def sync_by_id(order_id: str, *, client: TamaraClient | None = None) -> tuple[TamaraOrder, SyncResult]:
    """Sync the order with Tamara id ``order_id``, creating the local mirror if it is missing."""
    client = client or get_client()
    existing = TamaraOrder.objects.filter(order_id=order_id).first()
    if existing is not None:
        return existing, sync(existing, client=client)
    data = client.get_order(str(order_id))
    try:
        with transaction.atomic():
            order, result = sync_order(data)
            _emit_on_commit(order, result)
        return order, result
    except IntegrityError:  # created meanwhile by another worker: sync that one
        existing = TamaraOrder.objects.get(order_id=order_id)
        return existing, sync(existing, client=client)


def _refresh(target: TamaraOrder, source: TamaraOrder) -> None:
    """Copy the locked copy's fields onto the caller's instance, so it sees the new state."""
    if target is not source:
        for field in TamaraOrder._meta.concrete_fields:
            setattr(target, field.attname, getattr(source, field.attname))


def _reconcile(locked: TamaraOrder, client: TamaraClient, error: Exception) -> SyncResult:
    logger.info("order %s: %s; reconciling by fetching the order", locked.order_id, type(error).__name__)
    return _apply(locked, client.get_order(str(locked.order_id)))


# Actions ----------------------------------------------------------------------------------


def authorise(order: TamaraOrder, *, client: TamaraClient | None = None) -> SyncResult:
    """Authorise an approved order (Tamara requires it). Idempotent: an authorised order is left as is.

    A 409 means Tamara no longer sees the order as approved (authorised meanwhile, or
    expired): the order is synced and the result says what Tamara has.
    """
    client = client or get_client()
    # Statuses only move forward, so an instance read past "new" needs no query to know it.
    if order.status == S.NEW and TamaraOrder.objects.filter(pk=order.pk, status=S.NEW).exists():
        sync(order, client=client)  # perhaps approved meanwhile; kept even if we stop below
    with transaction.atomic():
        locked = _locked(order)
        if locked.status != S.APPROVED:
            _refresh(order, locked)
            if locked.status in (S.NEW, S.ON_HOLD, S.DECLINED, S.EXPIRED):
                raise InvalidTransition(
                    f"order {locked.order_id} is {locked.status}, not approved: nothing to authorise"
                )
            return SyncResult(old_status=locked.status, new_status=locked.status)  # already authorised
        try:
            answer = client.authorise_order(str(locked.order_id))
        except (Conflict, TamaraTimeout) as error:
            result = _reconcile(locked, client, error)
        else:
            old = locked.status
            if answer.auto_captured or answer.status not in (S.AUTHORISED,):
                result = _apply(locked, client.get_order(str(locked.order_id)))
            else:
                locked.status = S.AUTHORISED
                if answer.payment_type:
                    locked.payment_type = answer.payment_type
                locked.save(update_fields=["status", "payment_type", "date_updated"])
                result = SyncResult(old_status=old, new_status=S.AUTHORISED, changed_fields=["status"])
                _emit_on_commit(locked, result)
    _refresh(order, locked)
    return result


def _check_amount(kind: str, amount: Money, left: Money, order: TamaraOrder) -> None:
    if amount.currency != order.currency:
        raise AmountExceeded(f"cannot {kind} {amount}: order {order.order_reference_id} is in {order.currency}")
    if amount.amount <= 0:
        raise AmountExceeded(f"cannot {kind} {amount}: the amount must be positive")
    if amount > left:
        raise AmountExceeded(
            f"cannot {kind} {amount} on order {order.order_reference_id}: only {left} is left to {kind}"
        )


def capture(
    order: TamaraOrder,
    amount: Money | None = None,
    *,
    shipping_info: ShippingInfo | Mapping[str, Any],
    items: Iterable[Mapping[str, Any]] | None = None,
    shipping_amount: Money | None = None,
    tax_amount: Money | None = None,
    discount_amount: Money | None = None,
    client: TamaraClient | None = None,
) -> Capture | None:
    """Capture ``amount`` (default: everything left). Returns the new :class:`Capture` row.

    On a timeout the order is synced: if Tamara recorded the capture, its row is returned;
    if not, ``None`` (nothing was captured, try again).
    """
    client = client or get_client()
    with transaction.atomic():
        locked = _locked(order)
        if locked.status not in CAPTURABLE:
            raise InvalidTransition(f"cannot capture order {locked.order_reference_id}: it is {locked.status}")
        amount = locked.capturable if amount is None else amount
        _check_amount("capture", amount, locked.capturable, locked)
        try:
            answer = client.capture_order(
                str(locked.order_id), amount, shipping_info, items=items,
                shipping_amount=shipping_amount, tax_amount=tax_amount, discount_amount=discount_amount,
            )
        except (Conflict, TamaraTimeout) as error:
            result = _reconcile(locked, client, error)
            row = result.new_captures[-1] if result.new_captures else None
        else:
            row = _record(
                locked, Capture, "capture_id", answer.capture_id, amount,
                total_field="captured_amount", status=answer.status,
                extra={"shipping_info": _shipping_dict(shipping_info), "items": list(items or [])},
            )
    _refresh(order, locked)
    return row


def refund(
    order: TamaraOrder,
    amount: Money | None = None,
    *,
    comment: str,
    merchant_refund_id: str | None = None,
    client: TamaraClient | None = None,
) -> Refund | None:
    """Refund ``amount`` (default: everything captured and not refunded) with Tamara's simplified refund."""
    client = client or get_client()
    with transaction.atomic():
        locked = _locked(order)
        if locked.status not in REFUNDABLE:
            raise InvalidTransition(
                f"cannot refund order {locked.order_reference_id}: it is {locked.status}; "
                "refund after capture, cancel before it"
            )
        amount = locked.refundable if amount is None else amount
        _check_amount("refund", amount, locked.refundable, locked)
        try:
            answer = client.simplified_refund(
                str(locked.order_id), amount, comment, merchant_refund_id=merchant_refund_id
            )
        except (Conflict, TamaraTimeout) as error:
            result = _reconcile(locked, client, error)
            row = result.new_refunds[-1] if result.new_refunds else None
        else:
            row = _record(
                locked, Refund, "refund_id", answer.refund_id, amount,
                total_field="refunded_amount", status=answer.status,
                extra={"capture_id": answer.capture_id, "comment": comment,
                       "merchant_refund_id": merchant_refund_id or ""},
            )
    _refresh(order, locked)
    return row


def cancel(
    order: TamaraOrder,
    amount: Money | None = None,
    *,
    items: Iterable[Mapping[str, Any]] | None = None,
    client: TamaraClient | None = None,
) -> Cancellation | None:
    """Cancel ``amount`` (default: all that is authorised); allowed before any capture only."""
    client = client or get_client()
    with transaction.atomic():
        locked = _locked(order)
        if locked.status not in CANCELABLE or locked.captured_amount > 0:
            raise InvalidTransition(
                f"cannot cancel order {locked.order_reference_id}: it is {locked.status}; "
                "cancel before capture, refund after it"
            )
        amount = locked.capturable if amount is None else amount
        _check_amount("cancel", amount, locked.capturable, locked)
        try:
            answer = client.cancel_order(str(locked.order_id), amount, items=items)
        except (Conflict, TamaraTimeout) as error:
            result = _reconcile(locked, client, error)
            row = result.new_cancellations[-1] if result.new_cancellations else None
        else:
            row = _record(
                locked, Cancellation, "cancel_id", answer.cancel_id, amount,
                total_field="canceled_amount", status=answer.status, extra={"items": list(items or [])},
            )
    _refresh(order, locked)
    return row


def update_reference_id(order: TamaraOrder, order_reference_id: str, *, client: TamaraClient | None = None) -> None:
    client = client or get_client()
    with transaction.atomic():
        locked = _locked(order)
        client.update_reference_id(str(locked.order_id), order_reference_id)
        locked.order_reference_id = order_reference_id
        locked.save(update_fields=["order_reference_id", "date_updated"])
    _refresh(order, locked)


# Recording -----------------------------------------------------------------------------------


def _shipping_dict(info: ShippingInfo | Mapping[str, Any]) -> dict[str, Any]:
    return info.to_api() if isinstance(info, ShippingInfo) else dict(info)


def _record(
    locked: TamaraOrder,
    model: type,
    key: str,
    tamara_id: str,
    amount: Money,
    *,
    total_field: str,
    status: str,
    extra: dict[str, Any],
) -> Any:
    """Write the row Tamara's answer describes and the order's new total, without a re-fetch."""
    row, created = model.objects.get_or_create(
        **{key: tamara_id},
        defaults={"order": locked, "amount": amount.amount, "currency": amount.currency, **extra},
    )
    if not created:  # a sync got there first
        return row
    old_status = locked.status
    setattr(locked, total_field, getattr(locked, total_field) + amount.amount)
    fields = [total_field, "date_updated"]
    if status and is_forward(locked.status, status):
        locked.status = status
        fields.append("status")
    locked.save(update_fields=fields)
    result = SyncResult(old_status=old_status, new_status=locked.status, changed_fields=fields)
    getattr(result, {Capture: "new_captures", Refund: "new_refunds", Cancellation: "new_cancellations"}[model]).append(row)
    _emit_on_commit(locked, result)
    return row

