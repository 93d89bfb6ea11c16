"""Captures, refunds and cancels Tamara has not confirmed: remember them, hold the order, settle them.

A payment call whose answer never came may have moved the money. Looking once at once (a
sync straight after a timeout) cannot tell "not done" from "not visible yet": Tamara may
still be processing the request (#12: a capture answered after 35 s was taken for "nothing
happened", the operator tried again, and Tamara captured twice). So the lifecycle commits an
:class:`~django_tamara.models.Intent` *before* it calls Tamara, and this module settles it
from Tamara's own records only:

* **confirmed** when the order's ledger, as Tamara reports it, holds a transaction that
  matches the intent (the refund's ``merchant_refund_id``, else the kind and the amount,
  recorded after the intent was sent and not claimed by another intent);
* **refused** or **not made** when Tamara answered with an error, the request never left, or
  Tamara still shows nothing once ``SETTLE_WINDOW_SECONDS`` have passed.

Until then the order is *held*: :func:`refuse_if_held` stops every other capture, refund and
cancel, and a partial unique index makes a second unsettled intent impossible. Only the
lifecycle writes through this module; it writes the intent and the audit row that started it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import IntegrityError
from django.utils import timezone

from .. import compiled
from ..conf import tamara_settings
from ..exceptions import OrderHeld
from ..models import Cancellation, Capture, Intent, LedgerRow, OrderAction, Refund, TamaraOrder
from ..money import Money

State = Intent.State
Kind = Intent.Kind

#: Per kind: the ledger model and its Tamara id field.
LEDGER: dict[str, tuple[type[LedgerRow], str]] = {
    Kind.CAPTURE: (Capture, "capture_id"),
    Kind.REFUND: (Refund, "refund_id"),
    Kind.CANCEL: (Cancellation, "cancel_id"),
}

#: A ledger row recorded this long before its intent (clocks of two processes) still matches it.
CLOCK_SKEW = dt.timedelta(seconds=2)

#: The audit outcome each intent state gives the attempt that started it.
AUDIT_OUTCOME: dict[str, str] = {
    State.SENT: OrderAction.Outcome.PENDING,
    State.UNCONFIRMED: OrderAction.Outcome.UNCONFIRMED,
    State.CONFIRMED: OrderAction.Outcome.DONE,
    State.REFUSED: OrderAction.Outcome.FAILED,
    State.ABSENT: OrderAction.Outcome.FAILED,
}


#: Asked before every capture, refund and cancel: compiled once (#17).
_UNSETTLED = compiled.CompiledQuery(
    lambda order_pk: Intent.objects.filter(order_id=order_pk, state__in=Intent.UNSETTLED).order_by("pk")
)


def unsettled(order: TamaraOrder) -> Intent | None:
    """The order's attempt whose outcome is not known yet, if any (there is at most one)."""
    return _UNSETTLED.first(order.pk)


def settle_by(intent: Intent) -> dt.datetime:
    """When Tamara showing nothing is taken to mean the attempt was not made."""
    return intent.created_at + dt.timedelta(seconds=tamara_settings.SETTLE_WINDOW_SECONDS)


def held_message(intent: Intent) -> str:
    return (
        f"order {intent.order.order_reference_id} is held: Tamara has not confirmed the {intent.kind} of "
        f"{intent.money} sent at {timezone.localtime(intent.created_at):%Y-%m-%d %H:%M:%S}; no other capture, "
        f"refund or cancel until Tamara's records show whether it happened (a webhook, a sync, or at the "
        f"latest {timezone.localtime(settle_by(intent)):%H:%M:%S} if Tamara shows nothing)"
    )


def refuse_if_held(order: TamaraOrder) -> None:
    """Raise :class:`~.exceptions.OrderHeld` when the order has an unsettled attempt."""
    intent = unsettled(order)
    if intent is not None:
        raise OrderHeld(held_message(intent), intent=intent)


def open_intent(
    locked: TamaraOrder, kind: str, amount: Money, *, user: Any = None, merchant_refund_id: str | None = None
) -> Intent:
    """Record the attempt (the caller holds the order's lock, has called :func:`refuse_if_held`,
    and commits before calling Tamara)."""
    if kind == Kind.REFUND and not merchant_refund_id:
        # Tamara refuses a second refund with the same merchant_refund_id, so even a repeat
        # that slipped past every check here could not refund twice.
        merchant_refund_id = f"django-tamara-{uuid.uuid4().hex}"
    # No savepoint of its own (two round trips on every attempt, #17): under the order's lock
    # and after refuse_if_held, the partial unique index cannot refuse this row. Should it
    # ever, the caller's atomic block rolls back with the error, since no query can follow
    # a refused INSERT in the same transaction.
    intent = Intent(
        order=locked,
        kind=kind,
        amount=amount.amount,
        currency=amount.currency,
        merchant_refund_id=merchant_refund_id or "",
        user=user if getattr(user, "pk", None) else None,
    )
    try:
        compiled.insert(intent)
    except IntegrityError as error:  # the partial unique index: another attempt is unsettled
        raise OrderHeld(
            f"order {locked.order_reference_id} is held: another capture, refund or cancel is not "
            "confirmed by Tamara yet"
        ) from error
    intent._has_audit = False  # until link_audit: _write then skips the audit UPDATE (#17)
    return intent


