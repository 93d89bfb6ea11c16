"""Turning the hooks' answers into Tamara's payload, so no hook has to know its shape.

Hooks may answer with plain Python (``Money``, ``Decimal`` or ``int`` amounts, dicts or
objects); here those become the payload's parts, in the order's currency, with the total
added up by the one rule of :func:`django_tamara.amounts.expected_total`. What cannot be
turned into a part is passed on as it is, so the serializer reports it at its path rather
than the builder guessing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from ..amounts import expected_total
from ..money import Money, MoneyError
from ..states import PaymentType
from .hooks import CheckoutHooks
from .shop_order import pick
from .validation import field_names

__all__ = ["ITEM_MONEY_KEYS", "PayloadAssembly"]

#: The amount keys of an item; plain numbers there are read in the order's currency.
ITEM_MONEY_KEYS = ("unit_price", "tax_amount", "discount_amount", "total_amount")


class PayloadAssembly(CheckoutHooks):
    """The ``build_*`` steps of :class:`~django_tamara.builders.CheckoutBuilder`; override one
    only to change the translation itself."""

    #: Round plain amounts half-up to the currency's places (``Money`` does); ``False`` refuses
    #: an amount with too many places instead, with its path.
    quantize_amounts: bool = True
    #: The ``discount.name`` sent when :meth:`get_discount` returns a bare amount.
    discount_name: str = "Discount"

    # Translation -----------------------------------------------------------------------------

    def get_payload(self, order: Any) -> dict[str, Any]:
        """The payload before validation, from the hooks (what :meth:`build` validates)."""
        currency = self.get_currency(order)
        items = self.build_items(order, currency)
        shipping = self.to_money(self.get_shipping_amount(order) or 0, currency)
        tax = self.to_money(self.get_tax_amount(order) or 0, currency)
        discount = self.build_discount(order, currency)
        consumer = self.build_consumer(order)
        reference_id = self.get_order_reference_id(order)

        payload: dict[str, Any] = {
            "total_amount": None,
            "shipping_amount": shipping,
            "tax_amount": tax,
            "order_reference_id": reference_id,
            "order_number": self.get_order_number(order),
        }
        if discount:
            payload["discount"] = discount
        risk = self.build_risk_assessment(order)
        if risk or self.get_serializer_class().risk_assessment_required:
            payload["risk_assessment"] = risk or {}
        payload["consumer"] = consumer
        payload["items"] = items
        payload["country_code"] = self.get_country_code(order)
        payload["description"] = self.get_description(order)
        payload["merchant_url"] = dict(self.get_merchant_urls(order))
        billing = self.build_address(self.get_billing_address(order), consumer, fill=False)
        if billing:
            payload["billing_address"] = billing
        shipping_address = self.build_address(self.get_shipping_address(order), consumer)
        if shipping_address:
            payload["shipping_address"] = shipping_address
        payload["locale"] = self.get_locale(order)
        payload["platform"] = self.get_platform(order)
        payload["is_mobile"] = self.get_is_mobile(order)
        payment_type = self.get_payment_type(order)
        if payment_type:
            payload["payment_type"] = payment_type
            instalments = self.get_instalments(order)
            if instalments and payment_type == PaymentType.PAY_BY_INSTALMENTS:
                payload["instalments"] = instalments
        expires = self.get_expires_in_minutes(order)
        if expires:
            payload["expires_in_minutes"] = expires
        additional = self.get_additional_data(order)
        if additional:
            payload["additional_data"] = dict(additional)

        total = self.get_total_amount(order)
        payload["total_amount"] = (
            self.to_money(total, currency) if total is not None else self._add_up(payload, currency)
        )
        return payload

    def get_order_amount(self, order: Any, *, raw_items: Iterable[Any] | None = None) -> Money:
        """What the customer pays for ``order`` (the shop's total, or the parts added up)."""
        currency = self.get_currency(order)
        total = self.get_total_amount(order)
        if total is not None:
            money = self.to_money(total, currency)
            return money if isinstance(money, Money) else Money.from_api(money)
        parts = {
            "items": self.build_items(order, currency, raw_items=raw_items),
            "shipping_amount": self.to_money(self.get_shipping_amount(order) or 0, currency),
            "tax_amount": self.to_money(self.get_tax_amount(order) or 0, currency),
        }
        discount = self.build_discount(order, currency)
        if discount:
            parts["discount"] = discount
        return self._add_up(parts, currency)

    def build_items(self, order: Any, currency: str, *, raw_items: Iterable[Any] | None = None) -> list[dict[str, Any]]:
        names = self._child_fields("items")
        source = self.get_items(order) if raw_items is None else raw_items
        items = []
        for raw in source or ():
            item = pick(raw, names) or {}
            for key in ITEM_MONEY_KEYS:
                if key in item:
                    item[key] = self.to_money(item[key], currency)
            if "total_amount" not in item and "unit_price" in item:
                line_total = self._line_total(item)
                if line_total is not None:
                    item["total_amount"] = line_total
            items.append(item)
        return items

    def build_consumer(self, order: Any) -> dict[str, Any]:
        return pick(self.get_consumer(order), self._child_fields("consumer")) or {}

    def build_address(self, address: Any, consumer: Mapping[str, Any], *, fill: bool = True) -> dict[str, Any] | None:
        """An address dict; with ``fill``, names and phone default to the consumer's."""
        found = pick(address, self._child_fields("shipping_address"))
        if not found:
            return None
        if fill:
            for key in ("first_name", "last_name", "phone_number"):
                if key not in found and key in consumer:
                    found[key] = consumer[key]
        return found

    def build_discount(self, order: Any, currency: str) -> dict[str, Any] | None:
        discount = self.get_discount(order)
        if discount is None:
            return None
        if isinstance(discount, (Money, Decimal, int, str, float)):
            found = {"name": self.discount_name, "amount": discount}
        else:
            found = pick(discount, ("name", "amount")) or {}
            found.setdefault("name", self.discount_name)
        if "amount" in found:
            found["amount"] = self.to_money(found["amount"], currency)
            if isinstance(found["amount"], Money) and found["amount"].is_zero():
                return None
        return found

    def build_risk_assessment(self, order: Any) -> dict[str, Any]:
        """The shop's risk data; vertical builders add their own parts with ``super()``."""
        risk = self.get_risk_assessment(order)
        if risk is None:
            return {}
        if isinstance(risk, Mapping):
            return {k: v for k, v in risk.items() if v is not None}
        return pick(risk, field_names(self.get_serializer_class(), "risk_assessment")) or {}

    # Helpers ---------------------------------------------------------------------------------

    def to_money(self, value: Any, currency: str) -> Any:
        """``value`` as Money in ``currency``; left for the serializer to refuse (with its path)
        when it cannot be one, or when :attr:`quantize_amounts` is off and it has extra places."""
        if isinstance(value, (Money, Mapping)) or value is None:
            return value
        try:
            return Money(value, currency) if self.quantize_amounts else Money.parse(value, currency, strict=True)
        except MoneyError:
            return {"amount": value, "currency": currency}

    def _child_fields(self, name: str) -> tuple[str, ...]:
        return field_names(self.get_serializer_class(), name)

    @staticmethod
    def _line_total(item: Mapping[str, Any]) -> Money | None:
        """``unit_price × quantity − discount_amount``; ``None`` when those are not usable
        (the serializer then reports *them*, not a missing total)."""
        try:
            quantity = int(item.get("quantity", 1))
            # Read leniently: a unit price with too many places is reported at its own path.
            total = Money.from_api(item["unit_price"]) * quantity
            discount = item.get("discount_amount")
            return total - Money.from_api(discount) if discount is not None else total
        except (MoneyError, TypeError, ValueError):
            return None

    @staticmethod
    def _add_up(parts: Mapping[str, Any], currency: str) -> Money:
        """The total by the shared rule; zero if the parts are not yet money (the serializer
        then names what is wrong, so a guessed total never hides the real error)."""
        try:
            return expected_total({**parts, "total_amount": Money.zero(currency)})
        except (MoneyError, KeyError, TypeError, AttributeError):
            return Money.zero(currency)
