"""The merchant API's calls on one order, apart from refunds (``refunds.py``).

Each checks, under the order's lock and before it changes anything, that the order may take
the call (from its amounts, not its status alone, issue #13), so a refusal leaves the order
exactly as it was and two concurrent calls can never both pass the check.
"""

from __future__ import annotations

from typing import Any

from .body_fields import optional_money, parse_shipping_info, require_object, required_money, required_text
from .clock import isoformat
from .errors import SimulatorError, status_conflict
from .events import Event
from .ids import new_id
from .orderbook import OrderBook, require_positive
from .orders import Order
from .statuses import S, holds_authorisation

__all__ = ["MerchantActions"]

#: Before any capture, a cancel is allowed (Tamara's cancel-order page: cancel before capture, refund after).
_CANCELABLE = frozenset({S.AUTHORISED, S.UPDATED})

_CAPTURED = frozenset({S.PARTIALLY_CAPTURED, S.FULLY_CAPTURED, S.PARTIALLY_REFUNDED, S.FULLY_REFUNDED})


class MerchantActions(OrderBook):
    """Authorise, cancel, update the reference id of, and capture an order."""

    def authorise(self, order_id: str) -> tuple[dict[str, Any], list[Event]]:
        events: list[Event] = []
        with self._locked(self._order(order_id), events) as order:
            if order.auto_captured and order.status == S.FULLY_CAPTURED:
                # Auto-authorised merchants get the captured order back, not a conflict.
                return self._authorise_answer(order, auto=True), events
            if order.status != S.APPROVED:
                code = "order_already_authorised" if holds_authorisation(order.status) else "invalid_order_status"
                raise status_conflict(
                    code,
                    f"The order cannot be authorised: its status is {order.status}",
                    str(order.status),
                    S.AUTHORISED,
                )
            now = self.clock.now()
            order.set_status(S.AUTHORISED)
            order.authorised_at = now
            events.append(self._event(order, "order_authorised", now))
            return self._authorise_answer(order), events

    @staticmethod
    def _authorise_answer(order: Order, auto: bool = False) -> dict[str, Any]:
        return {
            "order_id": order.order_id,
            "status": str(order.status),
            "order_expiry_time": isoformat(order.deadline()),
            "payment_type": order.payment_type,
            "auto_captured": auto,
            "authorized_amount": (order.total_amount - order.canceled_amount).to_api(),
            "capture_id": order.captures[0]["capture_id"] if auto and order.captures else None,
        }

    def cancel(self, order_id: str, body: Any) -> tuple[dict[str, Any], list[Event]]:
        events: list[Event] = []
        order = self._order(order_id)
        body = require_object(body)
        with self._locked(order, events):
            amount = required_money(body, "total_amount", order.currency)
            extras = {
                k: optional_money(body, k, order.currency) for k in ("shipping_amount", "tax_amount", "discount_amount")
            }
            if order.status in _CAPTURED:
                raise SimulatorError(
                    400,
                    "The order has captures and cannot be canceled; refund it instead",
                    "order_already_captured",
                    {"old_state": str(order.status), "new_state": S.CANCELED},
                )
            if order.status not in _CANCELABLE:
                code = "order_already_canceled" if order.status == S.CANCELED else "invalid_order_status"
                raise status_conflict(
                    code, f"The order cannot be canceled: its status is {order.status}", str(order.status), S.CANCELED
                )
            require_positive(amount, "total_amount")
            remaining = order.cancelable_remaining
            if amount > remaining:
                raise SimulatorError(
                    400,
                    f"total_amount {amount} is more than the {remaining} left to cancel",
                    "cancel.amount_exceeded",
                    {"field": "total_amount", "remaining": remaining.to_api()},
                )
            now = self.clock.now()
            cancel = {
                "cancel_id": new_id(),
                "total_amount": amount,
                "items": body.get("items") or [],
                "created_at": now,
                **extras,
            }
            order.cancels.append(cancel)
            order.canceled_amount += amount
            order.apply_amounts()
            events.append(
                self._event(order, "order_canceled", now, cancel_id=cancel["cancel_id"], canceled_amount=amount)
            )
            answer = {
                "order_id": order.order_id,
                "cancel_id": cancel["cancel_id"],
                "status": str(order.status),
                "canceled_amount": amount.to_api(),
            }
            return answer, events

    def update_reference(self, order_id: str, body: Any) -> tuple[dict[str, Any], list[Event]]:
        events: list[Event] = []
        order = self._order(order_id)
        new_reference = required_text(require_object(body), "order_reference_id")
        with self._locked(order, events):
            old_reference = order.order_reference_id
            order.order_reference_id = new_reference
            order.touch()
            if order.order_number == old_reference and not order.payload.get("order_number"):
                order.order_number = new_reference
            with self._lock:
                if self._by_reference.get(old_reference) is order:
                    del self._by_reference[old_reference]
                self._by_reference[new_reference] = order
        return {"message": "Order reference id was updated successfully"}, events

    def capture(self, body: Any) -> tuple[dict[str, Any], list[Event]]:
        body = require_object(body)
        order = self._order(required_text(body, "order_id"))
        events: list[Event] = []
        with self._locked(order, events):
            amount = required_money(body, "total_amount", order.currency)
            shipping_info = parse_shipping_info(body.get("shipping_info"))
            for key in ("shipping_amount", "tax_amount", "discount_amount"):
                optional_money(body, key, order.currency)
            # Eligibility comes from the amounts, not the status alone (issue #13): whatever was
            # authorised and neither canceled nor captured may be captured, partially_refunded
            # orders included.
            if not holds_authorisation(order.status) or not order.authorised_remaining:
                code = "order_already_captured" if order.status in _CAPTURED else "invalid_order_status"
                raise status_conflict(
                    code,
                    f"The order cannot be captured: its status is {order.status}",
                    str(order.status),
                    S.FULLY_CAPTURED,
                )
            require_positive(amount, "total_amount")
            remaining = order.authorised_remaining
            if amount > remaining:
                raise SimulatorError(
                    400,
                    f"total_amount {amount} is more than the {remaining} left to capture",
                    "capture.amount_exceeded",
                    {"field": "total_amount", "remaining": remaining.to_api()},
                )
            event = self._capture(order, amount, at=self.clock.now(), shipping_info=shipping_info, body=body)
            events.append(event)
            answer = {
                "order_id": order.order_id,
                "capture_id": event.data["capture_id"],
                "status": str(order.status),
                "captured_amount": amount.to_api(),
            }
            return answer, events
