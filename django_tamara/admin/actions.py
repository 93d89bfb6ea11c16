"""The admin's actions: who may run them, when they fit an order, and the runner that records each attempt.

Every action goes through :mod:`django_tamara.lifecycle` (row lock, amount checks, signals);
this module adds what only a person at the admin needs:

* one permission per action (``django_tamara.capture_tamaraorder`` ...);
* a reason, in the operator's language, why an action does not fit an order, checked under the
  order's lock before Tamara is called (the lifecycle's own checks stay as the last word);
* an :class:`~django_tamara.models.OrderAction` row for every attempt - done, skipped or
  failed - with the user, the amount and Tamara's answer;
* the one-time form token: inserted with the audit row in the transaction that holds the
  order's lock, so a form posted twice acts once and the second post is answered with the
  first one's outcome.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import intents, lifecycle
from ..client import ShippingInfo
from ..exceptions import AmountExceeded, InvalidTransition, NotConfirmed, OrderHeld, TamaraAPIError, TamaraError
from ..models import Intent, OrderAction, TamaraOrder
from ..money import Money, MoneyError
from ..states import CANCELABLE, CAPTURABLE, REFUNDABLE, OrderStatus

logger = logging.getLogger("django_tamara.admin")

Kind = OrderAction.Kind
Outcome = OrderAction.Outcome


@dataclass(frozen=True)
class ActionSpec:
    """One admin action: its permission codename and the labels the operator reads."""

    kind: str
    codename: str
    label: Promise
    bulk_label: Promise | None = None

    @property
    def permission(self) -> str:
        return f"django_tamara.{self.codename}"


SPECS: dict[str, ActionSpec] = {
    spec.kind: spec
    for spec in (
        ActionSpec(Kind.AUTHORISE, "authorise_tamaraorder", gettext_lazy("Authorise"),
                   gettext_lazy("Authorise the selected Tamara orders")),
        ActionSpec(Kind.CAPTURE, "capture_tamaraorder", gettext_lazy("Capture"),
                   gettext_lazy("Capture the selected Tamara orders in full")),
        ActionSpec(Kind.REFUND, "refund_tamaraorder", gettext_lazy("Refund"),
                   gettext_lazy("Refund the selected Tamara orders in full")),
        ActionSpec(Kind.CANCEL, "cancel_tamaraorder", gettext_lazy("Cancel"),
                   gettext_lazy("Cancel the selected Tamara orders in full")),
        ActionSpec(Kind.SYNC, "sync_tamaraorder", gettext_lazy("Sync from Tamara"),
                   gettext_lazy("Sync the selected Tamara orders from Tamara")),
        ActionSpec(Kind.REFERENCE, "update_reference_tamaraorder", gettext_lazy("Update reference id")),
        ActionSpec(Kind.CHECK, "sync_tamaraorder", gettext_lazy("Check with Tamara now")),
    )
}

#: The actions that move money: each is committed as an intent before Tamara is called.
MONEY_KINDS = frozenset({Kind.CAPTURE, Kind.REFUND, Kind.CANCEL})

#: Changelist action name -> kind (the names are a contract with shops' tests).
BULK_ACTIONS: dict[str, str] = {
    "authorise_orders": Kind.AUTHORISE,
    "capture_orders": Kind.CAPTURE,
    "refund_orders": Kind.REFUND,
    "cancel_orders": Kind.CANCEL,
    "sync_orders": Kind.SYNC,
}


def allowed(user: Any, kind: str) -> bool:
    """Whether ``user`` holds the permission of ``kind`` (superusers hold them all)."""
    return bool(user is not None and user.is_active and user.has_perm(SPECS[kind].permission))


# What is left, and whether an action fits ----------------------------------------------------


def left_for(order: TamaraOrder, kind: str) -> Money | None:
    """What an amount action may still move: capturable for capture and cancel, refundable for refund."""
    if kind in (Kind.CAPTURE, Kind.CANCEL):
        return order.capturable
    if kind == Kind.REFUND:
        return order.refundable
    return None


def why_not(order: TamaraOrder, kind: str) -> str | None:
    """Why ``kind`` does not fit ``order`` now, in the operator's language; ``None`` when it fits.

    Reads the row's fields only (no query), so the changelist and the change page can ask it
    for every order they show.
    """
    status = order.get_status_display()
    if kind == Kind.CHECK:
        return None  # offered only while the order is held (see held_reason)
    if kind == Kind.AUTHORISE:
        if order.status not in (OrderStatus.NEW, OrderStatus.APPROVED):
            return _("it is %(status)s: only approved orders need authorising") % {"status": status}
    elif kind == Kind.CAPTURE:
        if order.status not in CAPTURABLE:  # then by the amounts (#13)
            return _("it is %(status)s: only authorised or partially captured orders can be captured") % {
                "status": status}
        if order.capturable.is_zero():
            return _("nothing is left to capture")
    elif kind == Kind.REFUND:
        if order.status not in REFUNDABLE or order.captured_amount <= 0:
            return _("it is %(status)s: only captured orders can be refunded") % {"status": status}
        if order.refundable.is_zero():
            return _("nothing is left to refund")
    elif kind == Kind.CANCEL:
        if order.status not in CANCELABLE or order.captured_amount > 0:
            return _("it is %(status)s: only authorised orders with nothing captured can be canceled "
                     "(refund captured money instead)") % {"status": status}
        if order.capturable.is_zero():
            return _("nothing is left to cancel")
    return None


def fits(order: TamaraOrder, kind: str) -> bool:
    return why_not(order, kind) is None


def held_reason(intent: Intent | None) -> str | None:
    """Why no capture, refund or cancel fits while ``intent`` is open, in the operator's language."""
    if intent is None:
        return None
    return _("Tamara has not confirmed the %(kind)s of %(amount)s sent at %(when)s. Nothing else may move "
             "money on this order until Tamara's records show whether it happened: a webhook or the next "
             "sync settles it, or use Check with Tamara now. If Tamara still shows nothing at %(until)s, "
             "it was not made") % {
        "kind": intent.get_kind_display().lower(), "amount": intent.money,
        "when": f"{timezone.localtime(intent.created_at):%Y-%m-%d %H:%M:%S}",
        "until": f"{timezone.localtime(intents.settle_by(intent)):%H:%M:%S}"}


