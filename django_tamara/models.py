"""Local mirrors of Tamara orders and their transactions.

Tamara is the source of truth; these rows are what the shop can query, filter and show in the
admin without calling Tamara. Amounts are kept as a ledger (one row per capture, refund and
cancellation, keyed by Tamara's id) beside the order's running totals, and database
constraints refuse any write that would make the totals impossible.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, gettext_lazy as _

from .money import Money
from .states import OrderStatus

if TYPE_CHECKING:
    from .mirror import SyncResult


def AmountField(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    """3 decimal places hold every Tamara currency (2 for SAR/AED, 3 for BHD/KWD/OMR)."""
    kwargs.setdefault("default", Decimal("0"))
    return models.DecimalField(verbose_name, max_digits=15, decimal_places=3, **kwargs)


class PaymentType(models.TextChoices):
    PAY_BY_INSTALMENTS = "PAY_BY_INSTALMENTS", _("Pay by instalments")
    PAY_NOW = "PAY_NOW", _("Pay now")
    PAY_BY_LATER = "PAY_BY_LATER", _("Pay later")
    PAY_NEXT_MONTH = "PAY_NEXT_MONTH", _("Pay next month")


class TamaraOrderQuerySet(models.QuerySet["TamaraOrder"]):
    def unfinished(self) -> TamaraOrderQuerySet:
        """Orders Tamara may still move: neither final nor fully captured."""
        from .states import FINAL

        return self.exclude(status__in=FINAL)


class TamaraOrder(models.Model):
    """One Tamara order, as ``GET /orders/{order_id}`` last described it."""

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

    objects = TamaraOrderQuerySet.as_manager()

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

    # Mirroring Tamara -------------------------------------------------------------------

    @classmethod
    def sync_from_api(cls, data: dict[str, Any], **extra: Any) -> tuple[TamaraOrder, SyncResult]:
        """Create or update the mirror of the order ``data`` describes; see :mod:`.mirror`."""
        from .mirror import sync_order

        return sync_order(data, **extra)

    def update_from_api(self, data: dict[str, Any]) -> SyncResult:
        """Apply Tamara's JSON of this order; applying the same JSON twice changes nothing."""
        from .mirror import apply_order_data

        return apply_order_data(self, data)


