"""The only code that changes a Tamara order.

Every action (admin button, webhook task, success redirect, reconciliation) comes through here,
so locking, amount checks and signals live in one place:

1. lock the order row (``select_for_update``) inside ``transaction.atomic()``, so two workers
   acting on one order take turns;
2. check the amount against what is left *before* calling Tamara, naming the amounts;
3. for a capture, refund or cancel, commit the attempt (:class:`~.models.Intent`) first and
   call Tamara without the lock: an answer that never comes leaves it *not confirmed*, and
   the order is held until Tamara's records settle it (:mod:`.intents`); a 409 or a timeout
   ends in a :func:`sync` (fetch and apply), never in a guess;
4. record the transaction row and the new totals;
5. send the shop's signals once the transaction commits.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterable, Mapping

from django.db import IntegrityError, transaction

from . import intents, signals
from .client import ShippingInfo, TamaraClient, get_client
from .exceptions import (
    AmountExceeded,
    Conflict,
    InvalidTransition,
    NotConfirmed,
    ServerError,
    TamaraConnectionError,
    TamaraError,
    TamaraTimeout,
)
from .mirror import SyncResult, plain_json, sync_order
from .models import Cancellation, Capture, Intent, OrderAction, Refund, TamaraOrder
from .money import Money
from .states import CANCELABLE, CAPTURABLE, REFUNDABLE, OrderStatus, follows

logger = logging.getLogger("django_tamara.lifecycle")

S = OrderStatus

__all__ = [
    "sync", "sync_by_id", "authorise", "open_intent", "capture", "refund", "cancel", "settle", "update_reference_id",
]


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
    """Apply Tamara's JSON to the locked order, then settle any open attempt against its ledger."""
    result = order.update_from_api(data)
    intents.settle_from_ledger(order)
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
    if order.pk and order.raw == plain_json(data) and intents.unsettled(order) is None:
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
        left = locked.capturable
    elif kind == Intent.Kind.REFUND:
        if locked.status not in REFUNDABLE or locked.captured_amount <= 0:
            raise InvalidTransition(
                f"cannot refund order {locked.order_reference_id}: it is {locked.status}; "
                "refund after capture, cancel before it"
            )
        left = locked.refundable
    else:
        if locked.status not in CANCELABLE or locked.captured_amount > 0:
            raise InvalidTransition(
                f"cannot cancel order {locked.order_reference_id}: it is {locked.status}; "
                "cancel before capture, refund after it"
            )
        left = locked.capturable
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
        locked = _locked(order)
        intents.refuse_if_held(locked)
        amount = _amount_for(locked, kind, amount)
        intent = intents.open_intent(locked, kind, amount, user=user, merchant_refund_id=merchant_refund_id)
        if audit is not None:
            intents.link_audit(intent, audit)
    _refresh(order, locked)
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
        raise NotConfirmed(f"order {order.order_reference_id}: {intent.message}", intent=intent,
                           cause=error) from error
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
        locked = _locked(order)
        row = record(locked, answer)
        intents.confirm(intent, getattr(row, intents.LEDGER[intent.kind][1]))
    _refresh(order, locked)
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
            str(order.order_id), money, shipping_info, items=items,
            shipping_amount=shipping_amount, tax_amount=tax_amount, discount_amount=discount_amount,
        )

    def record(locked: TamaraOrder, answer: Any) -> Capture:
        return _record(locked, Capture, "capture_id", answer.capture_id, money, total_field="captured_amount",
                       status=answer.status, extra={"shipping_info": _shipping_dict(shipping_info), "items": items})

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
    intent = intent or open_intent(order, Intent.Kind.REFUND, amount, user=user,
                                   merchant_refund_id=merchant_refund_id)
    money = intent.money
    refund_id = intent.merchant_refund_id or None

    def call() -> Any:
        return client.simplified_refund(str(order.order_id), money, comment, merchant_refund_id=refund_id)

    def record(locked: TamaraOrder, answer: Any) -> Refund:
        return _record(locked, Refund, "refund_id", answer.refund_id, money, total_field="refunded_amount",
                       status=answer.status, extra={"capture_id": answer.capture_id, "comment": comment,
                                                    "merchant_refund_id": refund_id or ""})

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
        return _record(locked, Cancellation, "cancel_id", answer.cancel_id, money, total_field="canceled_amount",
                       status=answer.status, extra={"items": items})

    return _carry_out(order, intent, client, call, record)


def settle(order: TamaraOrder, *, client: TamaraClient | None = None) -> Intent | None:
    """Ask Tamara now about the order's unsettled attempt ("Check with Tamara now").

    Syncs the order, which settles the attempt when Tamara's records show it (or when its
    settling window has passed with Tamara showing nothing). Returns the attempt as it
    stands afterwards, or ``None`` when nothing was open.
    """
    intent = intents.unsettled(order)
    if intent is None:
        return None
    sync(order, client=client)
    intent.refresh_from_db()
    return intent


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
    if status and follows(locked.status, status, amounts_grew=amount.amount > 0):
        locked.status = status
        fields.append("status")
    locked.save(update_fields=fields)
    result = SyncResult(old_status=old_status, new_status=locked.status, changed_fields=fields)
    getattr(result, {Capture: "new_captures", Refund: "new_refunds", Cancellation: "new_cancellations"}[model]).append(row)
    _emit_on_commit(locked, result)
    return row

