"""What Tamara's answers mean, as typed results (and the shipping info a capture sends).

Amounts come back as :class:`~django_tamara.money.Money`; the raw JSON (``Decimal`` numbers,
never floats) is on each result's ``raw``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..money import Money

__all__ = [
    "AuthoriseResult",
    "CancelResult",
    "CaptureResult",
    "CheckoutSession",
    "LegacyRefundResult",
    "PaymentOptions",
    "RefundResult",
    "ShippingInfo",
    "Webhook",
    "money_or_none",
]


def money_or_none(value: Any) -> Money | None:
    return Money.from_api(value) if isinstance(value, Mapping) and "amount" in value else None


@dataclass(frozen=True)
class CheckoutSession:
    order_id: str
    checkout_id: str
    checkout_url: str
    status: str
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class PaymentOptions:
    has_available_payment_options: bool
    single_checkout_enabled: bool
    available_payment_labels: list[dict[str, Any]]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class AuthoriseResult:
    order_id: str
    status: str
    payment_type: str = ""
    auto_captured: bool = False
    authorized_amount: Money | None = None
    capture_id: str | None = None
    order_expiry_time: str | None = None
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class CaptureResult:
    order_id: str
    capture_id: str
    status: str = ""
    captured_amount: Money | None = None
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class CancelResult:
    order_id: str
    cancel_id: str
    status: str = ""
    canceled_amount: Money | None = None
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class RefundResult:
    order_id: str
    refund_id: str
    capture_id: str = ""
    status: str = ""
    refunded_amount: Money | None = None
    comment: str = ""
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class LegacyRefundResult:
    order_id: str
    refunds: list[dict[str, str]]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class Webhook:
    webhook_id: str
    url: str = ""
    events: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class ShippingInfo:
    """Required with every capture; ``shipped_at`` and ``shipping_company`` at least."""

    shipped_at: dt.datetime | str
    shipping_company: str
    tracking_number: str = ""
    tracking_url: str = ""

    def to_api(self) -> dict[str, Any]:
        shipped = self.shipped_at.isoformat() if isinstance(self.shipped_at, dt.datetime) else self.shipped_at
        data = {"shipped_at": shipped, "shipping_company": self.shipping_company}
        if self.tracking_number:
            data["tracking_number"] = self.tracking_number
        if self.tracking_url:
            data["tracking_url"] = self.tracking_url
        return data
