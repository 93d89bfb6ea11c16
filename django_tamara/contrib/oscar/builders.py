"""The Tamara payload of an Oscar checkout: the basket, and what the checkout session holds around it.

Oscar keeps what an order will be in two places until it is placed: the basket (lines, prices,
offers) and the checkout session (shipping address, shipping method, guest e-mail), which
``CheckoutSessionMixin.build_submission`` (django-oscar's ``oscar/apps/checkout/session.py``)
gathers into one dict. :class:`OscarCheckout` is that dict with the order number Oscar will
give the order, and :class:`OscarCheckoutBuilder` reads it like any shop order; a shop
subclasses the builder as with any builder (docs/builders.md) and names it on the views.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from ...builders import CheckoutBuilder
from ...exceptions import PayloadInvalid
from ...money import CURRENCY_EXPONENTS, Money, exponent_for

__all__ = ["OSCAR_DECIMAL_PLACES", "OscarCheckout", "OscarCheckoutBuilder", "UnsupportedCurrency"]

#: The decimal places of Oscar's price and payment fields (``decimal_places=2`` on ``Source``,
#: ``Transaction`` and the order's totals: django-oscar's ``oscar/apps/payment/abstract_models.py``).
OSCAR_DECIMAL_PLACES = 2


class UnsupportedCurrency(PayloadInvalid):
    """The basket's currency is one Tamara does not take, or one whose fils Oscar cannot store."""

    def __init__(self, currency: str, message: str) -> None:
        self.currency = currency
        super().__init__({"currency": [message]})


@dataclass(frozen=True)
class OscarCheckout:
    """One Oscar checkout about to be paid: the submission of ``build_submission`` and its order number."""

    basket: Any
    order_number: str
    order_total: Any  # oscar.core.prices.Price
    shipping_charge: Any  # oscar.core.prices.Price
    shipping_address: Any = None  # an unsaved order.ShippingAddress, or None for a digital basket
    user: Any = None
    guest_email: str | None = None

    @classmethod
    def from_submission(cls, submission: Mapping[str, Any], order_number: Any) -> OscarCheckout:
        """Read the dict Oscar's ``build_submission()`` returns."""
        return cls(
            basket=submission["basket"],
            order_number=str(order_number),
            order_total=submission["order_total"],
            shipping_charge=submission["shipping_charge"],
            shipping_address=submission.get("shipping_address"),
            user=submission.get("user"),
            guest_email=(submission.get("order_kwargs") or {}).get("guest_email"),
        )

    @property
    def currency(self) -> str:
        return str(self.order_total.currency)

    @property
    def customer(self) -> Any:
        """The signed-in user, or ``None`` for a guest."""
        user = self.user
        return user if user is not None and getattr(user, "is_authenticated", False) else None

    @property
    def email(self) -> str | None:
        customer = self.customer
        return (customer.email if customer is not None else self.guest_email) or None


def phone_text(number: Any) -> str | None:
    """A django-phonenumber-field ``PhoneNumber`` (what Oscar's addresses hold) as E.164 text."""
    if not number:
        return None
    return str(getattr(number, "as_e164", number))


