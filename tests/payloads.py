"""Valid checkout payloads for tests that need an order on the simulator."""

from __future__ import annotations

from typing import Any

from django_tamara.testing import sample_checkout_payload


def checkout_payload(
    item_amounts: tuple[str, ...] = ("100.00", "50.00"), *, reference: str | None = None, **overrides: Any
) -> dict[str, Any]:
    """The public sample payload, with an instalment count as a shop sends."""
    payload = sample_checkout_payload(item_amounts, **overrides)
    if reference:
        payload["order_reference_id"] = reference
    payload.setdefault("instalments", 3)
    return payload
