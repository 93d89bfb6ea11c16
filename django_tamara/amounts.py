"""The one rule for how a checkout payload's amounts add up.

Tamara's vertical tables say ``total_amount = item amount + tax amount + shipping amount -
discount amount``. Their samples count the tax twice over: the marketplace sample puts the tax
on its item (41.65 + 7.35 + 1 = 50.00), the travel sample repeats an order-level tax that its
item does not carry. So the tax that counts is the sum of the items' ``tax_amount`` when the
items carry one, and the order's ``tax_amount`` otherwise. The builders (before sending) and
the simulator (on receipt) both call :func:`expected_total`, so they can never disagree.
"""

from __future__ import annotations

from typing import Any, Mapping

from .money import Money


def _money(value: Any, currency: str) -> Money:
    return Money.from_api(value) if value not in (None, {}) else Money.zero(currency)


def expected_total(payload: Mapping[str, Any]) -> Money:
    """What ``payload["total_amount"]`` must be; raises :class:`~.money.MoneyError` on bad money.

    The result is in the currency of ``total_amount``; a Money of any other currency in the
    payload raises :class:`~.money.CurrencyMismatch`.
    """
    currency = Money.from_api(payload["total_amount"]).currency
    items = payload.get("items") or []
    items_total = sum((_money(item.get("total_amount"), currency) for item in items), Money.zero(currency))
    item_taxes = [item["tax_amount"] for item in items if item.get("tax_amount") not in (None, {})]
    if item_taxes:
        tax = sum((Money.from_api(t) for t in item_taxes), Money.zero(currency))
    else:
        tax = _money(payload.get("tax_amount"), currency)
    shipping = _money(payload.get("shipping_amount"), currency)
    discount_obj = payload.get("discount") or {}
    discount = _money(discount_obj.get("amount") if isinstance(discount_obj, Mapping) else None, currency)
    return items_total + tax + shipping - discount
