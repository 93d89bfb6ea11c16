"""Where the simulator keeps its orders, and how an operation gets hold of one.

Every operation (customer, merchant, refund) finds its order, locks it and brings it up to
date the same way, so that way is written once here. Locking: one book lock guards the maps
(held only for lookups and inserts, never while an order lock is taken) and one re-entrant
lock per order guards its amounts and status. Every operation runs under its order's lock,
so twenty concurrent captures are applied one at a time and can never capture more than was
authorised.

Every operation returns the answer and the :class:`~.events.Event` list it caused; the
caller delivers the events after the lock is released (see ``notifier.py``).

Deadlines (30-minute checkout expiry, 72 hours to authorise, 21-day auto-capture) are
applied lazily whenever an order is touched and eagerly by :meth:`OrderBook.sweep`, which
runs after each clock advance (and periodically when a sweeper thread is enabled).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Iterator

from .body_fields import optional_money
from .clock import SimClock
from .errors import SimulatorError, not_found
from .events import Event
from .ids import new_id
from .limits import PaymentLimits
from .money import Money
from .orders import Order
from .statuses import S
from .validation import validate_checkout

__all__ = ["OrderBook", "require_positive"]


def require_positive(amount: Money, field: str) -> None:
    """Refuse a zero amount the way Tamara does, naming the field."""
    if amount.is_zero():
        raise SimulatorError(400, f"{field} must be greater than zero", "invalid_amount", {"field": field})


class OrderBook:
    """The orders of one merchant account, their lookups, locks and deadlines."""

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

    # What several operations record ------------------------------------------------------

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
        """Record a capture (the merchant's, or Tamara's own auto-capture) and its event."""
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

    # Checkout sessions and reads ---------------------------------------------------------

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