# Operations: one lifecycle call each, answering with what the operator should read ----------


@dataclass
class Answer:
    """What an operation did: a message for the operator and the audit, and the amount moved."""

    message: str
    amount: Money | None = None
    ok: bool = True


@dataclass(frozen=True)
class Operation:
    """One lifecycle call. Money operations are given the intent :func:`perform` committed."""

    run: Callable[[TamaraOrder, Intent | None], Answer]
    merchant_refund_id: str | None = None

    def __call__(self, order: TamaraOrder, intent: Intent | None = None) -> Answer:
        return self.run(order, intent)


def authorise_op() -> Operation:
    def run(order: TamaraOrder, intent: Intent | None) -> Answer:
        lifecycle.authorise(order)
        return Answer(_("Order %(reference)s is now %(status)s.") % {
            "reference": order.order_reference_id, "status": order.get_status_display()})
    return Operation(run)


def sync_op() -> Operation:
    def run(order: TamaraOrder, intent: Intent | None) -> Answer:
        result = lifecycle.sync(order)
        values = {"reference": order.order_reference_id, "status": order.get_status_display()}
        if result.changed:
            return Answer(_("Order %(reference)s synced from Tamara: now %(status)s.") % values)
        return Answer(_("Order %(reference)s synced from Tamara: nothing changed (%(status)s).") % values)
    return Operation(run)


def check_op() -> Operation:
    """Settle the order's unconfirmed capture, refund or cancel from Tamara's records, now."""
    def run(order: TamaraOrder, intent: Intent | None) -> Answer:
        settled = lifecycle.settle(order)
        if settled is None:
            return Answer(_("Nothing on order %(reference)s was waiting for Tamara.") % {
                "reference": order.order_reference_id})
        values = {"kind": settled.get_kind_display().lower(), "amount": settled.money,
                  "reference": order.order_reference_id, "id": settled.tamara_id,
                  "until": f"{timezone.localtime(intents.settle_by(settled)):%H:%M:%S}"}
        if settled.state == Intent.State.CONFIRMED:
            return Answer(_("Tamara confirmed the %(kind)s of %(amount)s on order %(reference)s (%(id)s).") % values,
                          settled.money)
        if settled.settled:
            return Answer(_("Tamara has no record of the %(kind)s of %(amount)s on order %(reference)s: it was not "
                            "made. The order accepts captures, refunds and cancels again.") % values)
        return Answer(_("Tamara shows no %(kind)s of %(amount)s on order %(reference)s yet. It may still arrive: "
                        "the order stays held until Tamara's records show it, or until %(until)s.") % values)
    return Operation(run)


