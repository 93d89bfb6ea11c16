"""The nested objects of the checkout payload, one serializer per table of Tamara's docs.

Tamara's "Create Checkout Session" page and its marketplace/telecom/travel-booking payload
tables describe the same objects (items, consumer, addresses, discount, merchant URLs, risk
assessment); declaring each once lets every vertical reuse them and differ only where its
table does.
"""

from __future__ import annotations

from rest_framework import serializers

from .fields import (
    CountryCodeField,
    DdMmYyyyDateField,
    HttpUrlField,
    IdField,
    LenientBooleanField,
    LenientChoiceField,
    MoneyField,
    NumberField,
    PhoneNumberField,
    StrictIntegerField,
)
from .payload_objects import PayloadSerializer

__all__ = [
    "ItemSerializer",
    "ConsumerSerializer",
    "ShippingAddressSerializer",
    "BillingAddressSerializer",
    "DiscountSerializer",
    "MerchantUrlSerializer",
    "RiskAssessmentSerializer",
    "VerticalRiskAssessmentSerializer",
]


class ItemSerializer(PayloadSerializer):
    """One line of ``items[]``. Its ``total_amount`` is the line's amount *before* tax: the
    marketplace sample has an item of 41.65 with 7.35 tax in an order of 50.00 with 1.00 shipping."""

    reference_id = IdField()
    type = serializers.CharField(max_length=255)
    name = serializers.CharField(max_length=255)
    sku = IdField(max_length=128)
    quantity = StrictIntegerField(min_value=1)
    item_url = HttpUrlField(required=False)
    image_url = HttpUrlField(required=False)
    unit_price = MoneyField(required=False)
    tax_amount = MoneyField(required=False)
    discount_amount = MoneyField(required=False)
    total_amount = MoneyField()


class ConsumerSerializer(PayloadSerializer):
    first_name = serializers.CharField(max_length=255)
    last_name = serializers.CharField(max_length=255)
    phone_number = PhoneNumberField()
    email = serializers.EmailField(max_length=128, required=False)
    date_of_birth = DdMmYyyyDateField(required=False)
    national_id = IdField(required=False, max_length=64)
    is_first_order = LenientBooleanField(required=False)


class ShippingAddressSerializer(PayloadSerializer):
    """Every key the tables mark Required; ``line2`` may be absent and is then sent as ``""``."""

    first_name = serializers.CharField(max_length=255)
    last_name = serializers.CharField(max_length=255)
    line1 = serializers.CharField(max_length=255)
    line2 = serializers.CharField(max_length=255, allow_blank=True, default="")
    region = serializers.CharField(max_length=255)
    postal_code = IdField(required=False, allow_blank=True, max_length=32)
    city = serializers.CharField(max_length=255)
    country_code = CountryCodeField()
    phone_number = PhoneNumberField()


class BillingAddressSerializer(ShippingAddressSerializer):
    """The same keys, none required (the tables give billing no requirement column)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
            if isinstance(field, serializers.CharField):
                field.allow_blank = True
        fields["line2"].default = serializers.empty
        return fields


class DiscountSerializer(PayloadSerializer):
    """A coupon: its code (or "N/A") and a positive amount (Tamara's Magento plugin stopped sending
    it negative in 2.11.25: tamara-solution/magento, ``CHANGELOG.txt``)."""

    name = serializers.CharField(max_length=255)
    amount = MoneyField()


class MerchantUrlSerializer(PayloadSerializer):
    success = HttpUrlField()
    failure = HttpUrlField()
    cancel = HttpUrlField()
    notification = HttpUrlField(required=False)


class RiskAssessmentSerializer(PayloadSerializer):
    """The risk keys of Tamara's "Create Checkout Session" page, of its marketplace/telecom/
    travel-booking payload tables and those Tamara's Magento plugin sends
    (tamara-solution/magento, ``Helper/Order.php``): every one optional but typed."""

    keep_unknown = True

    account_creation_date = DdMmYyyyDateField(required=False)
    platform_account_creation_date = DdMmYyyyDateField(required=False)
    is_premium_customer = LenientBooleanField(required=False)
    is_guest_user = LenientBooleanField(required=False)
    is_existing_customer = LenientBooleanField(required=False)
    customer_nationality = serializers.CharField(required=False, max_length=64)
    customer_dob = DdMmYyyyDateField(required=False)
    customer_age = StrictIntegerField(required=False, min_value=0, max_value=150)
    customer_gender = LenientChoiceField(["Male", "Female"], required=False)
    has_delivered_order = LenientBooleanField(required=False)
    total_order_count = StrictIntegerField(required=False, min_value=0)
    date_of_first_transaction = DdMmYyyyDateField(required=False)
    order_amount_last3months = NumberField(required=False)
    order_count_last3months = StrictIntegerField(required=False, min_value=0)
    last_order_date = DdMmYyyyDateField(required=False)
    last_order_amount = NumberField(required=False)
    is_phone_verified = LenientBooleanField(required=False)
    is_card_on_file = LenientBooleanField(required=False)
    is_COD_customer = LenientBooleanField(required=False)
    is_fraudulent_customer = LenientBooleanField(required=False)
    total_ltv = NumberField(required=False)
    reward_program_enrolled = LenientBooleanField(required=False)
    reward_program_points = StrictIntegerField(required=False, min_value=0)
    risk_score = StrictIntegerField(required=False)
    sales_channel = serializers.CharField(required=False, max_length=255)


class VerticalRiskAssessmentSerializer(RiskAssessmentSerializer):
    """The four keys every vertical table marks Required."""

    is_premium_customer = LenientBooleanField()
    account_creation_date = DdMmYyyyDateField()
    total_order_count = StrictIntegerField(min_value=0)
    risk_score = StrictIntegerField()
