"""The rules across a whole checkout payload that no single field can check.

One currency everywhere and the currency's country, ``instalments`` only with
``PAY_BY_INSTALMENTS``, a shipping address unless every item is digital, and a total that
equals its parts by :func:`django_tamara.amounts.expected_total`: Tamara refuses a session that
breaks them, so they are checked here, before the shop redirects a customer. A vertical
changes only its risk keys and its digital item types.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..amounts import expected_total
from ..money import CURRENCY_COUNTRIES, Money
from ..states import PaymentType
from .fields import (
    CountryCodeField,
    IdField,
    LenientBooleanField,
    LenientChoiceField,
    LocaleField,
    MoneyField,
    StrictIntegerField,
)
from .payload_objects import PayloadSerializer
from .payload_parts import (
    BillingAddressSerializer,
    ConsumerSerializer,
    DiscountSerializer,
    ItemSerializer,
    MerchantUrlSerializer,
    RiskAssessmentSerializer,
    ShippingAddressSerializer,
    VerticalRiskAssessmentSerializer,
)

__all__ = ["PAYMENT_TYPES", "CheckoutSerializer", "VerticalCheckoutSerializer", "iter_money"]

#: The values of :class:`~django_tamara.states.PaymentType`, for code that wants a tuple.
PAYMENT_TYPES = tuple(PaymentType.values)


class CheckoutSerializer(PayloadSerializer):
    """The default e-commerce payload (Tamara's "Create Checkout Session" page).

    Subclasses change ``RiskAssessment`` (the vertical's risk keys), ``risk_assessment_required``
    and ``digital_item_types`` (items that need no shipping address). Checks across fields,
    in :meth:`validate`: one currency everywhere, the currency's country, ``instalments`` only
    with ``PAY_BY_INSTALMENTS``, the shipping address unless all is digital, and the total.
    """

    RiskAssessment: type[serializers.Serializer] = RiskAssessmentSerializer
    risk_assessment_required: bool = False
    #: Item ``type`` values (compared case-insensitively) that need no shipping address.
    digital_item_types: frozenset[str] = frozenset({"digital"})

    aliases = {"expire_in_minutes": "expires_in_minutes"}

    total_amount = MoneyField()
    shipping_amount = MoneyField()
    tax_amount = MoneyField()
    order_reference_id = IdField(max_length=255)
    order_number = IdField(max_length=255, required=False)
    discount = DiscountSerializer(required=False)
    risk_assessment = RiskAssessmentSerializer(required=False)  # replaced by RiskAssessment
    consumer = ConsumerSerializer()
    items = ItemSerializer(many=True, allow_empty=False)
    country_code = CountryCodeField()
    description = serializers.CharField(max_length=256)
    merchant_url = MerchantUrlSerializer()
    billing_address = BillingAddressSerializer(required=False)
    shipping_address = ShippingAddressSerializer(required=False)  # required unless all digital
    locale = LocaleField(required=False)
    platform = serializers.CharField(required=False, max_length=255)
    is_mobile = LenientBooleanField(required=False)
    payment_type = LenientChoiceField(PaymentType.values, required=False)
    instalments = StrictIntegerField(required=False, min_value=1, max_value=12)
    expires_in_minutes = StrictIntegerField(required=False, min_value=1)
    additional_data = serializers.DictField(required=False)

    default_error_messages = {
        "currency": _("Currency {currency} differs from the order's currency {order_currency} (total_amount)."),
        "country": _("{currency} is accepted in {expected} only, not in {country}."),
        "instalments": _("instalments may only be sent with payment_type PAY_BY_INSTALMENTS."),
        "shipping": _("This field is required unless every item is digital ({types})."),
        "total": _("Expected {expected} (items + tax + shipping - discount), got {given}."),
    }

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["risk_assessment"] = self.RiskAssessment(required=self.risk_assessment_required)
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs.setdefault("order_number", attrs["order_reference_id"])
        errors: dict[str, list[Any]] = {}  # messages, some of them lazy translations
        payment_type = attrs.get("payment_type")
        if "instalments" in attrs and payment_type not in (None, PaymentType.PAY_BY_INSTALMENTS):
            errors["instalments"] = [self.error_messages["instalments"]]
        if "shipping_address" not in attrs and not self.all_digital(attrs["items"]):
            types = ", ".join(sorted(self.digital_item_types))
            errors["shipping_address"] = [self.error_messages["shipping"].format(types=types)]

        currency = attrs["total_amount"].currency
        mismatched = False
        for path, money in iter_money(attrs):
            if money.currency != currency:
                mismatched = True
                message = self.error_messages["currency"].format(currency=money.currency, order_currency=currency)
                errors.setdefault(f"{path}.currency", []).append(message)
        expected_country = CURRENCY_COUNTRIES.get(currency)
        if expected_country and attrs["country_code"] != expected_country:
            errors["country_code"] = [
                self.error_messages["country"].format(
                    currency=currency, expected=expected_country, country=attrs["country_code"]
                )
            ]
        if not mismatched:
            expected = expected_total(attrs)
            if expected != attrs["total_amount"]:
                errors["total_amount"] = [
                    self.error_messages["total"].format(expected=expected, given=attrs["total_amount"])
                ]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def all_digital(self, items: list[Mapping[str, Any]]) -> bool:
        return all(str(item.get("type", "")).strip().lower() in self.digital_item_types for item in items)


def iter_money(attrs: Mapping[str, Any]) -> Iterator[tuple[str, Money]]:
    """Every Money of a validated payload with its path, in payload order."""
    for key in ("total_amount", "shipping_amount", "tax_amount"):
        if isinstance(attrs.get(key), Money):
            yield key, attrs[key]
    discount = attrs.get("discount") or {}
    if isinstance(discount.get("amount"), Money):
        yield "discount.amount", discount["amount"]
    for index, item in enumerate(attrs.get("items") or ()):
        for key in ("unit_price", "tax_amount", "discount_amount", "total_amount"):
            if isinstance(item.get(key), Money):
                yield f"items[{index}].{key}", item[key]


class VerticalCheckoutSerializer(CheckoutSerializer):
    """What the three vertical payload tables share: stricter than the "Create Checkout Session"
    page where the tables say Required."""

    RiskAssessment = VerticalRiskAssessmentSerializer
    risk_assessment_required = True

    locale = LocaleField()
    platform = serializers.CharField(max_length=255)
    is_mobile = LenientBooleanField()