class Transaction(models.Model):
    """What captures, refunds and cancellations have in common: a Tamara id and an amount."""

    amount = AmountField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    items = models.JSONField(_("items"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at Tamara"), null=True, blank=True)
    raw = models.JSONField(_("payload from Tamara"), default=dict, blank=True)
    date_created = models.DateTimeField(_("recorded here"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


class Capture(Transaction):
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
    order = models.ForeignKey(TamaraOrder, on_delete=models.CASCADE, related_name="cancellations")
    cancel_id = models.CharField(_("Tamara cancel id"), max_length=64, unique=True)

    class Meta(Transaction.Meta):
        verbose_name = _("cancellation")
        verbose_name_plural = _("cancellations")
        constraints = [models.CheckConstraint(name="tamara_cancel_amount_positive", condition=Q(amount__gt=0))]

    def __str__(self) -> str:
        return gettext("cancellation %(id)s: %(amount)s") % {"id": self.cancel_id, "amount": self.money}



class Intent(models.Model):
    """A capture, refund or cancel the shop asked Tamara for, committed *before* the call.

    Money must move once. If Tamara's answer never comes (a timeout, a dropped connection, a
    5xx, the shop's database dying before the answer was written), nobody can tell whether
    the money moved; the intent is what remembers the question. While an order has an
    unsettled intent, the lifecycle refuses every other capture, refund and cancel on it (a
    partial unique index makes that a rule of the database), and reconciliation syncs it
    until Tamara's records settle it: *confirmed* when Tamara shows the transaction, *not
    made* when Tamara has refused it or shows nothing once ``SETTLE_WINDOW_SECONDS`` have
    passed. See docs/lifecycle.md ("Not confirmed").
    """

    class Kind(models.TextChoices):
        CAPTURE = "capture", _("Capture")
        REFUND = "refund", _("Refund")
        CANCEL = "cancel", _("Cancel")

    class State(models.TextChoices):
        SENT = "sent", _("Sent, no answer yet")
        UNCONFIRMED = "unconfirmed", _("Not confirmed by Tamara")
        CONFIRMED = "confirmed", _("Confirmed by Tamara")
        REFUSED = "refused", _("Refused by Tamara")
        ABSENT = "absent", _("Not made (Tamara has no record)")

    #: States that hold the order: the outcome is not known yet.
    UNSETTLED = (State.SENT, State.UNCONFIRMED)

    order = models.ForeignKey(TamaraOrder, on_delete=models.CASCADE, related_name="intents", verbose_name=_("order"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    amount = AmountField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.SENT)
    # Sent as the refund's merchant_refund_id, so Tamara itself refuses a repeat of it.
    merchant_refund_id = models.CharField(_("merchant refund id"), max_length=255, blank=True)
    tamara_id = models.CharField(_("Tamara transaction id"), max_length=64, blank=True)
    message = models.TextField(_("message"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)

    class Meta:
        verbose_name = _("capture, refund or cancel attempt")
        verbose_name_plural = _("capture, refund and cancel attempts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="tamara_intent_amount_positive", condition=Q(amount__gt=0)),
            # One open question per order: the database refuses a second unsettled attempt.
            models.UniqueConstraint(
                fields=["order"], condition=Q(state__in=["sent", "unconfirmed"]), name="tamara_intent_one_unsettled"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s of %(amount)s (%(state)s)") % {
            "kind": self.get_kind_display(), "amount": self.money, "state": self.get_state_display()}

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def settled(self) -> bool:
        return self.state not in self.UNSETTLED


class WebhookEvent(models.Model):
    """One authentic delivery from Tamara, kept before it is processed (and after it fails).

    Stored first, processed later by a task: Tamara gets its 200 at once, a failure keeps the
    body and the traceback for a retry, and ``dedupe_key`` (a hash of the body) makes a
    repeated delivery of the same notification a no-op at the database's unique index.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSING = "processing", _("Processing")  # claimed by a drain (django_tamara.drain)
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        IGNORED = "ignored", _("Ignored")

    # Unique through Meta.constraints, not unique=True: on PostgreSQL the latter adds a second
    # (LIKE-pattern) index that no query uses and every delivery pays to maintain.
    dedupe_key = models.CharField(_("body hash"), max_length=64)
    # Keyed by Tamara's order id, so the intake stores a delivery with one INSERT: the
    # database refuses an unknown order (foreign key) and a repeat (dedupe_key) by itself.
    order = models.ForeignKey(
        TamaraOrder,
        to_field="order_id",
        db_column="tamara_order_id",
        on_delete=models.CASCADE,
        related_name="webhook_events",
        verbose_name=_("order"),
    )
    event_type = models.CharField(_("event type"), max_length=64)
    body = models.TextField(_("raw body"))
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    traceback = models.TextField(_("traceback"), blank=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-received_at", "-id"]
        # For the retry sweep and the admin's state filter; each index costs every delivery.
        indexes = [models.Index(fields=["state", "received_at"], name="tamara_event_state_received")]
        constraints = [models.UniqueConstraint(fields=["dedupe_key"], name="tamara_event_unique_body")]

    def __str__(self) -> str:
        return gettext("%(event_type)s for %(order_id)s") % {
            "event_type": self.event_type, "order_id": self.tamara_order_id}

    @property
    def tamara_order_id(self) -> Any:
        """Tamara's id of the order (the foreign key's value)."""
        return self.order_id

    @property
    def payload(self) -> Any:
        """The body as JSON (it was valid JSON when it was stored)."""
        import json

        return json.loads(self.body)


class OrderAction(models.Model):
    """One attempt by a person to act on an order from the admin: who, when, what, and Tamara's answer.

    Every attempt is kept, the ones that were skipped or failed too, so "who refunded this and
    why did the second try fail" has an answer. ``form_token`` is the one-time token of the
    admin form that started the attempt: its unique index is what makes a form submitted twice
    (double click, back button, a re-posted page) act once. The second insert of the same
    token fails inside the same transaction as the action, so it never reaches Tamara.
    """

    class Kind(models.TextChoices):
        AUTHORISE = "authorise", _("Authorise")
        CAPTURE = "capture", _("Capture")
        REFUND = "refund", _("Refund")
        CANCEL = "cancel", _("Cancel")
        SYNC = "sync", _("Sync")
        REFERENCE = "reference", _("Update reference id")
        REPROCESS = "reprocess", _("Reprocess webhook event")
        CHECK = "check", _("Check with Tamara")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Sent, no answer yet")
        UNCONFIRMED = "unconfirmed", _("Not confirmed")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey(
        TamaraOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="admin_actions",
        verbose_name=_("order"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("user"),
    )
    action = models.CharField(_("action"), max_length=16, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=15, decimal_places=3, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, db_index=True)
    message = models.TextField(_("message"), blank=True)
    form_token = models.CharField(_("form token"), max_length=80, unique=True, null=True, blank=True)
    # The capture, refund or cancel this attempt started: its outcome settles this row's.
    intent = models.OneToOneField(
        Intent, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit", verbose_name=_("attempt"),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("order action")
        verbose_name_plural = _("order actions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.get_outcome_display()})"

    @property
    def money(self) -> Money | None:
        return Money(self.amount, self.currency) if self.amount is not None and self.currency else None
