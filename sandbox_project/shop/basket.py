"""The basket, kept in the session: product ids and quantities, priced when read.

Prices are read from the catalogue each time, never stored in the session, so a price
changed in the admin shows at once and a tampered cookie cannot set one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpRequest

from .models import Product

SESSION_KEY = "basket"
MAX_QUANTITY = 10

#: Flat delivery for baskets with goods to ship, free from FREE_SHIPPING_FROM (SAR).
SHIPPING = Decimal("15.00")
FREE_SHIPPING_FROM = Decimal("300.00")


def shipping_for(lines: list[BasketLine]) -> Decimal:
    """Plans and tickets are not shipped; goods are, free above a threshold."""
    goods = sum((line.total for line in lines if line.product.kind == Product.Kind.GOODS), Decimal("0"))
    if not goods or goods >= FREE_SHIPPING_FROM:
        return Decimal("0.00")
    return SHIPPING


@dataclass(frozen=True)
class BasketLine:
    product: Product
    quantity: int

    @property
    def total(self) -> Decimal:
        return self.product.price * self.quantity


class Basket:
    """``Basket(request)``: add, set, remove, iterate lines, total; saved in the session."""

    def __init__(self, request: HttpRequest) -> None:
        self.session = request.session
        raw: Any = self.session.get(SESSION_KEY) or {}
        self._quantities: dict[str, int] = (
            {str(k): int(v) for k, v in raw.items() if str(k).isdigit() and isinstance(v, int) and v > 0}
            if isinstance(raw, dict)
            else {}
        )

    def add(self, product: Product, quantity: int = 1) -> None:
        key = str(product.pk)
        self.set(product, self._quantities.get(key, 0) + quantity)

    def set(self, product: Product, quantity: int) -> None:
        key = str(product.pk)
        if quantity <= 0:
            self._quantities.pop(key, None)
        else:
            self._quantities[key] = min(quantity, MAX_QUANTITY)
        self._save()

    def remove(self, product: Product) -> None:
        self.set(product, 0)

    def clear(self) -> None:
        self._quantities = {}
        self._save()

    def lines(self) -> list[BasketLine]:
        ids = [int(k) for k in self._quantities]
        products = Product.objects.filter(pk__in=ids, active=True).select_related("vendor")
        return [BasketLine(p, self._quantities[str(p.pk)]) for p in products]

    def __iter__(self) -> Iterator[BasketLine]:
        return iter(self.lines())

    def __len__(self) -> int:
        return sum(self._quantities.values())

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines()), Decimal("0"))

    @property
    def shipping(self) -> Decimal:
        return shipping_for(self.lines())

    def _save(self) -> None:
        # A new dict each time: assigning marks the session modified (mutating would not).
        self.session[SESSION_KEY] = dict(self._quantities)
