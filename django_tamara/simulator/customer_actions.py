"""What the customer does on Tamara's hosted checkout page, apart from what the merchant does.

These operations are reached from the page's buttons, the control API and the Python API,
never from the merchant API: a shop cannot approve its own order, so keeping them in their
own class keeps that line visible.
"""

from __future__ import annotations

from typing import Any

from .errors import status_conflict
from .events import Event
from .orderbook import OrderBook
from .orders import Order
from .statuses import S

__all__ = ["CustomerActions"]


class CustomerActions(OrderBook):
    """Approve, decline, leave or let expire a checkout session."""

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