class OscarCheckoutBuilder(CheckoutBuilder):
    """The e-commerce payload of an :class:`OscarCheckout`.

    Items are the basket's lines at their discounted price before tax, each with its tax; the
    shipping amount is the shipping charge including its tax, and the total is Oscar's order
    total, so Tamara authorises what Oscar will record (the parts are checked against it).
    """

    merchant_url_names: Mapping[str, str] = {
        "success": "tamara_oscar:return",
        "failure": "tamara_oscar:failure",
        "cancel": "tamara_oscar:cancel",
        "notification": "tamara:webhook",
    }

    def build(self, order: Any) -> dict[str, Any]:
        """Refuse a currency Oscar cannot hold before building (see :meth:`check_currency`)."""
        self.check_currency(self.get_currency(order))
        return super().build(order)

    def check_currency(self, currency: str) -> None:
        """Tamara takes SAR and AED (2 decimals) and BHD, KWD and OMR (3 decimals); Oscar stores
        2 decimals, so a dinar basket cannot be recorded exactly and is refused by name."""
        try:
            places = exponent_for(currency)
        except (ValueError, TypeError):
            raise UnsupportedCurrency(
                currency,
                gettext("Tamara does not take payments in %(currency)s; it takes %(supported)s.")
                % {"currency": currency, "supported": ", ".join(CURRENCY_EXPONENTS)},
            ) from None
        if places > OSCAR_DECIMAL_PLACES:
            raise UnsupportedCurrency(
                currency,
                gettext(
                    "Tamara counts %(currency)s in %(places)d decimal places, but django-oscar stores "
                    "prices and payments with 2, so a %(currency)s basket cannot be paid with Tamara here."
                )
                % {"currency": currency, "places": places},
            )

    # Hooks -----------------------------------------------------------------------------------

    def get_order_reference_id(self, order: Any) -> str:
        """The number Oscar will give the order (``OrderNumberGenerator``), so both sides share it."""
        return str(order.order_number)

    def get_currency(self, order: Any) -> str:
        return order.currency

    def get_items(self, order: Any) -> Iterable[Any]:
        return [self.get_item(line) for line in order.basket.all_lines()]

    def get_item(self, line: Any) -> dict[str, Any]:
        """One basket line: its price after offers, before tax (Tamara's item amount), and its tax."""
        product = line.product
        before_discounts = line.line_price_excl_tax or Decimal("0")
        total = line.line_price_excl_tax_incl_discounts or Decimal("0")
        item: dict[str, Any] = {
            "reference_id": str(product.pk),
            "type": "Physical" if product.is_shipping_required else "Digital",
            "name": product.get_title(),
            "sku": (line.stockrecord.partner_sku if line.stockrecord is not None else "") or product.upc or product.pk,
            "quantity": line.quantity,
            "unit_price": line.unit_price_excl_tax,
            "tax_amount": line.line_tax or Decimal("0"),
            "total_amount": total,
        }
        if before_discounts > total:
            item["discount_amount"] = before_discounts - total
        return item

    def get_consumer(self, order: Any) -> dict[str, Any]:
        """Names from the shipping address (else the user), the address's phone, the customer's e-mail."""
        address, customer = order.shipping_address, order.customer
        consumer = {
            "first_name": getattr(address, "first_name", "") or getattr(customer, "first_name", ""),
            "last_name": getattr(address, "last_name", "") or getattr(customer, "last_name", ""),
            "phone_number": phone_text(getattr(address, "phone_number", None)),
            "email": order.email,
        }
        return {key: value for key, value in consumer.items() if value is not None}

    def get_shipping_address(self, order: Any) -> dict[str, Any] | None:
        """Oscar's address fields by Tamara's names: ``line4`` is the city, ``state`` the region
        (the city when the shop does not ask for a state: Tamara requires a region)."""
        address = order.shipping_address
        if address is None:
            return None
        return {
            "first_name": address.first_name,
            "last_name": address.last_name,
            "line1": address.line1,
            "line2": ", ".join(part for part in (address.line2, address.line3) if part),
            "city": address.line4,
            "region": address.state or address.line4,
            "postal_code": address.postcode or "",
            "country_code": address.country_id,
            "phone_number": phone_text(address.phone_number),
        }

    def get_shipping_amount(self, order: Any) -> Money | Decimal | None:
        charge = order.shipping_charge
        return charge.incl_tax if charge is not None else None

    def get_tax_amount(self, order: Any) -> Decimal | None:
        """The basket's tax; the lines carry it too, and those are what Tamara's total counts."""
        basket = order.basket
        return basket.total_tax if basket.is_tax_known else None

    def get_total_amount(self, order: Any) -> Decimal:
        return order.order_total.incl_tax

    def get_description(self, order: Any) -> str:
        return gettext("Order %(number)s") % {"number": order.order_number}
