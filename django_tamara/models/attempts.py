"""What the shop asked Tamara to do: capture, refund and cancel attempts, and the admin's audit.

An attempt is committed *before* the call (so an answer that never comes is remembered, issue
#12), and every admin action is kept with who asked and what Tamara answered.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..money import Money
from .orders import AmountField, TamaraOrder


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

    #: Not a column: False on an instance the lifecycle opened without an admin audit row
    #: (nothing links one later), so settling it skips updating audit rows there are none of.
    _has_audit: bool = True

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
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
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
            "kind": self.get_kind_display(),
            "amount": self.money,
            "state": self.get_state_display(),
        }

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def settled(self) -> bool:
        return self.state not in self.UNSETTLED


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
        TamaraOrder,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="admin_actions",
        verbose_name=_("order"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
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
        Intent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit",
        verbose_name=_("attempt"),
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
