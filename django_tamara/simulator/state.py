"""The simulator's memory and Tamara's rules: orders, their status machine and deadlines.

Locking: one store lock guards the maps (held only for lookups and inserts, never while an
order lock is taken) and one re-entrant lock per order guards its amounts and status. Every
operation runs under its order's lock, so twenty concurrent captures are applied one at a
time and can never capture more than was authorised.

Every operation returns the answer and the :class:`~.events.Event` list it caused; the
caller delivers the events after the lock is released (see ``notifier.py``).

Deadlines (30-minute checkout expiry, 72 hours to authorise, 21-day auto-capture) are
applied lazily whenever an order is touched and eagerly by :meth:`Store.sweep`, which runs
after each clock advance (and periodically when a sweeper thread is enabled).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Iterator

from .money import Money
from .statuses import S, holds_authorisation
from .clock import SimClock, isoformat
from .errors import FieldError, SimulatorError, not_found, status_conflict
from .events import Event
from .limits import PaymentLimits
from .orders import Order
from .validation import (
    new_id,
    optional_money,
    parse_money,
    parse_shipping_info,
    require_object,
    required_money,
    required_text,
    validate_checkout,
)

__all__ = ["Store"]

#: Before any capture, a cancel is allowed (Tamara's cancel-order page: cancel before capture, refund after).
_CANCELABLE = frozenset({S.AUTHORISED, S.UPDATED})

_CAPTURED = frozenset({S.PARTIALLY_CAPTURED, S.FULLY_CAPTURED, S.PARTIALLY_REFUNDED, S.FULLY_REFUNDED})




def _positive(amount: Money, field: str) -> None:
    if amount.is_zero():
        raise SimulatorError(400, f"{field} must be greater than zero", "invalid_amount", {"field": field})


class Store:
    """All simulated state of one merchant account."""

    def __init__(
        self, clock: SimClock, limits: PaymentLimits, *, auto_authorise: bool = False, strict_totals: bool = False
    ) -> None:
        self.clock = clock
        self.limits = limits
        self.auto_authorise = auto_authorise
        self.strict_totals = strict_totals
        self._lock = threading.Lock()
        self._orders: dict[str, Order] = {}
        self._by_checkout: dict[str, Order] = {}
        self._by_reference: dict[str, Order] = {}

    def reset(self) -> None:
        with self._lock:
            self._orders.clear()
            self._by_checkout.clear()
            self._by_reference.clear()

    # Lookups -----------------------------------------------------------------------------

    def _order(self, order_id: Any) -> Order:
        with self._lock:
            order = self._orders.get(order_id) if isinstance(order_id, str) else None
        if order is None:
            raise not_found("Order")
        return order

    def order_for_checkout(self, checkout_id: str) -> Order:
        with self._lock:
            order = self._by_checkout.get(checkout_id)
        if order is None:
            raise not_found("Checkout")
        return order

    def order_id_for_reference(self, reference: str) -> str:
        with self._lock:
            order = self._by_reference.get(reference)
        if order is None:
            raise not_found("Order")
        return order.order_id

    def orders(self) -> list[Order]:
        with self._lock:
            return list(self._orders.values())

    @contextmanager
    def _locked(self, order: Order, events: list[Event]) -> Iterator[Order]:
        """Hold the order's lock, with any deadline that has passed applied first."""
        with order.lock:
            events.extend(self._apply_deadlines(order, self.clock.now()))
            yield order

    # Deadlines ---------------------------------------------------------------------------

    def _apply_deadlines(self, order: Order, now: datetime) -> list[Event]:
        """Expire or auto-capture ``order`` if its current deadline has passed (lock held)."""
        deadline = order.deadline()
        if deadline is None or deadline > now:
            return []
        if order.status in (S.NEW, S.APPROVED):
            order.set_status(S.EXPIRED)
            return [self._event(order, "order_expired", deadline)]
        # An authorisation with an uncaptured remainder (any status, partially_refunded too):
        # Tamara captures what is left after 21 days.
        return [self._capture(order, order.authorised_remaining, at=deadline, auto=True)]

    def sweep(self) -> list[Event]:
        """Apply every passed deadline now; the events come back in deadline order."""
        now = self.clock.now()
        events: list[Event] = []
        for order in self.orders():
            deadline = order.deadline()
            if deadline is not None and deadline <= now:
                with order.lock:
                    events.extend(self._apply_deadlines(order, now))
        events.sort(key=lambda e: e.at)
        return events

    # Helpers -----------------------------------------------------------------------------

    def _event(self, order: Order, event_type: str, at: datetime | None = None, **data: Any) -> Event:
        return Event(
            event_type=event_type,
            order_id=order.order_id,
            order_reference_id=order.order_reference_id,
            order_number=order.order_number,
            status=str(order.status),
            notification_url=order.notification_url,
            at=at or self.clock.now(),
            data={k: (v.to_api() if isinstance(v, Money) else v) for k, v in data.items()},
        )

    def _capture(
        self,
        order: Order,
        amount: Money,
        *,
        at: datetime,
        auto: bool = False,
        shipping_info: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Event:
        body = body or {}
        currency = order.currency
        capture = {
            "capture_id": new_id(),
            "order_id": order.order_id,
            "total_amount": amount,
            "refunded_amount": Money.zero(currency),
            "shipping_info": shipping_info or {},
            "items": body.get("items") or [],
            "shipping_amount": optional_money(body, "shipping_amount", currency),
            "tax_amount": optional_money(body, "tax_amount", currency),
            "discount_amount": optional_money(body, "discount_amount", currency),
            "created_at": at,
            "auto": auto,
        }
        order.captures.append(capture)
        order.captured_amount += amount
        order.apply_amounts()
        return self._event(order, "order_captured", at, capture_id=capture["capture_id"], captured_amount=amount)

    # Checkout ----------------------------------------------------------------------------

    def create_checkout(self, body: Any, base_url: str) -> tuple[dict[str, Any], Order]:
        request = validate_checkout(body, self.limits, strict_totals=self.strict_totals)
        payload = request.payload
        order = Order(
            order_id=new_id(),
            checkout_id=new_id(),
            order_reference_id=payload["order_reference_id"],
            order_number=str(payload.get("order_number") or payload["order_reference_id"]),
            payload=payload,
            total_amount=request.total_amount,
            tax_amount=request.tax_amount,
            shipping_amount=request.shipping_amount,
            discount_name=request.discount_name,
            discount_amount=request.discount_amount,
            payment_type=request.payment_type,
            instalments=request.instalments,
            created_at=self.clock.now(),
            expires_in_minutes=request.expires_in_minutes,
            decline_on_approve=request.decline_on_approve,
        )
        with self._lock:
            self._orders[order.order_id] = order
            self._by_checkout[order.checkout_id] = order
            # A retried session for the same reference replaces the older one in the lookup.
            self._by_reference[order.order_reference_id] = order
        answer = {
            "order_id": order.order_id,
            "checkout_id": order.checkout_id,
            "checkout_url": f"{base_url}/checkout/{order.checkout_id}",
            "status": str(order.status),
        }
        return answer, order

    def get(self, order_id: str) -> tuple[dict[str, Any], list[Event]]:
        events: list[Event] = []
        with self._locked(self._order(order_id), events) as order:
            return order.to_api(), events

    def get_json(self, order_id: str) -> tuple[bytes, list[Event]]:
        """The order's JSON as bytes (cached between changes), for the HTTP GET endpoints."""
        events: list[Event] = []
        with self._locked(self._order(order_id), events) as order:
            return order.to_api_bytes(), events

    def get_by_reference(self, reference: str) -> tuple[dict[str, Any], list[Event]]:
        return self.get(self.order_id_for_reference(reference))

    def snapshot(self, order: Order) -> tuple[Order, list[Event]]:
        """The order with its deadlines applied (for the hosted page)."""
        events: list[Event] = []
        with self._locked(order, events):
            return order, events

    # Customer actions --------------------------------------------------------------------

    def approve(self, order_id: str) -> tuple[dict[str, Any], list[Event]]:
        """The customer approves (and pays the first instalment); the sandbox phone declines."""
        events: list[Event] = []
        with self._locked(self._order(order_id), events) as order:
            self._require_new(order, S.APPROVED)
            if order.decline_on_approve:
                order.set_status(S.DECLINED)
                events.append(self._event(order, "order_declined"))
                return self._status(order), events
            now = self.clock.now()
            order.set_status(S.APPROVED)
            order.approved_at = now
            order.paid_amount = order.first_instalment()
            events.append(self._event(order, "order_approved", now))
            if self.auto_authorise:
                # Merchant-level auto-authorisation: new → approved → fully_captured, no authorise call.
                order.set_status(S.AUTHORISED)
                order.authorised_at = now
                order.auto_captured = True
                events.append(self._capture(order, order.authorised_remaining, at=now, auto=True))
            return self._status(order), events

    def decline(self, order_id: str) -> tuple[dict[str, Any], list[Event]]:
        events: list[Event] = []
        with self._locked(self._order(order_id), events) as order:
            self._require_new(order, S.DECLINED)
            order.set_status(S.DECLINED)
            events.append(self._event(order, "order_declined"))
            return self._status(order), events

    def customer_cancel(self, order_id: str) -> tuple[dict[str, Any], list[Event]]:
        """The customer leaves the hosted page: nothing changes, the session expires later."""
        events: list[Event] = []
        with self._locked(self._order(order_id), events) as order:
            self._require_new(order, S.NEW)
            return self._status(order), events

    def expire(self, order_id: str) -> tuple[dict[str, Any], list[Event]]:
        """Expire a new or approved order now, as if its deadline had passed."""
        events: list[Event] = []
        with self._locked(self._order(order_id), events) as order:
            if order.status not in (S.NEW, S.APPROVED):
                raise status_conflict(
                    "invalid_order_status", f"An order in status {order.status} cannot expire", order.status, S.EXPIRED
                )
            order.set_status(S.EXPIRED)
            events.append(self._event(order, "order_expired"))
            return self._status(order), events

    @staticmethod
    def _require_new(order: Order, target: str) -> None:
        if order.status != S.NEW:
            raise status_conflict(
                "invalid_order_status",
                f"The checkout is no longer open: the order is {order.status}",
                str(order.status),
                str(target),
            )

    @staticmethod
    def _status(order: Order) -> dict[str, Any]:
        return {"order_id": order.order_id, "status": str(order.status)}

    # Merchant API: order operations -----------------------------------------------------

    def authorise(self, order_id: str) -> tuple[dict[str, Any], list[Event]]:
        events: list[Event] = []
        with self._locked(self._order(order_id), events) as order:
            if order.auto_captured and order.status == S.FULLY_CAPTURED:
                # Auto-authorised merchants get the captured order back, not a conflict.
                return self._authorise_answer(order, auto=True), events
            if order.status != S.APPROVED:
                code = (
                    "order_already_authorised"
                    if holds_authorisation(order.status)
                    else "invalid_order_status"
                )
                raise status_conflict(
                    code, f"The order cannot be authorised: its status is {order.status}", str(order.status), S.AUTHORISED
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
            extras = {k: optional_money(body, k, order.currency) for k in ("shipping_amount", "tax_amount", "discount_amount")}
            if order.status in _CAPTURED:
                raise SimulatorError(
                    400,
                    "The order has captures and cannot be canceled; refund it instead",
                    "order_already_captured",
                    {"old_state": str(order.status), "new_state": S.CANCELED},
                )
            if order.status not in _CANCELABLE:
                code = "order_already_canceled" if order.status == S.CANCELED else "invalid_order_status"
                raise status_conflict(code, f"The order cannot be canceled: its status is {order.status}", str(order.status), S.CANCELED)
            _positive(amount, "total_amount")
            remaining = order.cancelable_remaining
            if amount > remaining:
                raise SimulatorError(
                    400,
                    f"total_amount {amount} is more than the {remaining} left to cancel",
                    "cancel.amount_exceeded",
                    {"field": "total_amount", "remaining": remaining.to_api()},
                )
            now = self.clock.now()
            cancel = {"cancel_id": new_id(), "total_amount": amount, "items": body.get("items") or [], "created_at": now, **extras}
            order.cancels.append(cancel)
            order.canceled_amount += amount
            order.apply_amounts()
            events.append(self._event(order, "order_canceled", now, cancel_id=cancel["cancel_id"], canceled_amount=amount))
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
                    code, f"The order cannot be captured: its status is {order.status}", str(order.status), S.FULLY_CAPTURED
                )
            _positive(amount, "total_amount")
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

    def simplified_refund(self, order_id: str, body: Any) -> tuple[dict[str, Any], list[Event]]:
        order = self._order(order_id)
        body = require_object(body)
        events: list[Event] = []
        with self._locked(order, events):
            amount = required_money(body, "total_amount", order.currency)
            comment = required_text(body, "comment")
            merchant_refund_id = body.get("merchant_refund_id")
            if merchant_refund_id is not None and not isinstance(merchant_refund_id, str):
                merchant_refund_id = str(merchant_refund_id)
            if merchant_refund_id and merchant_refund_id in order.merchant_refund_ids:
                raise SimulatorError(
                    409,
                    f"A refund with merchant_refund_id {merchant_refund_id!r} was already made",
                    "refund.merchant_refund_id_already_used",
                    {"refund_id": order.merchant_refund_ids[merchant_refund_id]},
                )
            if not order.captures:
                raise SimulatorError(400, "refund.capture_not_found: the order has no capture to refund", "refund.capture_not_found")
            _positive(amount, "total_amount")
            self._check_refundable(amount, order.refundable_remaining)
            # Refund against the captures in order, oldest first; the refund names the first.
            left, first_capture = amount, None
            for capture in order.captures:
                available = capture["total_amount"] - capture["refunded_amount"]
                if left.is_zero() or available.is_zero():
                    continue
                take = min(available, left)
                capture["refunded_amount"] += take
                left -= take
                first_capture = first_capture or capture["capture_id"]
            refund = self._add_refund(order, amount, first_capture, comment, merchant_refund_id)
            events.append(refund[1])
            answer = {
                "order_id": order.order_id,
                "comment": comment,
                "refund_id": refund[0]["refund_id"],
                "capture_id": first_capture,
                "status": str(order.status),
                "refunded_amount": amount.to_api(),
            }
            return answer, events

    def refund(self, body: Any) -> tuple[dict[str, Any], list[Event]]:
        """The legacy refund: explicit amounts against named captures, all or nothing."""
        body = require_object(body)
        order = self._order(required_text(body, "order_id"))
        refunds = body.get("refunds")
        if not isinstance(refunds, list) or not refunds or not all(isinstance(r, dict) for r in refunds):
            raise SimulatorError(400, "refunds must be a non-empty list of objects", "refunds_required", {"field": "refunds"})
        events: list[Event] = []
        with self._locked(order, events):
            captures = {c["capture_id"]: c for c in order.captures}
            wanted: dict[str, Money] = {}
            planned = []
            for i, entry in enumerate(refunds):
                capture_id = entry.get("capture_id")
                capture = captures.get(capture_id) if isinstance(capture_id, str) else None
                if capture is None:
                    raise SimulatorError(
                        400,
                        f"refund.capture_not_found: refunds[{i}].capture_id is not a capture of this order",
                        "refund.capture_not_found",
                        {"field": f"refunds[{i}].capture_id"},
                    )
                if entry.get("total_amount") in (None, {}):
                    raise SimulatorError.from_fields(
                        [FieldError("refunds_total_amount_required", f"refunds[{i}].total_amount is required", {"field": f"refunds[{i}].total_amount"})]
                    )
                amount = parse_money(entry["total_amount"], f"refunds[{i}].total_amount", order.currency)
                _positive(amount, f"refunds[{i}].total_amount")
                wanted[capture["capture_id"]] = wanted.get(capture["capture_id"], Money.zero(order.currency)) + amount
                self._check_refundable(wanted[capture["capture_id"]], capture["total_amount"] - capture["refunded_amount"])
                planned.append((capture, amount, entry))
            answer_refunds = []
            for capture, amount, entry in planned:
                capture["refunded_amount"] += amount
                comment = entry.get("comment") if isinstance(entry.get("comment"), str) else ""
                record, event = self._add_refund(order, amount, capture["capture_id"], comment, None)
                events.append(event)
                answer_refunds.append({"capture_id": capture["capture_id"], "refund_id": record["refund_id"]})
            return {"order_id": order.order_id, "refunds": answer_refunds}, events

    @staticmethod
    def _check_refundable(amount: Money, remaining: Money) -> None:
        if amount > remaining:
            raise SimulatorError(
                400,
                f"refund.amount_exceeded: {amount} is more than the {remaining} left to refund",
                "refund.amount_exceeded",
                {"field": "total_amount", "remaining": remaining.to_api()},
            )

    def _add_refund(
        self, order: Order, amount: Money, capture_id: str | None, comment: str, merchant_refund_id: str | None
    ) -> tuple[dict[str, Any], Event]:
        now = self.clock.now()
        record = {
            "refund_id": new_id(),
            "capture_id": capture_id,
            "total_amount": amount,
            "comment": comment,
            "merchant_refund_id": merchant_refund_id,
            "created_at": now,
        }
        order.refunds.append(record)
        if merchant_refund_id:
            order.merchant_refund_ids[merchant_refund_id] = record["refund_id"]
        order.refunded_amount += amount
        order.apply_amounts()
        # As on Tamara's "Getting Started with Webhooks" page, the event carries the refund's comment (#13).
        event = self._event(order, "order_refunded", now, refund_id=record["refund_id"], capture_id=capture_id,
                            refunded_amount=amount, comment=comment)
        return record, event
