"""The sample requests of Tamara's marketplace/telecom/travel-booking payload tables validate with
their vertical's serializer.

The samples are copied as published, with two corrections: a valid e-mail in place of the
obfuscated one, and the travel total set to 305.04 (item 304.04 +
shipping 1; the item carries its tax, 0) so that it adds up. The other sloppiness (a number for
``sub_merchant_id``, an ISO ``sub_merchant_joining_date``, ``"true"`` for a Boolean) is mended,
and the output must carry the documented types.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from django_tamara.builders import (
    CheckoutSerializer,
    MarketplaceCheckoutSerializer,
    TelecomCheckoutSerializer,
    TravelCheckoutSerializer,
    validate_payload,
)

_COMMON: dict[str, Any] = {
    "total_amount": {"amount": 50.00, "currency": "SAR"},
    "shipping_amount": {"amount": 1, "currency": "SAR"},
    "tax_amount": {"amount": 7.35, "currency": "SAR"},
    "order_reference_id": "abd12331-a123-1234-4567-473fkid5",
    "consumer": {"phone_number": "502223333", "first_name": "Mona", "last_name": "Lisa", "email": "mona@example.com"},
    "country_code": "SA",
    "description": "Test Order",
    "merchant_url": {
        "cancel": "http://example.com/#/cancel",
        "failure": "http://example.com/#/fail",
        "success": "http://example.com/#/success",
    },
    "shipping_address": {
        "country_code": "SA",
        "first_name": "Mona",
        "last_name": "Lisa",
        "line1": "3764 Al Urubah Rd",
        "line2": "string",
        "region": "As Sulimaniyah",
        "postal_code": "12345",
        "city": "Riyadh",
        "phone_number": "502223333",
    },
    "locale": "ar_SA",
    "platform": "platform name here",
    "is_mobile": False,
}


def marketplace_sample() -> dict[str, Any]:
    """The sample request of Tamara's marketplace payload table."""
    return copy.deepcopy(
        {
            **_COMMON,
            "risk_assessment": {
                "is_premium_customer": True,
                "account_creation_date": "31-01-2019",
                "total_order_count": 12,
                "risk_score": 5,
                "sub_merchant_id": 61817,
                "sub_merchant_category": "Professional Services",
                "sub_merchant_name": "DUMMY LLC",
                "sub_merchant_tier": "p1",
                "sub_merchant_joining_date": "2025-03-19",
            },
            "items": [
                {
                    "total_amount": {"amount": 41.65, "currency": "SAR"},
                    "reference_id": "123456",
                    "type": "Digital",
                    "name": "Lego City 8601",
                    "sku": "SA-12436",
                    "quantity": 1,
                    "tax_amount": {"amount": 7.35, "currency": "SAR"},
                }
            ],
        }
    )


def telecom_sample() -> dict[str, Any]:
    """The sample request of Tamara's telecom payload table."""
    return copy.deepcopy(
        {
            **_COMMON,
            "risk_assessment": {
                "is_premium_customer": True,
                "account_creation_date": "31-01-2019",
                "total_order_count": 12,
                "sales_channel": "call_center",
                "store_id": "xyz",
                "risk_score": 5,
            },
            "items": [
                {
                    "total_amount": {"amount": 41.65, "currency": "SAR"},
                    "reference_id": "123456",
                    "type": "home_internet",
                    "name": "wifi_12_months",
                    "sku": "SA-12436",
                    "quantity": 1,
                    "tax_amount": {"amount": 7.35, "currency": "SAR"},
                }
            ],
        }
    )


def travel_sample() -> dict[str, Any]:
    """The sample request of Tamara's travel-booking payload table, its total corrected to 305.04."""
    payload = copy.deepcopy(
        {
            **_COMMON,
            "risk_assessment": {
                "is_premium_customer": True,
                "account_creation_date": "31-01-2019",
                "total_order_count": 12,
                "risk_score": 5,
                "travel_data": {
                    "origin": "RUH",
                    "destination": "JED",
                    "travel_type": "Domestic",
                    "trip_type": "Return",
                    "class": "Economy",
                    "number_of_passengers": 3,
                    "travel_date": "24-08-2024",
                    "is_refundable_booking": "true",
                },
            },
            "items": [
                {
                    "total_amount": {"amount": 304.04, "currency": "SAR"},
                    "reference_id": "SA-12436",
                    "type": "Digital",
                    "name": "RUH - JED Return Ticket",
                    "sku": "SA-12436",
                    "quantity": 1,
                    "tax_amount": {"amount": 0, "currency": "SAR"},
                }
            ],
        }
    )
    payload["total_amount"]["amount"] = 305.04
    return payload


