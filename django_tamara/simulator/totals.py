"""How a checkout's ``total_amount`` must add up, as the simulator checks it.

Tamara's vertical pages give ``total_amount = item amounts + tax + shipping - discount``; its
samples carry item totals net of tax with the tax added once. Tamara's own Magento plugin
(``tamara-solution/magento`` ``Helper/Order.php``, see issue #13) sends each item's
``total_amount`` as price x quantity + tax - discount and the order total as the grand total,
so there ``total_amount = items + shipping``. Tamara accepts both every day, so the simulator
does too; with ``strict`` it accepts the documented rule only. Written for the simulator alone:
the app keeps its own rule (``django_tamara.amounts``), and the two may disagree.
"""

from __future__ import annotations

from typing import Any, Mapping

from .money import Money

__all__ = ["accepted_totals", "NET", "NET_ITEM_TAX", "GROSS"]

NET = "items + tax + shipping - discount"
NET_ITEM_TAX = "items + items' tax + shipping - discount"
GROSS = "items including their tax and discount + shipping"


def _amount(value: Any, currency: str) -> Money:
    if value in (None, {}):
        return Money.zero(currency)
    return Money.from_api(value)


def accepted_totals(payload: Mapping[str, Any], currency: str, *, strict: bool = False) -> dict[str, Money]:
    """The totals the payload's parts allow, by convention name (first: the documented rule).

    Raises :class:`~.money.MoneyError` (or ``TypeError``/``KeyError``) on unreadable money.
    """
    items = payload.get("items") or []
    items_total = sum((_amount(item.get("total_amount"), currency) for item in items), Money.zero(currency))
    shipping = _amount(payload.get("shipping_amount"), currency)
    tax = _amount(payload.get("tax_amount"), currency)
    discount_obj = payload.get("discount") or {}
    discount = _amount(discount_obj.get("amount") if isinstance(discount_obj, Mapping) else None, currency)
    accepted = {NET: items_total + tax + shipping - discount}
    if strict:
        return accepted
    item_taxes = [item.get("tax_amount") for item in items if item.get("tax_amount") not in (None, {})]
    if item_taxes:
        item_tax = sum((Money.from_api(t) for t in item_taxes), Money.zero(currency))
        accepted.setdefault(NET_ITEM_TAX, items_total + item_tax + shipping - discount)
    accepted[GROSS] = items_total + shipping
    return accepted
