"""The default builder of the provider: a django-payments ``Payment`` in, Tamara's payload out.

It reads what ``BasePayment`` has: ``get_purchased_items()`` for the items, the ``billing_*``
fields for the consumer and the addresses, ``total``, ``tax`` and ``delivery`` for the
amounts, ``currency`` and the payment's ``token`` as Tamara's ``order_reference_id``. A shop
whose payment knows more (a real shipping address, risk data) subclasses it as any builder
(docs/builders.md) and names the subclass in the variant's ``builder_class``.

Tamara sends the customer back to the payment's process URL (django-payments'
``process_data``) whatever the outcome, so the landing rules of the provider decide, and its
notifications go to the app's own webhook route.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from ...builders import CheckoutBuilder
from ...money import Money

__all__ = ["PaymentBuilder"]


def _text(value: Any) -> str | None:
    """A field's text, ``None`` when blank: the serializer then names the missing key."""
    text = str(value).strip() if value is not None else ""
    return text or None


class PaymentBuilder(CheckoutBuilder):
    """Builds the checkout payload of a django-payments ``Payment``."""

    #: Tamara's item ``type`` for every purchased item (``"Digital"`` needs no shipping address).
    item_type = "Physical"

    def __init__(
        self, request: HttpRequest | None = None, *, base_url: str | None = None, return_url: str | None = None
    ) -> None:
        super().__init__(request, base_url=base_url)
        self.return_url = return_url

    # Identity --------------------------------------------------------------------------------

    def get_order_reference_id(self, payment: Any) -> Any:
        """The payment's token: unique, and already in the URL django-payments gives it."""
        return payment.token or payment.pk

    def get_description(self, payment: Any) -> str:
        return _text(payment.description) or super().get_description(payment)

    # Lines and people ------------------------------------------------------------------------

    def get_items(self, payment: Any) -> Iterable[Any]:
        """``get_purchased_items()``; each line's price is its unit price, in the item's currency."""
        items = []
        for item in payment.get_purchased_items():
            unit_price = Money(item.price, item.currency or payment.currency)
            items.append(
                {
                    "reference_id": item.sku,
                    "type": self.item_type,
                    "name": item.name,
                    "sku": item.sku,
                    "quantity": item.quantity,
                    "unit_price": unit_price,
                    "total_amount": unit_price * int(item.quantity),
                }
            )
        return items

    def get_consumer(self, payment: Any) -> Any:
        return {
            "first_name": _text(payment.billing_first_name),
            "last_name": _text(payment.billing_last_name),
            "phone_number": _text(payment.billing_phone),
            "email": _text(payment.billing_email),
        }

    def get_billing_address(self, payment: Any) -> Any:
        """The ``billing_*`` address, or ``None`` when the payment has no first line."""
        if not _text(payment.billing_address_1):
            return None
        return {
            "first_name": _text(payment.billing_first_name),
            "last_name": _text(payment.billing_last_name),
            "line1": _text(payment.billing_address_1),
            "line2": _text(payment.billing_address_2),
            "region": _text(payment.billing_country_area),
            "postal_code": _text(payment.billing_postcode),
            "city": _text(payment.billing_city),
            "country_code": _text(payment.billing_country_code),
            "phone_number": _text(payment.billing_phone),
        }

    def get_shipping_address(self, payment: Any) -> Any:
        """``BasePayment`` has no shipping address: the billing one stands in for it."""
        return self.get_billing_address(payment)

    # Amounts ---------------------------------------------------------------------------------

    def get_currency(self, payment: Any) -> str:
        return str(payment.currency).upper()

    def get_shipping_amount(self, payment: Any) -> Decimal:
        return payment.delivery

    def get_tax_amount(self, payment: Any) -> Decimal:
        return payment.tax

    def get_total_amount(self, payment: Any) -> Decimal:
        """The payment's ``total``; the items, tax and delivery are checked against it."""
        return payment.total

    # Where Tamara sends the customer and its notifications ------------------------------------

    def get_return_url(self, payment: Any) -> str:
        """The payment's process URL, absolute (the provider passes the one django-payments builds)."""
        return self.return_url or self.absolute_url(payment.get_process_url())

    def get_merchant_urls(self, payment: Any) -> Mapping[str, str]:
        back = self.get_return_url(payment)
        return {
            "success": back,
            "failure": back,
            "cancel": back,
            "notification": self.absolute_url(reverse(self.merchant_url_names["notification"])),
        }
