"""Refunds, in both of the shapes Tamara's merchant API accepts them.

The simplified refund names an amount and lets Tamara spread it over the captures; the
legacy one names the captures itself. Both end in the same record and the same
``order_refunded`` event, so they share :meth:`Refunds._add_refund`.
"""

from __future__ import annotations

from typing import Any

from .body_fields import parse_money, require_object, required_money, required_text
from .errors import FieldError, SimulatorError
from .events import Event
from .ids import new_id
from .money import Money
from .orderbook import OrderBook, require_positive
from .orders import Order

__all__ = ["Refunds"]


class Refunds(OrderBook):
    """Refund captured money, never more than a capture has left."""

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
                raise SimulatorError(
                    400, "refund.capture_not_found: the order has no capture to refund", "refund.capture_not_found"
                )
            require_positive(amount, "total_amount")
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
            raise SimulatorError(
                400, "refunds must be a non-empty list of objects", "refunds_required", {"field": "refunds"}
            )
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
                        [
                            FieldError(
                                "refunds_total_amount_required",
                                f"refunds[{i}].total_amount is required",
                                {"field": f"refunds[{i}].total_amount"},
                            )
                        ]
                    )
                amount = parse_money(entry["total_amount"], f"refunds[{i}].total_amount", order.currency)
                require_positive(amount, f"refunds[{i}].total_amount")
                wanted[capture["capture_id"]] = wanted.get(capture["capture_id"], Money.zero(order.currency)) + amount
                self._check_refundable(
                    wanted[capture["capture_id"]], capture["total_amount"] - capture["refunded_amount"]
                )
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
        record: dict[str, Any] = {
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
        event = self._event(
            order,
            "order_refunded",
            now,
            refund_id=record["refund_id"],
            capture_id=capture_id,
            refunded_amount=amount,
            comment=comment,
        )
        return record, event
