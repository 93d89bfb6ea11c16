"""The runner: every admin action attempt, done, skipped or failed, recorded once.

Every action goes through :mod:`django_tamara.lifecycle` (row lock, amount checks, signals);
the runner adds what only a person at the admin needs:

* an :class:`~django_tamara.models.OrderAction` row for every attempt - done, skipped or
  failed - with the user, the amount and Tamara's answer;
* the one-time form token: inserted with the audit row in the transaction that holds the
  order's lock, so a form posted twice acts once and the second post is answered with the
  first one's outcome;
* errors turned into outcomes, so the admin never answers 500 after Tamara was called.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.utils.translation import gettext as _

from .. import lifecycle
from ..exceptions import AmountExceeded, InvalidTransition, NotConfirmed, OrderHeld, TamaraAPIError, TamaraError
from ..models import Intent, OrderAction, TamaraOrder
from ..money import Money, MoneyError
from .actions import MONEY_KINDS, Outcome, held_reason, left_for, why_not
from .operations import Answer, Operation, not_confirmed_message

logger = logging.getLogger("django_tamara.admin")


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
            order=order,
            user=_user(user),
            action=kind,
            outcome=Outcome.SKIPPED,
            currency=order.currency,
            amount=requested.amount if requested is not None else None,
            form_token=token or None,
        )
        if token:
            try:
                with transaction.atomic():
                    record.save()
            except IntegrityError:
                first = OrderAction.objects.select_related("user").filter(form_token=token).first()
                return Attempt(
                    kind,
                    first.outcome if first else Outcome.SKIPPED,
                    _("this form was already submitted; nothing was done again"),
                    order=order,
                    duplicate_of=first or record,
                )

        reason = why_not(order, kind)
        left = left_for(order, kind)
        if reason is None and seen_left is not None and left is not None and left.amount != seen_left:
            reason = _(
                "the order changed since the form was opened: %(left)s is left now; check the amount and confirm again"
            ) % {"left": left}
        if reason is None and money_kind:
            try:
                intent = lifecycle.open_intent(
                    order,
                    kind,
                    requested,
                    user=_user(user),
                    audit=record,
                    merchant_refund_id=operation.merchant_refund_id,
                )
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


def _run(
    operation: Operation, order: TamaraOrder, intent: Intent | None, kind: str, order_pk: int
) -> tuple[str, str, Answer | None]:
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
            return (
                Outcome.UNCONFIRMED,
                _("%(message)s (unexpected error: %(error)s)")
                % {
                    "message": not_confirmed_message(kind, intent.money, order),
                    "error": f"{type(error).__name__}: {error}",
                },
                None,
            )
        return Outcome.FAILED, _("unexpected error: %(error)s") % {"error": f"{type(error).__name__}: {error}"}, None
    return (Outcome.DONE if answer.ok else Outcome.FAILED), answer.message, answer


def perform_many(
    pks: list[int], kind: str, user: Any, operation: Operation, *, token: str | None = None
) -> list[Attempt]:
    """:func:`perform` on each order in turn, each in its own transaction (one lock at a time).

    A bulk form's token is extended with the order's key, so posting the confirmation twice
    acts once per order.
    """
    return [perform(pk, kind, user, operation, token=f"{token}:{pk}" if token else None) for pk in pks]
