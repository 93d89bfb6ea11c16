"""A valid checkout payload for the simulator, for tests and demos (re-exported by ``testing``)."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from .money import COUNTRY_OF as CURRENCY_COUNTRIES
from .money import Money

__all__ = ["sample_checkout_payload"]

_SAMPLE_PHONES = {
    "SA": "+966502223333",
    "AE": "+971501234567",
    "KW": "+96550123456",
    "BH": "+97336123456",
    "OM": "+96891234567",
}


def sample_checkout_payload(
    item_amounts: tuple[str, ...] = ("100.00",),
    *,
    currency: str = "SAR",
    shipping: str = "10",
    tax: str = "0",
    notification_url: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A checkout payload Tamara (and the builders' validation) accepts: one item per amount,
    totals that add up.

    Override any top-level key (``order_reference_id=``, ``consumer=``, ``locale=``...).
    """
    country = CURRENCY_COUNTRIES[currency]
    items = [
        {
            "reference_id": f"item-{i}",
            "type": "Physical",
            "name": f"Product {i}",
            "sku": f"SKU-{i}",
            "quantity": 1,
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
    payload: dict[str, Any] = {
        "order_reference_id": f"REF-{secrets.token_hex(5)}",
        "total_amount": Money(total, currency).to_api(),
        "shipping_amount": Money(shipping, currency).to_api(),
        "tax_amount": Money(tax, currency).to_api(),
        "items": items,
        "consumer": {
            "first_name": "Mona",
            "last_name": "Lisa",
            "phone_number": _SAMPLE_PHONES[country],
            "email": "mona@example.com",
        },
        "shipping_address": {
            "first_name": "Mona",
            "last_name": "Lisa",
            "line1": "3764 Al Urubah Rd",
            "line2": "",
            "region": "Riyadh",
            "city": "Riyadh",
            "country_code": country,
            "phone_number": _SAMPLE_PHONES[country],
        },
        "country_code": country,
        "description": "Test order",
        "merchant_url": merchant_url,
        "payment_type": "PAY_BY_INSTALMENTS",
        "locale": "en_US",
    }
    payload.update(overrides)
    return payload
