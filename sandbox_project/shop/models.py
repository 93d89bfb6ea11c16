"""The sandbox shop's own models: what any small shop already has before it adds Tamara.

None of this belongs to django-tamara. The shop keeps its own order with its own status; the
app's ``TamaraOrder`` mirrors Tamara's side and is linked to it by ``order_reference_id``
(and by the generic relation ``TamaraOrder.shop_order``). The shop hears about payments
through the app's signals (receivers.py), never by reading Tamara's status in its views.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import models
from django.urls import reverse
from django.utils.translation import get_language

from django_tamara.money import Money

if TYPE_CHECKING:
    from django_tamara.models import TamaraOrder


class Vendor(models.Model):
    """A seller on the marketplace: Tamara's ``sub_merchant`` of the marketplace vertical."""

    code = models.SlugField(unique=True, help_text="Sent as sub_merchant_id.")
    name = models.CharField(max_length=255)
    category = models.CharField(max_length=255)
    tier = models.CharField(max_length=32, default="standard")
    joined_on = models.DateField()

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    class Kind(models.TextChoices):
        GOODS = "goods", "Goods (shipped)"
        PLAN = "plan", "Telecom plan"
        FLIGHT = "flight", "Flight ticket"

    slug = models.SlugField(unique=True)
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255)
    name_ar = models.CharField("name in Arabic", max_length=255, blank=True)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.GOODS)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="SAR")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="products")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("shop:product", args=[self.slug])

    @property
    def label(self) -> str:
        """The name in the page's language (the Arabic toggle), falling back to English."""
        return self.name_ar if self.name_ar and (get_language() or "").startswith("ar") else self.name

    @property
    def money(self) -> Money:
        return Money(self.price, self.currency)


def new_reference() -> str:
    """An order reference nobody can guess: the order page is reached by it alone."""
    return "SBX-" + secrets.token_hex(5).upper()


class ShopOrder(models.Model):
    """The shop's order, with *its* status, moved by the app's signals (receivers.py)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting payment"
        AUTHORISED = "authorised", "Authorised"
        PARTIALLY_CAPTURED = "partially_captured", "Partially captured"
        FULLY_CAPTURED = "fully_captured", "Fully captured"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
        FULLY_REFUNDED = "fully_refunded", "Fully refunded"
        DECLINED = "declined", "Payment declined"
        CANCELED = "canceled", "Canceled"
        EXPIRED = "expired", "Expired"

    #: Statuses after which nothing can happen to the order any more.
    FINAL = frozenset({Status.FULLY_REFUNDED, Status.DECLINED, Status.CANCELED, Status.EXPIRED})

    class Vertical(models.TextChoices):
        SHOP = "shop", "Online shop"
        MARKETPLACE = "marketplace", "Marketplace (sub-merchants)"
        TELECOM = "telecom", "Telecom plan"
        TRAVEL = "travel", "Flight booking"

    reference = models.CharField(max_length=32, unique=True, default=new_reference, editable=False)
    vertical = models.CharField(max_length=16, choices=Vertical.choices, default=Vertical.SHOP)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.PENDING, db_index=True)

    first_name = models.CharField(max_length=255)
    last_name = models.CharField(max_length=255)
    phone_number = models.CharField(max_length=32)
    email = models.EmailField(blank=True)
    line1 = models.CharField("address", max_length=255)
    city = models.CharField(max_length=255)
    region = models.CharField(max_length=255)
    country_code = models.CharField(max_length=2, default="SA")

    currency = models.CharField(max_length=3, default="SAR")
    shipping_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    captured_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    #: What only one vertical asks for (the flight of a travel booking), as the form gave it.
    vertical_data = models.JSONField(default=dict, blank=True)

    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("shop:order", args=[self.reference])

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL

    @property
    def items_total(self) -> Decimal:
        return sum((line.total for line in self.lines.all()), Decimal("0"))

    @property
    def total(self) -> Decimal:
        return self.items_total + self.shipping_amount

    @property
    def tamara_order(self) -> TamaraOrder | None:
        """The latest Tamara order opened for this one (a customer may retry a checkout)."""
        from django_tamara.models import TamaraOrder

        return TamaraOrder.objects.latest_for_reference(self.reference)


class OrderLine(models.Model):
    order = models.ForeignKey(ShopOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=255)
    sku = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


class OrderEvent(models.Model):
    """What happened to an order, in the shop's words: the history on the order page."""

    order = models.ForeignKey(ShopOrder, on_delete=models.CASCADE, related_name="events")
    created = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=32, choices=ShopOrder.Status.choices)
    message = models.CharField(max_length=255)

    class Meta:
        ordering = ["created", "pk"]

    def __str__(self) -> str:
        return self.message