def capture_op(amount: Money | None, shipping_info: ShippingInfo) -> Operation:
    def run(order: TamaraOrder, intent: Intent | None) -> Answer:
        row = lifecycle.capture(order, amount, shipping_info=shipping_info, intent=intent)
        return Answer(_("Captured %(amount)s on order %(reference)s (Tamara capture %(id)s).") % {
            "amount": row.money, "reference": order.order_reference_id, "id": row.capture_id}, row.money)
    return Operation(run)


def refund_op(amount: Money | None, comment: str, merchant_refund_id: str | None = None) -> Operation:
    def run(order: TamaraOrder, intent: Intent | None) -> Answer:
        row = lifecycle.refund(order, amount, comment=comment, merchant_refund_id=merchant_refund_id or None,
                               intent=intent)
        return Answer(_("Refunded %(amount)s on order %(reference)s (Tamara refund %(id)s).") % {
            "amount": row.money, "reference": order.order_reference_id, "id": row.refund_id}, row.money)
    return Operation(run, merchant_refund_id=merchant_refund_id or None)


def cancel_op(amount: Money | None) -> Operation:
    def run(order: TamaraOrder, intent: Intent | None) -> Answer:
        row = lifecycle.cancel(order, amount, intent=intent)
        return Answer(_("Canceled %(amount)s on order %(reference)s (Tamara cancel %(id)s).") % {
            "amount": row.money, "reference": order.order_reference_id, "id": row.cancel_id}, row.money)
    return Operation(run)


def reference_op(new_reference: str) -> Operation:
    def run(order: TamaraOrder, intent: Intent | None) -> Answer:
        old = order.order_reference_id
        lifecycle.update_reference_id(order, new_reference)
        return Answer(_("Reference id changed from %(old)s to %(new)s.") % {"old": old, "new": new_reference})
    return Operation(run)


def not_confirmed_message(kind: str, amount: Money | None, order: TamaraOrder) -> str:
    return _("Tamara has not confirmed the %(kind)s of %(amount)s on order %(reference)s yet (no answer in "
             "time). Do not try again: it may still happen. The order is held until Tamara's records show "
             "whether it did; a webhook or the next sync settles it, or use Check with Tamara now.") % {
        "kind": SPECS[kind].label.lower(), "amount": amount if amount is not None else "",
        "reference": order.order_reference_id}


# The runner ---------------------------------------------------------------------------------------


@dataclass
class Attempt:
    """The result of one action on one order, as the admin reports it."""

    kind: str
    outcome: str
    message: str
    order: TamaraOrder | None = None
    amount: Money | None = None
    record: OrderAction | None = None
    duplicate_of: OrderAction | None = None

    @property
    def duplicate(self) -> bool:
        return self.duplicate_of is not None

    @property
    def reference(self) -> str:
        return self.order.order_reference_id if self.order is not None else "?"


