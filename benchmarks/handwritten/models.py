"""What the hand-written shop keeps: its order with Tamara's id and status, each delivery
once, and each capture. Money is Decimal, in the order's currency."""

from __future__ import annotations

from decimal import Decimal

from django.db import models


class Order(models.Model):
    """The shop's order and the one status it shows, as Tamara last reported it."""

    reference = models.CharField(max_length=64, unique=True)
    tamara_order_id = models.UUIDField(unique=True)
    status = models.CharField(max_length=32, default="new")
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    captured = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.reference} ({self.status})"


class Delivery(models.Model):
    """A notification received, once per order and event type: Tamara may deliver one twice."""

    order_id = models.UUIDField()
    event_type = models.CharField(max_length=32)
    received = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order_id", "event_type"], name="handwritten_delivery_once")]

    def __str__(self) -> str:
        return f"{self.event_type} for {self.order_id}"


class Capture(models.Model):
    """One capture Tamara confirmed, by its id."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="captures")
    capture_id = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.capture_id}: {self.amount}"
