"""The local mirror of one Tamara order, with its running totals.

Tamara is the source of truth; this row is what the shop can query, filter and show in the
admin without calling Tamara. Database constraints refuse any write that would make the
totals impossible. Only :mod:`django_tamara.lifecycle` writes it (issue #14).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..compiled import CompiledQuery
from ..money import Money
from ..states import OrderStatus, PaymentType


def AmountField(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    """3 decimal places hold every Tamara currency (2 for SAR/AED, 3 for BHD/KWD/OMR)."""
    kwargs.setdefault("default", Decimal("0"))
    return models.DecimalField(verbose_name, max_digits=15, decimal_places=3, **kwargs)


class TamaraOrderManager(models.Manager["TamaraOrder"]):
    """``TamaraOrder.objects``: Django's manager, plus the two look-ups a shop makes on every
    request (its order page, its capture, the customer's return), compiled to SQL once
    (:mod:`django_tamara.compiled`, #17). They read the database the router picks."""

    def latest_for_reference(self, order_reference_id: str) -> TamaraOrder | None:
        """The newest Tamara order opened for the shop's reference, or ``None``: a customer
        may open a second checkout for one order after giving up on the first."""
        return _LATEST_FOR_REFERENCE.first(order_reference_id)

    def by_order_id(self, order_id: Any) -> TamaraOrder | None:
        """The order with Tamara's id ``order_id`` (a UUID or its text), or ``None``.

        Text that is not a UUID raises ``ValueError``.
        """
        return _BY_ORDER_ID.first(order_id)


class TamaraOrder(models.Model):
    """One Tamara order, as ``GET /orders/{order_id}`` last described it."""

    objects = TamaraOrderManager()

    order_id = models.UUIDField(_("Tamara order id"), unique=True)
    order_reference_id = models.CharField(_("order reference id"), max_length=255, db_index=True)
    order_number = models.CharField(_("order number"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=32, choices=OrderStatus.choices, default=OrderStatus.NEW, db_index=True
    )
    payment_type = models.CharField(_("payment type"), max_length=32, blank=True, choices=PaymentType.choices)
    instalments = models.PositiveSmallIntegerField(_("instalments"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    locale = models.CharField(_("locale"), max_length=16, blank=True)
    platform = models.CharField(_("platform"), max_length=255, blank=True)
    is_mobile = models.BooleanField(_("mobile"), null=True, blank=True)

    currency = models.CharField(_("currency"), max_length=3)
    total_amount = AmountField(_("total"))
    tax_amount = AmountField(_("tax"))
    shipping_amount = AmountField(_("shipping"))
    discount_amount = AmountField(_("discount"))
    discount_name = models.CharField(_("discount name"), max_length=255, blank=True)
    captured_amount = AmountField(_("captured"))
    refunded_amount = AmountField(_("refunded"))
    canceled_amount = AmountField(_("canceled"))
    paid_amount = AmountField(_("paid"))

    consumer_first_name = models.CharField(_("first name"), max_length=255, blank=True)
    consumer_last_name = models.CharField(_("last name"), max_length=255, blank=True)
    consumer_phone_number = models.CharField(_("phone number"), max_length=32, blank=True, db_index=True)
    consumer_email = models.EmailField(_("e-mail"), max_length=128, blank=True, db_index=True)
    consumer_date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)

    items = models.JSONField(_("items"), default=list, blank=True)
    shipping_address = models.JSONField(_("shipping address"), null=True, blank=True)
    billing_address = models.JSONField(_("billing address"), null=True, blank=True)

    created_at = models.DateTimeField(_("created at Tamara"), null=True, blank=True, db_index=True)
    order_expiry_time = models.DateTimeField(_("expires at"), null=True, blank=True)
    settlement_status = models.CharField(_("settlement status"), max_length=64, blank=True)
    settlement_date = models.DateTimeField(_("settlement date"), null=True, blank=True)
    settlement = models.JSONField(_("settlement"), null=True, blank=True)

    checkout_id = models.CharField(_("checkout id"), max_length=64, blank=True)
    checkout_url = models.URLField(_("checkout URL"), max_length=1024, blank=True)
    raw = models.JSONField(_("last payload from Tamara"), default=dict, blank=True)

    # The shop's own order, whatever its model: Tamara's order_reference_id links them too.
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.CharField(max_length=64, null=True, blank=True)
    shop_order = GenericForeignKey("content_type", "object_id")

    date_created = models.DateTimeField(_("created here"), auto_now_add=True, db_index=True)
    date_updated = models.DateTimeField(_("updated here"), auto_now=True)
    synced_at = models.DateTimeField(_("last synced"), null=True, blank=True)

    class Meta:
        verbose_name = _("Tamara order")
        verbose_name_plural = _("Tamara orders")
        ordering = ["-date_created", "-id"]
        # One permission per admin action, so a shop can let its support staff sync and
        # refund without letting them capture (see docs/admin.md).
        permissions = [
            ("authorise_tamaraorder", _("Can authorise Tamara orders")),
            ("capture_tamaraorder", _("Can capture Tamara orders")),
            ("refund_tamaraorder", _("Can refund Tamara orders")),
            ("cancel_tamaraorder", _("Can cancel Tamara orders")),
            ("sync_tamaraorder", _("Can sync Tamara orders from Tamara")),
            ("update_reference_tamaraorder", _("Can update the reference id of Tamara orders")),
            ("view_pii_tamaraorder", _("Can see the consumer's full phone number and e-mail")),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.CheckConstraint(
                name="tamara_order_amounts_not_negative",
                condition=Q(total_amount__gte=0)
                & Q(captured_amount__gte=0)
                & Q(refunded_amount__gte=0)
                & Q(canceled_amount__gte=0)
                & Q(tax_amount__gte=0)
                & Q(shipping_amount__gte=0)
                & Q(discount_amount__gte=0),
            ),
            models.CheckConstraint(
                name="tamara_order_captured_within_total",
                condition=Q(captured_amount__lte=F("total_amount")),
            ),
            models.CheckConstraint(
                name="tamara_order_refunded_within_captured",
                condition=Q(refunded_amount__lte=F("captured_amount")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_reference_id} ({self.get_status_display()})"

    # Money views of the stored amounts ---------------------------------------------------

    def money(self, field: str) -> Money:
        return Money(getattr(self, field), self.currency)

    @property
    def total(self) -> Money:
        return self.money("total_amount")

    @property
    def captured(self) -> Money:
        return self.money("captured_amount")

    @property
    def refunded(self) -> Money:
        return self.money("refunded_amount")

    @property
    def canceled(self) -> Money:
        return self.money("canceled_amount")

    @property
    def capturable(self) -> Money:
        """What is still authorised and can be captured (or canceled)."""
        left = self.total - self.captured - self.canceled
        return left if left.amount > 0 else Money.zero(self.currency)

    @property
    def refundable(self) -> Money:
        left = self.captured - self.refunded
        return left if left.amount > 0 else Money.zero(self.currency)

    def left_to(self, kind: str) -> Money:
        """What an action of ``kind`` may still move: :attr:`refundable` for a ``"refund"``,
        :attr:`capturable` for a ``"capture"`` or a ``"cancel"`` (the one rule the lifecycle's
        checks and the admin's forms both read)."""
        return self.refundable if kind == "refund" else self.capturable


_LATEST_FOR_REFERENCE = CompiledQuery(
    lambda reference: TamaraOrder.objects.filter(order_reference_id=reference).order_by("-date_created", "-pk"),
    key=str,
)
_BY_ORDER_ID = CompiledQuery(lambda order_id: TamaraOrder.objects.filter(order_id=order_id), key=uuid.UUID)
