"""Tamara's merchant endpoints, one method each, on top of :class:`~.transport.Transport`.

Amounts go in as :class:`~django_tamara.money.Money` and come back as Money in the result
dataclasses (:mod:`.results`). Each method names the Tamara documentation page it follows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Mapping

from ..money import Money
from .results import (
    AuthoriseResult,
    CancelResult,
    CaptureResult,
    CheckoutSession,
    LegacyRefundResult,
    PaymentOptions,
    RefundResult,
    ShippingInfo,
    Webhook,
    money_or_none,
)
from .transport import Transport, optional, segment

__all__ = ["TamaraClient"]


class TamaraClient(Transport):
    """One method per merchant endpoint. Thread-safe enough for one client per thread.

    A shop that needs another client (a proxy, extra headers, its own metrics) subclasses it
    and names the subclass in ``TAMARA["CLIENT_CLASS"]``; every caller in the app gets its
    client from :func:`~django_tamara.client.get_client`.
    """

    # Checkout ----------------------------------------------------------------------------

    def create_checkout_session(self, payload: Mapping[str, Any]) -> CheckoutSession:
        """``POST /checkout``: the payload a builder made; answers the hosted checkout URL."""
        data = self.request("POST", "/checkout", payload=payload)
        return CheckoutSession(
            order_id=str(data["order_id"]),
            checkout_id=str(data.get("checkout_id") or ""),
            checkout_url=str(data.get("checkout_url") or ""),
            status=str(data.get("status") or "new"),
            raw=data,
        )

    def payment_types(
        self,
        country: str,
        currency: str | None = None,
        *,
        order_value: Money | Decimal | str | None = None,
        phone: str | None = None,
    ) -> list[dict[str, Any]]:
        """``GET /checkout/payment-types``: payment types with their min and max limits.

        ``order_value`` and ``phone`` narrow the answer to the types available for that
        amount and that customer (the filters of Tamara's "Payment Types" page). A
        :class:`Money` order value also gives the currency, and must agree with ``currency``.
        """
        if isinstance(order_value, Money):
            if currency is not None and currency != order_value.currency:
                raise ValueError(f"order_value is in {order_value.currency} but currency is {currency}")
            currency, order_value = order_value.currency, order_value.amount
        value = None if order_value is None else str(Decimal(str(order_value)))
        params = optional(country=country, currency=currency, order_value=value, phone=phone)
        data = self.request("GET", "/checkout/payment-types", params=params)
        return list(data or [])

    def credit_pre_check(
        self, country_code: str, total_amount: Money, *, phone_number: str | None = None, **extra: Any
    ) -> list[dict[str, Any]]:
        """``POST /checkout/credit-pre-check``: the payment types Tamara would offer this customer
        for ``total_amount`` (an empty list: none). ``extra`` is sent as given (e.g. ``consumer``)."""
        payload = optional(country_code=country_code, total_amount=total_amount, phone_number=phone_number, **extra)
        data = self.request("POST", "/checkout/credit-pre-check", payload=payload)
        if isinstance(data, Mapping):  # some answers wrap the list
            data = data.get("available_payment_types") or data.get("payment_types") or []
        return list(data or [])

    def payment_options_pre_check(
        self, country: str, order_value: Money, *, phone_number: str | None = None, is_vip: bool | None = None
    ) -> PaymentOptions:
        payload = optional(country=country, order_value=order_value, phone_number=phone_number, is_vip=is_vip)
        data = self.request("POST", "/checkout/payment-options-pre-check", payload=payload)
        return PaymentOptions(
            has_available_payment_options=bool(data.get("has_available_payment_options")),
            single_checkout_enabled=bool(data.get("single_checkout_enabled")),
            available_payment_labels=list(data.get("available_payment_labels") or []),
            raw=data,
        )

    # Orders ------------------------------------------------------------------------------

    def get_order(self, order_id: str) -> dict[str, Any]:
        """``GET /orders/{order_id}``: the order as Tamara has it now (amounts as Decimal)."""
        return self.request("GET", f"/orders/{segment(order_id)}")

    def get_order_by_reference_id(self, order_reference_id: str) -> dict[str, Any]:
        return self.request("GET", f"/merchants/orders/reference-id/{segment(order_reference_id)}")

    def authorise_order(self, order_id: str) -> AuthoriseResult:
        """``POST /orders/{id}/authorise``. 409 (:class:`Conflict`) means it is not approved now."""
        data = self.request("POST", f"/orders/{segment(order_id)}/authorise", payload={"order_id": str(order_id)})
        return AuthoriseResult(
            order_id=str(data.get("order_id") or order_id),
            status=str(data.get("status") or ""),
            payment_type=str(data.get("payment_type") or ""),
            auto_captured=bool(data.get("auto_captured")),
            authorized_amount=money_or_none(data.get("authorized_amount")),
            capture_id=str(data["capture_id"]) if data.get("capture_id") else None,
            order_expiry_time=data.get("order_expiry_time"),
            raw=data,
        )

    def cancel_order(
        self,
        order_id: str,
        total_amount: Money,
        *,
        items: Iterable[Mapping[str, Any]] | None = None,
        shipping_amount: Money | None = None,
        tax_amount: Money | None = None,
        discount_amount: Money | None = None,
    ) -> CancelResult:
        """Cancel the whole remaining amount or part of it; allowed before capture only."""
        payload = optional(
            total_amount=total_amount,
            shipping_amount=shipping_amount or Money.zero(total_amount.currency),
            tax_amount=tax_amount or Money.zero(total_amount.currency),
            discount_amount=discount_amount or Money.zero(total_amount.currency),
            items=list(items) if items is not None else [],
        )
        data = self.request("POST", f"/orders/{segment(order_id)}/cancel", payload=payload)
        return CancelResult(
            order_id=str(data.get("order_id") or order_id),
            cancel_id=str(data.get("cancel_id") or ""),
            status=str(data.get("status") or ""),
            canceled_amount=money_or_none(data.get("canceled_amount")),
            raw=data,
        )

    def update_reference_id(self, order_id: str, order_reference_id: str) -> str:
        data = self.request(
            "PUT", f"/orders/{segment(order_id)}/reference-id", payload={"order_reference_id": order_reference_id}
        )
        return str(data.get("message") or "")

    # Payments ----------------------------------------------------------------------------

    def capture_order(
        self,
        order_id: str,
        total_amount: Money,
        shipping_info: ShippingInfo | Mapping[str, Any],
        *,
        items: Iterable[Mapping[str, Any]] | None = None,
        shipping_amount: Money | None = None,
        tax_amount: Money | None = None,
        discount_amount: Money | None = None,
    ) -> CaptureResult:
        """``POST /payments/capture``. May time out after Tamara processed it: then sync."""
        zero = Money.zero(total_amount.currency)
        payload = {
            "order_id": str(order_id),
            "total_amount": total_amount,
            "shipping_info": shipping_info,
            "items": list(items) if items is not None else [],
            "shipping_amount": shipping_amount or zero,
            "tax_amount": tax_amount or zero,
            "discount_amount": discount_amount or zero,
        }
        data = self.request("POST", "/payments/capture", payload=payload)
        return CaptureResult(
            order_id=str(data.get("order_id") or order_id),
            capture_id=str(data.get("capture_id") or ""),
            status=str(data.get("status") or ""),
            captured_amount=money_or_none(data.get("captured_amount")),
            raw=data,
        )

    def simplified_refund(
        self, order_id: str, total_amount: Money, comment: str, *, merchant_refund_id: str | None = None
    ) -> RefundResult:
        """``POST /payments/simplified-refund/{order_id}``: refund without naming a capture."""
        payload = optional(total_amount=total_amount, comment=comment, merchant_refund_id=merchant_refund_id)
        data = self.request("POST", f"/payments/simplified-refund/{segment(order_id)}", payload=payload)
        return RefundResult(
            order_id=str(data.get("order_id") or order_id),
            refund_id=str(data.get("refund_id") or ""),
            capture_id=str(data.get("capture_id") or ""),
            status=str(data.get("status") or ""),
            refunded_amount=money_or_none(data.get("refunded_amount")),
            comment=str(data.get("comment") or comment),
            raw=data,
        )

    def refund(self, order_id: str, refunds: Iterable[Mapping[str, Any]]) -> LegacyRefundResult:
        """The legacy ``POST /payments/refund`` against named captures (the official plugins' way).

        Each refund is ``{"capture_id": ..., "total_amount": Money, ...}``.
        """
        payload = {"order_id": str(order_id), "refunds": [dict(r) for r in refunds]}
        data = self.request("POST", "/payments/refund", payload=payload)
        return LegacyRefundResult(
            order_id=str(data.get("order_id") or order_id),
            refunds=[{k: str(v) for k, v in r.items()} for r in data.get("refunds") or []],
            raw=data,
        )

    # Webhooks ----------------------------------------------------------------------------

    def register_webhook(self, url: str, events: Iterable[str], *, headers: Mapping[str, str] | None = None) -> str:
        """``POST /webhooks``; :class:`Conflict` with ``webhook_already_registered`` if it exists."""
        data = self.request(
            "POST",
            "/webhooks",
            payload={"type": "order", "url": url, "events": list(events), "headers": dict(headers or {})},
        )
        return str(data["webhook_id"])

    def list_webhooks(self) -> list[Webhook]:
        """``GET /webhooks/list``: the webhooks registered for this merchant (Tamara's
        "Retrieve List of registered Webhook URLs" page)."""
        data = self.request("GET", "/webhooks/list")
        if isinstance(data, Mapping):  # a list, or one wrapped under "webhooks" / "data"
            data = data.get("webhooks") or data.get("data") or []
        return [self._webhook(row, "") for row in data or [] if isinstance(row, Mapping)]

    def get_webhook(self, webhook_id: str) -> Webhook:
        return self._webhook(self.request("GET", f"/webhooks/{segment(webhook_id)}"), webhook_id)

    def update_webhook(
        self, webhook_id: str, url: str, events: Iterable[str], *, headers: Mapping[str, str] | None = None
    ) -> Webhook:
        payload = {"webhook_id": webhook_id, "url": url, "events": list(events), "headers": dict(headers or {})}
        return self._webhook(self.request("PUT", f"/webhooks/{segment(webhook_id)}", payload=payload), webhook_id)

    def delete_webhook(self, webhook_id: str) -> None:
        self.request("DELETE", f"/webhooks/{segment(webhook_id)}")

    @staticmethod
    def _webhook(data: Mapping[str, Any], webhook_id: str) -> Webhook:
        return Webhook(
            webhook_id=str(data.get("webhook_id") or webhook_id),
            url=str(data.get("url") or ""),
            events=list(data.get("events") or []),
            headers=dict(data.get("headers") or {}),
            raw=dict(data),
        )
