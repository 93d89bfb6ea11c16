"""The one table the shop adds: the peer's PayView stores nothing, and invents its own
``order_reference_id``, so the shop keeps which Tamara order is which of its orders."""

from __future__ import annotations

from decimal import Decimal

from django.db import models


class PeerOrder(models.Model):
    """The shop's order, Tamara's id for it, and the status the shop shows.

    A model of the shop's rather than the peer's ``TamaraTransaction``: nothing in the peer
    writes that table, and it has no index on ``order_reference_id``, the column the shop's
    reference would go in, so using it would measure a lookup of this benchmark's making.
    """

    reference = models.CharField(max_length=64, unique=True)
    tamara_order_id = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=32, default="new")
    total = models.DecimalField(max_digits=12, decimal_places=2)
    captured = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.reference} ({self.status})"
