"""The test shop's Payment models: django-payments' own BasePayment, made concrete.

``Payment`` (``PAYMENT_MODEL``) overrides BasePayment's amounts with 3 decimal places, as a
shop taking BHD, KWD or OMR must (docs/payments.md); ``TwoDecimalPayment`` keeps
BasePayment's 2, for the test that the provider refuses a 3-decimal currency on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.db import models
from django.urls import reverse
from payments import PurchasedItem
from payments.models import BasePayment


def Amount() -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=3, default=Decimal("0"))


class ShopPayment(BasePayment):
    """What both test models share: lines kept as JSON, and the shop's result pages."""

    #: ``[{"name", "sku", "quantity", "price"}]``; empty means one line for the goods' total.
    lines = models.JSONField(default=list, blank=True)

    class Meta:
        abstract = True

    def get_purchased_items(self) -> Iterator[PurchasedItem]:
        if not self.lines:
            price = Decimal(self.total) - Decimal(self.tax) - Decimal(self.delivery)
            yield PurchasedItem(
                name="Arabic coffee set", quantity=1, price=price, currency=self.currency, sku="COFFEE-1"
            )
            return
        for line in self.lines:
            yield PurchasedItem(
                name=line["name"],
                quantity=int(line["quantity"]),
                price=Decimal(str(line["price"])),
                currency=line.get("currency", self.currency),
                sku=line["sku"],
            )

    def get_success_url(self) -> str:
        return reverse("payments_shop:success", kwargs={"pk": self.pk})

    def get_failure_url(self) -> str:
        return reverse("payments_shop:failure", kwargs={"pk": self.pk})


class Payment(ShopPayment):
    total = Amount()
    delivery = Amount()
    tax = Amount()
    captured_amount = Amount()


class TwoDecimalPayment(ShopPayment):
    """BasePayment's amounts as they are: 2 decimal places."""