def link_audit(intent: Intent, record: OrderAction) -> None:
    """Tie the admin's audit row to the attempt: its outcome now follows the attempt's."""
    record.intent = intent
    record.outcome = OrderAction.Outcome.PENDING
    record.amount = intent.amount
    record.save()
    intent._has_audit = True


def _write(intent: Intent, state: str, *, message: str, tamara_id: str = "", only_if: tuple[str, ...]) -> bool:
    """Move the intent to ``state`` if it is still in one of ``only_if``; the audit row follows."""
    now = timezone.now()
    values: dict[str, Any] = {"state": state, "message": message[:5000]}
    if tamara_id:
        values["tamara_id"] = tamara_id
    if state not in Intent.UNSETTLED:
        values["settled_at"] = now
    for name, value in values.items():
        setattr(intent, name, value)
    # The compare-and-set UPDATE, built once (#17): every capture, refund and cancel settles one.
    moved = compiled.update_if(intent, list(values), only_if=("state", tuple(only_if)))
    if moved:
        # An intent read from the database may have an audit row; one this process opened
        # without one (a shop's own capture, not the admin's) has none to update.
        if intent._has_audit:
            OrderAction.objects.filter(intent_id=intent.pk).update(outcome=AUDIT_OUTCOME[state], message=message[:5000])
    else:
        intent.refresh_from_db()
    return moved


def mark_unconfirmed(intent: Intent, cause: Exception) -> None:
    """Tamara's answer never came (or was a 5xx): the attempt may have happened."""
    _write(
        intent,
        State.UNCONFIRMED,
        only_if=(State.SENT,),
        message=(
            f"Tamara has not confirmed the {intent.kind} of {intent.money} ({type(cause).__name__}); "
            "it may still happen: do not repeat it, the order is held until Tamara's records settle it"
        ),
    )


def confirm(intent: Intent, tamara_id: str) -> bool:
    return _write(
        intent,
        State.CONFIRMED,
        tamara_id=tamara_id,
        only_if=Intent.UNSETTLED,
        message=f"Tamara confirmed the {intent.kind} of {intent.money} ({tamara_id})",
    )


def refuse(intent: Intent, reason: str, *, state: str = State.REFUSED) -> bool:
    """Tamara answered no (``REFUSED``), or has no record of it (``ABSENT``): nothing moved."""
    return _write(
        intent, state, only_if=Intent.UNSETTLED, message=f"the {intent.kind} of {intent.money} was not made: {reason}"
    )


def matching_row(locked: TamaraOrder, intent: Intent) -> LedgerRow | None:
    """The ledger row Tamara recorded for ``intent``, if the ledger (just synced) has one."""
    model, key = LEDGER[intent.kind]
    claimed = (
        Intent.objects.filter(order_id=locked.pk, kind=intent.kind, state=State.CONFIRMED)
        .exclude(pk=intent.pk)
        .values_list("tamara_id", flat=True)
    )
    rows = model.objects.filter(order_id=locked.pk).exclude(**{f"{key}__in": list(claimed)})
    if intent.kind == Kind.REFUND and intent.merchant_refund_id:
        # Only a refund has the field; ``rows`` is typed as any ledger, hence the mapping.
        row = rows.filter(**{"merchant_refund_id": intent.merchant_refund_id}).first()
        if row is not None:
            return row
    return (
        rows.filter(amount=intent.amount, date_created__gte=intent.created_at - CLOCK_SKEW)
        .order_by("date_created", "pk")
        .first()
    )


def settle_from_ledger(locked: TamaraOrder, *, now: dt.datetime | None = None) -> list[Intent]:
    """Settle the order's open attempts against its ledger, which the caller just synced from Tamara.

    Returns the intents it settled. An attempt stays open while Tamara shows nothing and its
    settling window has not passed.
    """
    now = now or timezone.now()
    settled = []
    # Not select_related("order"): the caller holds the order already, and the join would
    # compile and read every column of it again on each sync (#17). At most one is open (the
    # partial unique index); all are read, should a database without such indexes hold more.
    for intent in _UNSETTLED.rows(locked.pk, limit=None):
        intent.order = locked
        row = matching_row(locked, intent)
        if row is not None:
            if confirm(intent, getattr(row, LEDGER[intent.kind][1])):
                settled.append(intent)
        elif now >= settle_by(intent):
            if refuse(
                intent,
                f"Tamara shows no such {intent.kind} {tamara_settings.SETTLE_WINDOW_SECONDS} s after it was sent",
                state=State.ABSENT,
            ):
                settled.append(intent)
    return settled
