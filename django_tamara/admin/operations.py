"""The admin's operations: one lifecycle call each, answering in the operator's words.

A form builds an :class:`Operation` from what the operator typed; the runner
(:mod:`.runner`) decides when to call it. Keeping the calls apart from the runner lets each
form name its operation without knowing about locks, tokens or the audit row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import lifecycle
from ..client import ShippingInfo
from ..lifecycle import intents
from ..models import Intent, TamaraOrder
from ..money import Money
from .actions import SPECS


@dataclass
class Answer:
    """What an operation did: a message for the operator and the audit, and the amount moved."""

    message: str
    amount: Money | None = None
    ok: bool = True


@dataclass(frozen=True)
class Operation:
    """One lifecycle call. Money operations are given the intent :func:`.runner.perform` committed."""

    run: Callable[[TamaraOrder, Intent | None], Answer]
    merchant_refund_id: str | None = None

    def __call__(self, order: TamaraOrder, intent: Intent | None = None) -> Answer:
        return self.run(order, intent)


def authorise_op() -> Operation:
    def run(order: TamaraOrder, intent: Intent | None) -> Answer:
        lifecycle.authorise(order)
        return Answer(
            _("Order %(reference)s is now %(status)s.")
            % {"reference": order.order_reference_id, "status": order.get_status_display()}
        )

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
        settled = lifecycle.check_attempt(order)
        if settled is None:
            return Answer(
                _("Nothing on order %(reference)s was waiting for Tamara.") % {"reference": order.order_reference_id}
            )
        values = {
            "kind": settled.get_kind_display().lower(),
            "amount": settled.money,
            "reference": order.order_reference_id,
            "id": settled.tamara_id,
            "until": f"{timezone.localtime(intents.settle_by(settled)):%H:%M:%S}",
        }
        if settled.state == Intent.State.CONFIRMED:
            return Answer(
                _("Tamara confirmed the %(kind)s of %(amount)s on order %(reference)s (%(id)s).") % values,
                settled.money,
            )
        if settled.settled:
            return Answer(
                _(
                    "Tamara has no record of the %(kind)s of %(amount)s on order %(reference)s: it was not "
                    "made. The order accepts captures, refunds and cancels again."
                )
                % values
            )
        return Answer(
            _(
                "Tamara shows no %(kind)s of %(amount)s on order %(reference)s yet. It may still arrive: "
                "the order stays held until Tamara's records show it, or until %(until)s."
            )
            % values
        )

    return Operation(run)


def capture_op(amount: Money | None, shipping_info: ShippingInfo) -> Operation:
    def run(order: TamaraOrder, intent: Intent | None) -> Answer:
        row = lifecycle.capture(order, amount, shipping_info=shipping_info, intent=intent)
        return Answer(
            _("Captured %(amount)s on order %(reference)s (Tamara capture %(id)s).")
            % {"amount": row.money, "reference": order.order_reference_id, "id": row.capture_id},
            row.money,
        )

    return Operation(run)


def refund_op(amount: Money | None, comment: str, merchant_refund_id: str | None = None) -> Operation:
    def run(order: TamaraOrder, intent: Intent | None) -> Answer:
        row = lifecycle.refund(
            order, amount, comment=comment, merchant_refund_id=merchant_refund_id or None, intent=intent
        )
        return Answer(
            _("Refunded %(amount)s on order %(reference)s (Tamara refund %(id)s).")
            % {"amount": row.money, "reference": order.order_reference_id, "id": row.refund_id},
            row.money,
        )

    return Operation(run, merchant_refund_id=merchant_refund_id or None)


def cancel_op(amount: Money | None) -> Operation:
    def run(order: TamaraOrder, intent: Intent | None) -> Answer:
        row = lifecycle.cancel(order, amount, intent=intent)
        return Answer(
            _("Canceled %(amount)s on order %(reference)s (Tamara cancel %(id)s).")
            % {"amount": row.money, "reference": order.order_reference_id, "id": row.cancel_id},
            row.money,
        )

    return Operation(run)


def reference_op(new_reference: str) -> Operation:
    def run(order: TamaraOrder, intent: Intent | None) -> Answer:
        old = order.order_reference_id
        lifecycle.update_reference_id(order, new_reference)
        return Answer(_("Reference id changed from %(old)s to %(new)s.") % {"old": old, "new": new_reference})

    return Operation(run)


def not_confirmed_message(kind: str, amount: Money | None, order: TamaraOrder) -> str:
    return _(
        "Tamara has not confirmed the %(kind)s of %(amount)s on order %(reference)s yet (no answer in "
        "time). Do not try again: it may still happen. The order is held until Tamara's records show "
        "whether it did; a webhook or the next sync settles it, or use Check with Tamara now."
    ) % {
        "kind": str(SPECS[kind].label).lower(),
        "amount": amount if amount is not None else "",
        "reference": order.order_reference_id,
    }
