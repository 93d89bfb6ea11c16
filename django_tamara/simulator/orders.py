"""One simulated Tamara order: its record, its amounts, its status rule and its JSON.

The amounts are kept as a ledger (captures, refunds, cancels) plus running totals, and the
status is *derived* from the totals after every change (:func:`derive_status`), the way
Tamara's order-status page describes it, instead of being set by each action. That keeps
partial and repeated operations consistent: two partial captures that add up to the total
leave the order ``fully_captured`` no matter who sent them.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .clock import isoformat
from .jsonutil import dumps
from .jsonutil import jsonable as _jsonable
from .money import Money
from .statuses import S, can_move

__all__ = ["Order", "derive_status", "APPROVAL_WINDOW", "AUTO_CAPTURE_AFTER", "DEFAULT_EXPIRES_IN_MINUTES"]


#: An approved order must be authorised within 72 hours, else it expires
#: (Tamara's "Online Order Status Flow" page).
APPROVAL_WINDOW = timedelta(hours=72)
#: An authorised order that is not captured within 21 days is captured automatically.
AUTO_CAPTURE_AFTER = timedelta(days=21)
#: A checkout session expires when the customer has not approved it within this many minutes.
DEFAULT_EXPIRES_IN_MINUTES = 30
#: Statuses in which an uncaptured remainder of the authorisation may be left.
_CAN_HOLD_REMAINDER = frozenset({S.AUTHORISED, S.UPDATED, S.PARTIALLY_CAPTURED, S.PARTIALLY_REFUNDED})


def _money_or_none(value: Money | None) -> dict[str, Any] | None:
    return value.to_api() if value is not None else None


def _present(value: Any) -> Any:
    """``value`` without the keys whose value is None, at every depth.

    Both schemas copied into tests/schemas/ (Tamara Orders API OpenAPI 3.0.3 and the
    TamaraOrder JSON Schema) type every field as a string, number or object and allow no
    null, so a field without a value is left out rather than sent as ``null`` (issue #13).
    """
    if isinstance(value, dict):
        return {k: _present(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_present(v) for v in value]
    return value


@dataclass(eq=False)
class Order:
    """The simulator's record of an order. Guard every read-modify-write with :attr:`lock`."""

    order_id: str
    checkout_id: str
    order_reference_id: str
    order_number: str
    payload: dict[str, Any]
    total_amount: Money
    tax_amount: Money
    shipping_amount: Money
    discount_name: str
    discount_amount: Money
    payment_type: str
    instalments: int | None
    created_at: datetime
    expires_in_minutes: int
    decline_on_approve: bool = False
    status: str = S.NEW
    approved_at: datetime | None = None
    authorised_at: datetime | None = None
    captured_amount: Money = field(init=False)
    refunded_amount: Money = field(init=False)
    canceled_amount: Money = field(init=False)
    paid_amount: Money = field(init=False)
    auto_captured: bool = False
    captures: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    cancels: list[dict[str, Any]] = field(default_factory=list)
    merchant_refund_ids: dict[str, str] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    #: Bumped on every change, so the serialised JSON can be cached between changes.
    version: int = 0
    _cached_json: tuple[int, bytes] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        zero = Money.zero(self.currency)
        self.captured_amount = self.refunded_amount = self.canceled_amount = self.paid_amount = zero

    # Derived values ----------------------------------------------------------------------

    @property
    def currency(self) -> str:
        return self.total_amount.currency

    @property
    def merchant_url(self) -> dict[str, Any]:
        value = self.payload.get("merchant_url")
        return value if isinstance(value, dict) else {}

    @property
    def notification_url(self) -> str | None:
        url = self.merchant_url.get("notification")
        return url if isinstance(url, str) and url else None

    @property
    def authorised_remaining(self) -> Money:
        """What can still be captured: the total less what was canceled and captured."""
        return self.total_amount - self.canceled_amount - self.captured_amount

    @property
    def cancelable_remaining(self) -> Money:
        return self.total_amount - self.canceled_amount

    @property
    def refundable_remaining(self) -> Money:
        return self.captured_amount - self.refunded_amount

    @property
    def plan_instalments(self) -> int:
        """How many parts the hosted page splits the total into (3 by default, 1 for PAY_NOW)."""
        if self.instalments:
            return self.instalments
        return 3 if self.payment_type == "PAY_BY_INSTALMENTS" else 1

    def deadline(self) -> datetime | None:
        """When the current status times out, or None when it never does."""
        if self.status == S.NEW:
            return self.created_at + timedelta(minutes=self.expires_in_minutes)
        if self.status == S.APPROVED and self.approved_at is not None:
            return self.approved_at + APPROVAL_WINDOW
        if self.authorised_at is not None and self.status in _CAN_HOLD_REMAINDER and self.authorised_remaining:
            # Tamara captures what is left 21 days after authorisation; a remainder left
            # after a partial refund counts too (issue #13).
            return self.authorised_at + AUTO_CAPTURE_AFTER
        return None

    def set_status(self, new: str) -> bool:
        """Move to ``new`` if that is forward (or the same); return whether the status changed."""
        if new == self.status or not can_move(self.status, new):
            return False
        self.status = new
        self.version += 1
        return True

    def touch(self) -> None:
        """Mark the order changed (every mutation outside :meth:`set_status` must call this)."""
        self.version += 1

    def apply_amounts(self) -> None:
        """Re-derive the status from the amounts (after a capture, refund or cancel)."""
        self.touch()
        self.set_status(derive_status(self))

    def first_instalment(self) -> Money:
        return instalment_plan(self.total_amount, self.plan_instalments)[0]

    # JSON ----------------------------------------------------------------------------------

    def to_api(self) -> dict[str, Any]:
        """The order as ``GET /orders/{order_id}`` answers it (plain JSON types only)."""
        p = self.payload
        consumer = p.get("consumer")
        if not isinstance(consumer, dict):
            consumer = {}
        expiry = self.deadline()
        return _present(
            {
                "order_id": self.order_id,
                "order_reference_id": self.order_reference_id,
                "order_number": self.order_number,
                "status": str(self.status),
                "payment_type": self.payment_type,
                "instalments": self.instalments,
                "created_at": isoformat(self.created_at),
                "order_expiry_time": isoformat(expiry),
                "description": p.get("description"),
                "locale": p.get("locale"),
                "platform": p.get("platform"),
                "is_mobile": p.get("is_mobile", False),
                "country_code": p.get("country_code"),
                "consumer": {
                    "first_name": consumer.get("first_name"),
                    "last_name": consumer.get("last_name"),
                    "phone_number": consumer.get("phone_number"),
                    "email": consumer.get("email"),
                    "date_of_birth": consumer.get("date_of_birth"),
                },
                "shipping_address": copy.deepcopy(p.get("shipping_address")),
                "billing_address": copy.deepcopy(p.get("billing_address")),
                "items": _jsonable(p.get("items") or []),
                "total_amount": self.total_amount.to_api(),
                "tax_amount": self.tax_amount.to_api(),
                "shipping_amount": self.shipping_amount.to_api(),
                "discount_amount": {"name": self.discount_name, "amount": self.discount_amount.to_api()},
                "captured_amount": self.captured_amount.to_api(),
                "refunded_amount": self.refunded_amount.to_api(),
                "canceled_amount": self.canceled_amount.to_api(),
                "paid_amount": self.paid_amount.to_api(),
                "settlement_status": None,
                "settlement_date": None,
                "merchant_url": copy.deepcopy(self.merchant_url),
                "risk_assessment": _jsonable(p.get("risk_assessment")),
                "transactions": {
                    "captures": [_capture_json(c) for c in self.captures],
                    "refunds": [_refund_json(r) for r in self.refunds],
                    "cancels": [_cancel_json(c) for c in self.cancels],
                },
            }
        )

    def to_api_bytes(self) -> bytes:
        """:meth:`to_api` as JSON bytes, cached until the order changes (GET is the hot path)."""
        cached = self._cached_json
        if cached is not None and cached[0] == self.version:
            return cached[1]
        body = dumps(self.to_api())
        self._cached_json = (self.version, body)
        return body

    def summary(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "order_reference_id": self.order_reference_id,
            "status": str(self.status),
            "total_amount": self.total_amount.to_api(),
            "created_at": isoformat(self.created_at),
        }


def derive_status(order: Order) -> str:
    """The status the amounts call for (Tamara's order-status page, in code)."""
    total, canceled = order.total_amount, order.canceled_amount
    captured, refunded = order.captured_amount, order.refunded_amount
    if canceled == total:
        return S.CANCELED
    if refunded:
        return S.FULLY_REFUNDED if refunded == captured == total - canceled else S.PARTIALLY_REFUNDED
    if captured:
        return S.FULLY_CAPTURED if captured == total - canceled else S.PARTIALLY_CAPTURED
    if canceled:
        return S.UPDATED
    return S.AUTHORISED


def instalment_plan(total: Money, parts: int) -> list[Money]:
    """``total`` in ``parts`` equal instalments, quantised per currency; the last absorbs rounding."""
    parts = max(1, parts)
    share = Money(total.amount / parts, total.currency)
    return [share] * (parts - 1) + [total - share * (parts - 1)]


def _capture_json(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "capture_id": c["capture_id"],
        "order_id": c["order_id"],
        "total_amount": c["total_amount"].to_api(),
        "refunded_amount": c["refunded_amount"].to_api(),
        "shipping_info": _jsonable(c["shipping_info"]),
        "items": _jsonable(c["items"]),
        "shipping_amount": _money_or_none(c["shipping_amount"]),
        "tax_amount": _money_or_none(c["tax_amount"]),
        "discount_amount": _money_or_none(c["discount_amount"]),
        "created_at": isoformat(c["created_at"]),
    }


def _refund_json(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "refund_id": r["refund_id"],
        "capture_id": r["capture_id"],
        "total_amount": r["total_amount"].to_api(),
        "comment": r["comment"],
        "merchant_refund_id": r["merchant_refund_id"],
        "created_at": isoformat(r["created_at"]),
    }


def _cancel_json(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "cancel_id": c["cancel_id"],
        "total_amount": c["total_amount"].to_api(),
        "items": _jsonable(c["items"]),
        "created_at": isoformat(c["created_at"]),
    }
