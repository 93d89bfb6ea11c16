"""Capture, refund and cancel: money moves once.

Each action follows the same steps:

1. lock the order row and check the amount against what is left *before* calling Tamara,
   naming the amounts;
2. commit the attempt (:class:`~django_tamara.models.Intent`) first and call Tamara without
   the lock: an answer that never comes leaves it *not confirmed*, and the order is held until
   Tamara's records settle it (:mod:`.intents`); a 409 or a timeout ends in a sync (fetch and
   apply), never in a guess;
3. record the transaction row and the new totals;
4. send the shop's signals once the transaction commits.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterable, Mapping

from django.db import transaction

from .. import compiled
from ..client import ShippingInfo, TamaraClient, get_client
from ..exceptions import (
    AmountExceeded,
    Conflict,
    InvalidTransition,
    NotConfirmed,
    ServerError,
    TamaraConnectionError,
    TamaraError,
    TamaraTimeout,
)
from ..models import Cancellation, Capture, Intent, LedgerRow, OrderAction, Refund, TamaraOrder
from ..money import Money
from ..states import CANCELABLE, CAPTURABLE, REFUNDABLE, follows
from . import intents
from .applying import SyncResult
from .locking import locked as lock
from .locking import refresh
from .signalling import emit_on_commit
from .syncing import sync

logger = logging.getLogger("django_tamara.lifecycle")

__all__ = ["cancel", "capture", "open_intent", "refund"]


def _check_amount(kind: str, amount: Money, left: Money, order: TamaraOrder) -> None:
    if amount.currency != order.currency:
        raise AmountExceeded(f"cannot {kind} {amount}: order {order.order_reference_id} is in {order.currency}")
    if amount.amount <= 0:
        raise AmountExceeded(f"cannot {kind} {amount}: the amount must be positive")
    if amount > left:
        raise AmountExceeded(
            f"cannot {kind} {amount} on order {order.order_reference_id}: only {left} is left to {kind}"
        )


def _amount_for(locked: TamaraOrder, kind: str, amount: Money | None) -> Money:
    """The amount ``kind`` would move on the locked order, or why it cannot (named amounts)."""
    if kind == Intent.Kind.CAPTURE:
        # By the amounts, not the status alone (#13): the rest of a partially refunded order
        # is still authorised and can be captured.
        if locked.status not in CAPTURABLE or locked.capturable.is_zero():
            raise InvalidTransition(
                f"cannot capture order {locked.order_reference_id}: it is {locked.status}"
                + ("; nothing is left to capture" if locked.status in CAPTURABLE else "")
            )
    elif kind == Intent.Kind.REFUND:
        if locked.status not in REFUNDABLE or locked.captured_amount <= 0:
            raise InvalidTransition(
                f"cannot refund order {locked.order_reference_id}: it is {locked.status}; "
                "refund after capture, cancel before it"
            )
    else:
        if locked.status not in CANCELABLE or locked.captured_amount > 0:
            raise InvalidTransition(
                f"cannot cancel order {locked.order_reference_id}: it is {locked.status}; "
                "cancel before capture, refund after it"
            )
    left = locked.left_to(kind)
    amount = left if amount is None else amount
    _check_amount(kind, amount, left, locked)
    return amount


def open_intent(
    order: TamaraOrder,
    kind: str,
    amount: Money | None = None,
    *,
    user: Any = None,
    merchant_refund_id: str | None = None,
    audit: OrderAction | None = None,
) -> Intent:
    """Check the attempt and commit it, *before* Tamara is called (step one of every money action).

    Refuses (typed errors naming the amounts) an attempt that does not fit the order, and
    :class:`~.exceptions.OrderHeld` while another attempt on the order is unsettled. When
    called outside a transaction the intent is committed on return, so whatever happens to
    the call afterwards (timeout, a dead database, a killed process), the question "did it
    happen?" is remembered and reconciliation answers it from Tamara's records. (Called inside
    a shop's own ``atomic()`` block, it commits with that block.) ``audit``, the admin's
    :class:`~.models.OrderAction` of the attempt, is saved with it and follows its outcome.
    """
    with transaction.atomic():
        locked = lock(order)
        intents.refuse_if_held(locked)
        amount = _amount_for(locked, kind, amount)
        intent = intents.open_intent(locked, kind, amount, user=user, merchant_refund_id=merchant_refund_id)
        if audit is not None:
            intents.link_audit(intent, audit)
    refresh(order, locked)
    return intent


def _look_for(order: TamaraOrder, intent: Intent, client: TamaraClient) -> Any:
    """Sync the order and return the ledger row that settles ``intent``, if Tamara shows it."""
    try:
        sync(order, client=client)
    except TamaraError as error:
        logger.warning("order %s: could not sync after an unanswered %s (%s)", order.order_id, intent.kind, error)
        return None
    intent.refresh_from_db()
    if intent.state != Intent.State.CONFIRMED:
        return None
    model, key = intents.LEDGER[intent.kind]
    return model.objects.get(**{key: intent.tamara_id})


def _carry_out(
    order: TamaraOrder,
    intent: Intent,
    client: TamaraClient,
    call: Callable[[], Any],
    record: Callable[[TamaraOrder, Any], Any],
) -> Any:
    """Send the attempt to Tamara and settle it by the answer (step two of every money action).

    No lock is held across the call: the committed intent already holds the order. A
    timeout, a dropped connection or a 5xx leaves the attempt *not confirmed*
    (:class:`~.exceptions.NotConfirmed`) unless a sync at once shows Tamara made it; a
    409 is settled by a sync as well; any other error is Tamara saying no.
    """
    try:
        answer = call()
    except (TamaraTimeout, ServerError) as error:
        intents.mark_unconfirmed(intent, error)
        row = _look_for(order, intent, client)
        if row is not None:
            return row
        raise NotConfirmed(f"order {order.order_reference_id}: {intent.message}", intent=intent, cause=error) from error
    except Conflict as error:
        row = _look_for(order, intent, client)
        if row is not None:
            return row
        intents.refuse(intent, f"Tamara answered 409: {error}")
        raise
    except TamaraConnectionError as error:  # never reached Tamara
        intents.refuse(intent, f"the request never reached Tamara ({error})", state=Intent.State.ABSENT)
        raise
    except TamaraError as error:
        intents.refuse(intent, f"Tamara answered: {error}")
        raise
    with transaction.atomic():
        locked = lock(order)
        row = record(locked, answer)
        intents.confirm(intent, getattr(row, intents.LEDGER[intent.kind][1]))
    refresh(order, locked)
    return row


def capture(
    order: TamaraOrder,
    amount: Money | None = None,
    *,
    shipping_info: ShippingInfo | Mapping[str, Any],
    items: Iterable[Mapping[str, Any]] | None = None,
    shipping_amount: Money | None = None,
    tax_amount: Money | None = None,
    discount_amount: Money | None = None,
    intent: Intent | None = None,
    user: Any = None,
    client: TamaraClient | None = None,
) -> Capture:
    """Capture ``amount`` (default: everything left). Returns the new :class:`Capture` row.

    ``intent``, from :func:`open_intent`, when the caller committed the attempt itself (the
    admin does, with its audit row); its amount is the one captured. Raises
    :class:`~.exceptions.NotConfirmed` when Tamara's answer never came: do not repeat the
    capture, the order is held until Tamara's records settle it.
    """
    client = client or get_client()
    intent = intent or open_intent(order, Intent.Kind.CAPTURE, amount, user=user)
    money = intent.money
    items = list(items or [])

    def call() -> Any:
        return client.capture_order(
            str(order.order_id),
            money,
            shipping_info,
            items=items,
            shipping_amount=shipping_amount,
            tax_amount=tax_amount,
            discount_amount=discount_amount,
        )

    def record(locked: TamaraOrder, answer: Any) -> Capture:
        return _record(
            locked,
            Capture,
            "capture_id",
            answer.capture_id,
            money,
            total_field="captured_amount",
            status=answer.status,
            extra={"shipping_info": _shipping_dict(shipping_info), "items": items},
        )

    return _carry_out(order, intent, client, call, record)


def refund(
    order: TamaraOrder,
    amount: Money | None = None,
    *,
    comment: str,
    merchant_refund_id: str | None = None,
    intent: Intent | None = None,
    user: Any = None,
    client: TamaraClient | None = None,
) -> Refund:
    """Refund ``amount`` (default: everything captured and not refunded) with Tamara's simplified refund.

    The refund carries the intent's ``merchant_refund_id`` (``merchant_refund_id`` if given,
    else one made for the intent), so Tamara itself refuses a repeat of it.
    """
    client = client or get_client()
    intent = intent or open_intent(order, Intent.Kind.REFUND, amount, user=user, merchant_refund_id=merchant_refund_id)
    money = intent.money
    refund_id = intent.merchant_refund_id or None

    def call() -> Any:
        return client.simplified_refund(str(order.order_id), money, comment, merchant_refund_id=refund_id)

    def record(locked: TamaraOrder, answer: Any) -> Refund:
        return _record(
            locked,
            Refund,
            "refund_id",
            answer.refund_id,
            money,
            total_field="refunded_amount",
            status=answer.status,
            extra={"capture_id": answer.capture_id, "comment": comment, "merchant_refund_id": refund_id or ""},
        )

    return _carry_out(order, intent, client, call, record)


def cancel(
    order: TamaraOrder,
    amount: Money | None = None,
    *,
    items: Iterable[Mapping[str, Any]] | None = None,
    intent: Intent | None = None,
    user: Any = None,
    client: TamaraClient | None = None,
) -> Cancellation:
    """Cancel ``amount`` (default: all that is authorised); allowed before any capture only."""
    client = client or get_client()
    intent = intent or open_intent(order, Intent.Kind.CANCEL, amount, user=user)
    money = intent.money
    items = list(items or [])

    def call() -> Any:
        return client.cancel_order(str(order.order_id), money, items=items)

    def record(locked: TamaraOrder, answer: Any) -> Cancellation:
        return _record(
            locked,
            Cancellation,
            "cancel_id",
            answer.cancel_id,
            money,
            total_field="canceled_amount",
            status=answer.status,
            extra={"items": items},
        )

    return _carry_out(order, intent, client, call, record)


# Recording -----------------------------------------------------------------------------------


def _shipping_dict(info: ShippingInfo | Mapping[str, Any]) -> dict[str, Any]:
    return info.to_api() if isinstance(info, ShippingInfo) else dict(info)


#: The field of a :class:`SyncResult` that lists the new rows of each ledger model.
_NEW_ROWS: dict[type[LedgerRow], str] = {
    Capture: "new_captures",
    Refund: "new_refunds",
    Cancellation: "new_cancellations",
}


def _record(
    locked: TamaraOrder,
    model: type[LedgerRow],
    key: str,
    tamara_id: str,
    amount: Money,
    *,
    total_field: str,
    status: str,
    extra: dict[str, Any],
) -> Any:
    """Write the row Tamara's answer describes and the order's new total, without a re-fetch."""
    # A plain read, then a plain INSERT: every writer of ledger rows holds the order's lock, as
    # the caller does, so no one can add this row in between, and get_or_create's savepoint
    # would be two more round trips for nothing (#17).
    existing = model.objects.by_tamara_id(tamara_id)
    if existing is not None:  # a sync got there first
        return existing
    row = model(**{key: tamara_id}, order=locked, amount=amount.amount, currency=amount.currency, **extra)
    compiled.insert(row)
    old_status = locked.status
    setattr(locked, total_field, getattr(locked, total_field) + amount.amount)
    fields = [total_field, "date_updated"]
    if status and follows(locked.status, status, amounts_grew=amount.amount > 0):
        locked.status = status
        fields.append("status")
    compiled.save_fields(locked, fields)
    result = SyncResult(old_status=old_status, new_status=locked.status, changed_fields=fields)
    getattr(result, _NEW_ROWS[model]).append(row)
    emit_on_commit(locked, result)
    return row