def _user(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


def perform(
    order_pk: int,
    kind: str,
    user: Any,
    operation: Operation,
    *,
    requested: Money | None = None,
    token: str | None = None,
    seen_left: Decimal | None = None,
) -> Attempt:
    """Run ``operation`` on the order with primary key ``order_pk`` and record the attempt.

    Inside one transaction: lock the order, consume ``token`` (a second use answers with the
    first attempt, without calling Tamara), check the action still fits and that what is left
    is still what the form showed (``seen_left``). A capture, refund or cancel then commits
    its intent with the audit row *before* Tamara is called, outside the transaction, so an
    answer that never comes (or a database that dies meanwhile) leaves a held order and a
    pending audit row for reconciliation to settle, never a lost attempt. Errors become
    outcomes, never exceptions: the admin must not 500 after Tamara was called.
    """
    money_kind = kind in MONEY_KINDS
    intent: Intent | None = None
    with transaction.atomic():
        order = TamaraOrder.objects.select_for_update().filter(pk=order_pk).first()
        if order is None:
            return Attempt(kind, Outcome.SKIPPED, _("the order no longer exists"))
        record = OrderAction(
            order=order, user=_user(user), action=kind, outcome=Outcome.SKIPPED, currency=order.currency,
            amount=requested.amount if requested is not None else None, form_token=token or None,
        )
        if token:
            try:
                with transaction.atomic():
                    record.save()
            except IntegrityError:
                first = OrderAction.objects.select_related("user").filter(form_token=token).first()
                return Attempt(kind, first.outcome if first else Outcome.SKIPPED,
                               _("this form was already submitted; nothing was done again"),
                               order=order, duplicate_of=first or record)

        reason = why_not(order, kind)
        left = left_for(order, kind)
        if reason is None and seen_left is not None and left is not None and left.amount != seen_left:
            reason = _("the order changed since the form was opened: %(left)s is left now; "
                       "check the amount and confirm again") % {"left": left}
        if reason is None and money_kind:
            try:
                intent = lifecycle.open_intent(order, kind, requested, user=_user(user), audit=record,
                                               merchant_refund_id=operation.merchant_refund_id)
            except OrderHeld as error:  # in the operator's language
                reason = held_reason(error.intent)
            except (AmountExceeded, InvalidTransition, MoneyError) as error:
                reason = str(error)
        if reason is not None:
            record.outcome, record.message = Outcome.SKIPPED, str(reason)[:5000]
            record.save()
            return Attempt(kind, Outcome.SKIPPED, str(reason), order=order, amount=requested, record=record)
        if not money_kind:
            outcome, message, answer = _run(operation, order, None, kind, order_pk)
            amount = answer.amount if answer is not None and answer.amount is not None else requested
            record.outcome, record.message = outcome, str(message)[:5000]
            record.amount = amount.amount if amount is not None else None
            record.save()
            return Attempt(kind, outcome, str(message), order=order, amount=amount, record=record)

    # The intent and its audit row are committed: call Tamara, holding no lock.
    assert intent is not None
    outcome, message, answer = _run(operation, order, intent, kind, order_pk)
    amount = answer.amount if answer is not None and answer.amount is not None else intent.money
    try:
        # The outcome is the intent's (settled by the lifecycle, now or later); the words are ours.
        OrderAction.objects.filter(pk=record.pk).update(message=str(message)[:5000])
    except DatabaseError:
        logger.exception("could not record the outcome of admin %s of order %s", kind, order_pk)
    return Attempt(kind, outcome, str(message), order=order, amount=amount, record=record)


def _run(operation: Operation, order: TamaraOrder, intent: Intent | None, kind: str,
         order_pk: int) -> tuple[str, str, Answer | None]:
    """Call ``operation``; every error becomes an outcome and a message for the operator."""
    try:
        if intent is None:
            with transaction.atomic():
                answer = operation(order, None)
        else:
            answer = operation(order, intent)
    except NotConfirmed:
        return Outcome.UNCONFIRMED, not_confirmed_message(kind, intent.money if intent else None, order), None
    except (AmountExceeded, InvalidTransition, MoneyError) as error:
        return Outcome.SKIPPED, str(error), None
    except TamaraAPIError as error:
        return Outcome.FAILED, _("Tamara answered: %(error)s") % {"error": error}, None
    except TamaraError as error:
        return Outcome.FAILED, str(error), None
    except Exception as error:  # never a 500 after a payment call: record and report it
        logger.exception("admin %s of order %s failed", kind, order_pk)
        if intent is not None:  # Tamara may have acted: the intent stays open for reconciliation
            return Outcome.UNCONFIRMED, _("%(message)s (unexpected error: %(error)s)") % {
                "message": not_confirmed_message(kind, intent.money, order),
                "error": f"{type(error).__name__}: {error}"}, None
        return Outcome.FAILED, _("unexpected error: %(error)s") % {"error": f"{type(error).__name__}: {error}"}, None
    return (Outcome.DONE if answer.ok else Outcome.FAILED), answer.message, answer


def perform_many(
    pks: list[int], kind: str, user: Any, operation: Operation, *, token: str | None = None
) -> list[Attempt]:
    """:func:`perform` on each order in turn, each in its own transaction (one lock at a time).

    A bulk form's token is extended with the order's key, so posting the confirmation twice
    acts once per order.
    """
    return [
        perform(pk, kind, user, operation, token=f"{token}:{pk}" if token else None)
        for pk in pks
    ]
