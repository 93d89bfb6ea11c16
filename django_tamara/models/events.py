"""Tamara's webhook deliveries, stored before they are processed."""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .orders import TamaraOrder


class WebhookEvent(models.Model):
    """One authentic delivery from Tamara, kept before it is processed (and after it fails).

    Stored first, processed later by a task: Tamara gets its 200 at once, a failure keeps the
    body and the traceback for a retry, and ``dedupe_key`` (a hash of the body) makes a
    repeated delivery of the same notification a no-op at the database's unique index.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSING = "processing", _("Processing")  # claimed by a drain (django_tamara.webhooks.gate)
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
            "event_type": self.event_type,
            "order_id": self.tamara_order_id,
        }

    @property
    def tamara_order_id(self) -> Any:
        """Tamara's id of the order (the foreign key's value)."""
        return self.order_id

    @property
    def payload(self) -> Any:
        """The body as JSON (it was valid JSON when it was stored)."""
        return json.loads(self.body)
