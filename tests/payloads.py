"""Valid checkout payloads for tests that need an order on the simulator."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django_tamara.money import CURRENCY_COUNTRIES, Money

PHONES = {"SA": "+966502223333", "AE": "+971501234567", "KW": "+96550123456", "BH": "+97336123456", "OM": "+96891234567"}


def checkout_payload(
    item_amounts: tuple[str, ...] = ("100.00", "50.00"),
    *,
    currency: str = "SAR",
    shipping: str = "10",
    tax: str = "0",
    reference: str | None = None,
    notification_url: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    country = CURRENCY_COUNTRIES[currency]
    items = [
        {
            "reference_id": f"item-{i}",
            "type": "Physical",
            "name": f"Product {i}",
            "sku": f"SKU-{i}",
            "quantity": 1,
            "unit_price": Money(amount, currency).to_api(),
            "total_amount": Money(amount, currency).to_api(),
        }
        for i, amount in enumerate(item_amounts, start=1)
    ]
    total = sum((Decimal(a) for a in item_amounts), Decimal(shipping) + Decimal(tax))
    merchant_url = {
        "success": "http://shop.example/tamara/success/",
        "failure": "http://shop.example/tamara/failure/",
        "cancel": "http://shop.example/tamara/cancel/",
    }
    if notification_url:
        merchant_url["notification"] = notification_url
    payload = {
        "order_reference_id": reference or f"REF-{uuid.uuid4().hex[:10]}",
        "total_amount": Money(total, currency).to_api(),
        "shipping_amount": Money(shipping, currency).to_api(),
        "tax_amount": Money(tax, currency).to_api(),
        "items": items,
        "consumer": {"first_name": "Mona", "last_name": "Lisa", "phone_number": PHONES[country], "email": "mona@example.com"},
        "shipping_address": {
            "first_name": "Mona", "last_name": "Lisa", "line1": "3764 Al Urubah Rd", "line2": "",
            "region": "Riyadh", "city": "Riyadh", "country_code": country, "phone_number": PHONES[country],
        },
        "country_code": country,
        "description": "Test order",
        "merchant_url": merchant_url,
        "payment_type": "PAY_BY_INSTALMENTS",
        "instalments": 3,
        "locale": "en_US",
    }
    payload.update(overrides)
    return payload