def ecommerce_sample() -> dict[str, Any]:
    """A payload of Tamara's "Create Checkout Session" page: no vertical risk keys, a physical item,
    the optional fields filled in."""
    payload = copy.deepcopy(_COMMON)
    payload.update(
        total_amount={"amount": 108.35, "currency": "SAR"},
        items=[
            {
                "reference_id": "book-1",
                "type": "Physical",
                "name": "كتاب الطبخ",
                "sku": "BOOK-1",
                "quantity": 2,
                "unit_price": {"amount": 50, "currency": "SAR"},
                "total_amount": {"amount": 100, "currency": "SAR"},
                "item_url": "https://shop.example/books/1",
            }
        ],
        discount={"name": "WELCOME", "amount": {"amount": 0, "currency": "SAR"}},
        risk_assessment={"customer_gender": "female", "is_guest_user": "false", "customer_age": 33},
        payment_type="PAY_BY_INSTALMENTS",
        instalments=3,
        expire_in_minutes=45,
    )
    return payload


SAMPLES = {
    "marketplace": (marketplace_sample, MarketplaceCheckoutSerializer),
    "telecom": (telecom_sample, TelecomCheckoutSerializer),
    "travel": (travel_sample, TravelCheckoutSerializer),
}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def assert_documented_types(out: dict[str, Any]) -> None:
    """Every Money is {amount: JSON number, currency: str}; ids are strings; flags are booleans."""
    for key in ("total_amount", "shipping_amount", "tax_amount"):
        assert _is_number(out[key]["amount"]) and isinstance(out[key]["currency"], str)
    for item in out["items"]:
        assert isinstance(item["reference_id"], str) and isinstance(item["sku"], str)
        assert isinstance(item["quantity"], int)
        assert _is_number(item["total_amount"]["amount"])
    assert isinstance(out["order_reference_id"], str) and isinstance(out["order_number"], str)
    assert isinstance(out["is_mobile"], bool)
    json.dumps(out)  # JSON-ready: no Decimal, date or Money left


@pytest.mark.parametrize("vertical", SAMPLES)
def test_sample_validates_with_its_serializer(vertical: str) -> None:
    sample, serializer_class = SAMPLES[vertical]
    out = validate_payload(sample(), serializer_class)
    assert_documented_types(out)
    risk = out["risk_assessment"]
    assert risk["is_premium_customer"] is True
    assert risk["account_creation_date"] == "31-01-2019"
    assert risk["total_order_count"] == 12 and risk["risk_score"] == 5
    assert out["order_number"] == out["order_reference_id"]  # the documented fallback


def test_marketplace_sample_is_mended() -> None:
    out = validate_payload(marketplace_sample(), MarketplaceCheckoutSerializer)
    risk = out["risk_assessment"]
    assert risk["sub_merchant_id"] == "61817"  # a String, as the table says
    assert risk["sub_merchant_joining_date"] == "19-03-2025"  # dd-mm-yyyy like every risk date
    assert out["total_amount"] == {"amount": 50.0, "currency": "SAR"}


def test_telecom_sample_keeps_sales_channel_and_store() -> None:
    out = validate_payload(telecom_sample(), TelecomCheckoutSerializer)
    assert out["risk_assessment"]["sales_channel"] == "call_center"
    assert out["risk_assessment"]["store_id"] == "xyz"


def test_travel_sample_is_mended() -> None:
    out = validate_payload(travel_sample(), TravelCheckoutSerializer)
    travel = out["risk_assessment"]["travel_data"]
    assert travel["is_refundable_booking"] is True  # "true" in the sample
    assert travel["class"] == "Economy" and "class_" not in travel
    assert travel["travel_date"] == "24-08-2024"
    assert isinstance(travel["number_of_passengers"], int)
    assert out["total_amount"]["amount"] == 305.04


def test_travel_sample_as_published_does_not_add_up() -> None:
    from django_tamara.exceptions import PayloadInvalid

    payload = travel_sample()
    payload["total_amount"]["amount"] = 50.00
    with pytest.raises(PayloadInvalid) as info:
        validate_payload(payload, TravelCheckoutSerializer)
    assert "Expected 305.04 SAR" in info.value.errors["total_amount"][0]
    assert "got 50.00 SAR" in info.value.errors["total_amount"][0]


def test_ecommerce_sample_validates_and_normalises() -> None:
    out = validate_payload(ecommerce_sample(), CheckoutSerializer)
    assert_documented_types(out)
    assert out["expires_in_minutes"] == 45 and "expire_in_minutes" not in out
    assert out["risk_assessment"] == {"is_guest_user": False, "customer_age": 33, "customer_gender": "Female"}
    assert out["items"][0]["name"] == "كتاب الطبخ"


def test_samples_validate_with_the_default_serializer_too() -> None:
    """A vertical payload is an e-commerce payload with more risk keys: the e-commerce rules accept it."""
    for sample, _ in SAMPLES.values():
        out = validate_payload(sample(), CheckoutSerializer)
        assert out["risk_assessment"]["risk_score"] == 5


@pytest.mark.parametrize("vertical", SAMPLES)
def test_normalised_output_is_a_fixed_point(vertical: str) -> None:
    """Validating the output again changes nothing: what is sent is already in canonical form."""
    sample, serializer_class = SAMPLES[vertical]
    once = validate_payload(sample(), serializer_class)
    assert validate_payload(once, serializer_class) == once
