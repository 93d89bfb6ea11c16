"""The order's ledger: one row per capture, refund and cancellation, keyed by Tamara's id.

Kept beside the order's running totals so "which capture was refunded, and when" has an
answer without calling Tamara; the constraints refuse a row that could not exist there.
Only :mod:`django_tamara.lifecycle` writes it (issue #14).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..compiled import CompiledQuery
from ..money import Money
from .orders import AmountField, TamaraOrder

#: Per ledger model, its row by Tamara's id, compiled once (built on first use).
_BY_TAMARA_ID: dict[type[models.Model], CompiledQuery[Any]] = {}


class LedgerManager(models.Manager[Any]):
    """``Capture.objects``, ``Refund.objects``, ``Cancellation.objects``: Django's manager, plus
    the row by Tamara's id, which the lifecycle and webhook processing ask for on every capture,
    refund and cancel, compiled to SQL once (:mod:`django_tamara.compiled`, #17)."""

    def by_tamara_id(self, tamara_id: str) -> Any:
        """The row with Tamara's id ``tamara_id`` (a ``capture_id``, ``refund_id`` or
        ``cancel_id``: unique), or ``None``."""
        model = self.model
        query = _BY_TAMARA_ID.get(model)
        if query is None:
            key = model.TAMARA_ID_FIELD
            query = _BY_TAMARA_ID[model] = CompiledQuery(
                lambda value: model._default_manager.filter(**{key: value}), key=str
            )
        return query.first(tamara_id)


class Transaction(models.Model):
    """What captures, refunds and cancellations have in common: a Tamara id and an amount."""

    #: The field holding Tamara's id of the row.
    TAMARA_ID_FIELD = ""

    amount = AmountField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    items = models.JSONField(_("items"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at Tamara"), null=True, blank=True)
    raw = models.JSONField(_("payload from Tamara"), default=dict, blank=True)
    date_created = models.DateTimeField(_("recorded here"), auto_now_add=True)

    objects = LedgerManager()

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


class Capture(Transaction):
    TAMARA_ID_FIELD = "capture_id"
    order = models.ForeignKey(TamaraOrder, on_delete=models.CASCADE, related_name="captures")
    capture_id = models.CharField(_("Tamara capture id"), max_length=64, unique=True)
    refunded_amount = AmountField(_("refunded"))
    shipping_info = models.JSONField(_("shipping info"), default=dict, blank=True)

    class Meta(Transaction.Meta):
        verbose_name = _("capture")
        verbose_name_plural = _("captures")
        constraints = [
            models.CheckConstraint(name="tamara_capture_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="tamara_capture_refunded_within_amount",
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("amount")),
            ),
        ]

    def __str__(self) -> str:
        return gettext("capture %(id)s: %(amount)s") % {"id": self.capture_id, "amount": self.money}


class Refund(Transaction):
    TAMARA_ID_FIELD = "refund_id"
    order = models.ForeignKey(TamaraOrder, on_delete=models.CASCADE, related_name="refunds")
    refund_id = models.CharField(_("Tamara refund id"), max_length=64, unique=True)
    capture_id = models.CharField(_("capture id"), max_length=64, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    merchant_refund_id = models.CharField(_("merchant refund id"), max_length=255, blank=True)

    class Meta(Transaction.Meta):
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [models.CheckConstraint(name="tamara_refund_amount_positive", condition=Q(amount__gt=0))]

    def __str__(self) -> str:
        return gettext("refund %(id)s: %(amount)s") % {"id": self.refund_id, "amount": self.money}


class Cancellation(Transaction):
    TAMARA_ID_FIELD = "cancel_id"
    order = models.ForeignKey(TamaraOrder, on_delete=models.CASCADE, related_name="cancellations")
    cancel_id = models.CharField(_("Tamara cancel id"), max_length=64, unique=True)

    class Meta(Transaction.Meta):
        verbose_name = _("cancellation")
        verbose_name_plural = _("cancellations")
        constraints = [models.CheckConstraint(name="tamara_cancel_amount_positive", condition=Q(amount__gt=0))]

    def __str__(self) -> str:
        return gettext("cancellation %(id)s: %(amount)s") % {"id": self.cancel_id, "amount": self.money}


#: A row of an order's ledger: what Tamara recorded for one capture, refund or cancel.
LedgerRow = Capture | Refund | Cancellation
