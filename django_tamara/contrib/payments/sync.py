"""The one projection of a Tamara order onto its django-payments ``Payment``.

Tamara's order (its status and running totals, as :mod:`django_tamara.lifecycle` keeps them)
decides what the payment shows; nothing else writes the payment's ``status`` or
``captured_amount``. Webhooks arrive twice, late and out of order, and the customer's return
races them, so the projection is computed from the order's current totals under the
payment's row lock and writes only what differs: django-payments' ``status_changed`` is sent
once per real change, by the payment's own ``change_status``.

Django-payments' ``Payment.release()`` makes its status change itself after the provider
returns; :func:`leaving_status_to_caller` keeps the projection from making the same change
first, which would send ``status_changed`` twice. (Tamara's webhook of that cancel, processed
in another thread in the moment between Tamara's answer and that ``change_status``, can still
make the change first; ``Payment.release()`` changes the status whatever the provider did, so
no provider can close that window.)
"""

from __future__ import annotations

import contextvars
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from payments import PaymentStatus, get_payment_model

from ...models import TamaraOrder
from ...money import Money
from ...states import AUTHORISED_OR_LATER, OrderStatus

logger = logging.getLogger("django_tamara.contrib.payments")

S = OrderStatus

__all__ = ["Target", "leaving_status_to_caller", "order_for", "payment_for", "project", "target_for"]


@dataclass(frozen=True)
class Target:
    """What the payment should show for a Tamara order."""

    status: str
    captured_amount: Decimal
    message: str = ""


def target_for(order: TamaraOrder) -> Target:
    """The payment's status and captured amount for ``order`` (the table in docs/payments.md).

    Once money is captured, ``captured_amount`` is what was captured and not refunded, and a
    payment with nothing of it left is ``refunded``, as ``Payment.refund()`` leaves it.
    """
    zero = Decimal(0)
    status = order.status
    if status in (S.NEW, S.APPROVED, S.ON_HOLD):
        return Target(PaymentStatus.WAITING, zero)
    if status in AUTHORISED_OR_LATER:
        if order.captured_amount <= 0:
            return Target(PaymentStatus.PREAUTH, zero)
        net = Money(order.captured_amount - order.refunded_amount, order.currency).amount
        if net > 0:
            return Target(PaymentStatus.CONFIRMED, net)
        return Target(PaymentStatus.REFUNDED, zero)
    if status == S.FULLY_REFUNDED:
        return Target(PaymentStatus.REFUNDED, zero)
    if status == S.CANCELED:  # released before capture, as Payment.release() marks it
        return Target(PaymentStatus.REFUNDED, zero, "Tamara canceled the authorisation")
    if status == S.DECLINED:
        return Target(PaymentStatus.REJECTED, zero, "Tamara declined the payment")
    if status == S.EXPIRED:
        return Target(PaymentStatus.REJECTED, zero, "The Tamara checkout expired before it was paid")
    raise ValueError(f"unknown Tamara order status {status!r}")


# Finding one from the other ------------------------------------------------------------------


def _order_uuid(payment: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(payment.transaction_id))
    except ValueError:
        return None


def order_for(payment: Any) -> TamaraOrder | None:
    """The payment's Tamara order, by the id the provider stored in ``transaction_id``."""
    order_id = _order_uuid(payment)
    if order_id is None:
        return None
    order: TamaraOrder | None = TamaraOrder.objects.filter(order_id=order_id).first()
    return order


def payment_for(order: TamaraOrder) -> Any:
    """The ``PAYMENT_MODEL`` row of ``order`` (its ``shop_order``), or ``None`` if it has none.

    A payment whose ``transaction_id`` names another Tamara order is not this order's.
    """
    model = get_payment_model()
    if order.object_id is None:
        return model._default_manager.filter(transaction_id=str(order.order_id)).first()
    if order.content_type_id != ContentType.objects.get_for_model(model).pk:
        return None  # another framework's order (an Oscar basket, a shop's own model)
    payment = model._default_manager.filter(pk=order.object_id).first()
    if payment is not None and payment.transaction_id not in ("", str(order.order_id)):
        logger.warning("payment %s names Tamara order %s, not %s", payment.pk, payment.transaction_id, order.order_id)
        return None
    return payment


# Projecting ----------------------------------------------------------------------------------

#: The status changes their caller makes: (model label, pk, status) of each payment.
_left_to_caller: contextvars.ContextVar[frozenset[tuple[str, Any, str]]] = contextvars.ContextVar(
    "tamara_payments_left_to_caller", default=frozenset()
)


@contextmanager
def leaving_status_to_caller(payment: Any, status: str) -> Iterator[None]:
    """While inside, a projection of ``payment`` to ``status`` writes everything but the status.

    For ``Payment.release()``, which calls ``change_status(REFUNDED)`` itself once the
    provider returns: the change is then made, and ``status_changed`` sent, once.
    """
    token = _left_to_caller.set(_left_to_caller.get() | {(payment._meta.label, payment.pk, status)})
    try:
        yield
    finally:
        _left_to_caller.reset(token)


def _apply(payment: Any, target: Target) -> bool:
    """Write what differs on the locked ``payment``; True when its status changed."""
    captured = payment.captured_amount if payment.captured_amount is not None else Decimal(0)
    if captured != target.captured_amount:
        payment.captured_amount = target.captured_amount
        payment.save(update_fields=["captured_amount"])
    if payment.status == target.status:
        return False
    if (payment._meta.label, payment.pk, target.status) in _left_to_caller.get():
        return False
    payment.change_status(target.status, target.message)  # sends django-payments' status_changed
    return True


def project(order: TamaraOrder, payment: Any = None) -> Any:
    """Bring ``payment`` (by default the order's own, :func:`payment_for`) to what ``order`` says.

    Locks the payment row, then reads the order's committed totals, so of two projections
    racing each other the second sees the first's result and writes nothing. ``payment``, when
    given, is brought up to the locked copy. Returns the payment, or ``None`` without one.
    """
    model: type[models.Model] = type(payment) if payment is not None else get_payment_model()
    pk = payment.pk if payment is not None else getattr(payment_for(order), "pk", None)
    if pk is None:
        return None
    with transaction.atomic():
        locked = model._default_manager.select_for_update().filter(pk=pk).first()
        if locked is None:
            return None
        fresh = TamaraOrder.objects.get(pk=order.pk)
        _apply(locked, target_for(fresh))
    if payment is not None and payment is not locked:
        for name in ("status", "message", "captured_amount"):
            setattr(payment, name, getattr(locked, name))
    return payment if payment is not None else locked
