"""Valid checkout payloads for tests that need an order on the simulator."""

from __future__ import annotations

from typing import Any

from django_tamara.money import CURRENCY_COUNTRIES
from django_tamara.testing import sample_checkout_payload


def checkout_payload(
    item_amounts: tuple[str, ...] = ("100.00", "50.00"), *, reference: str | None = None, **overrides: Any
) -> dict[str, Any]:
    """The public sample payload, with a shipping address and an instalment count as a shop sends."""
    payload = sample_checkout_payload(item_amounts, **overrides)
    if reference:
        payload["order_reference_id"] = reference
    country = CURRENCY_COUNTRIES[overrides.get("currency", "SAR")]
    payload.setdefault(
        "shipping_address",
        {
            "first_name": "Mona", "last_name": "Lisa", "line1": "3764 Al Urubah Rd", "line2": "",
            "region": "Riyadh", "city": "Riyadh", "country_code": country,
            "phone_number": payload["consumer"]["phone_number"],
        },
    )
    payload.setdefault("instalments", 3)
    return payload
