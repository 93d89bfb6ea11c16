"""The order's ledger and deliveries on its page: captures, refunds, cancels and webhooks.

They are part of the order, so whoever may view the order sees them, and nobody edits them:
the rows are Tamara's record, written by the lifecycle alone.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import Cancellation, Capture, Refund, WebhookEvent
from .display import badge, money
from .readonly import ReadOnlyAdmin


class ReadOnlyInline(ReadOnlyAdmin, admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False
    classes = ["tamara-inline"]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Part of the order: seeing the order is enough, no separate "view capture" needed.
        user = request.user
        return user.has_perm("django_tamara.view_tamaraorder") or user.has_perm("django_tamara.change_tamaraorder")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        return queryset.defer("raw", "items") if self.model is not WebhookEvent else queryset

    @admin.display(description=_("amount"))
    def amount_display(self, obj: Any) -> str:
        return money(obj.amount, obj.currency)


class CaptureInline(ReadOnlyInline):
    model = Capture
    fields = readonly_fields = ("capture_id", "amount_display", "refunded_display", "shipping_display", "created_at")

    @admin.display(description=_("refunded"))
    def refunded_display(self, obj: Capture) -> str:
        return money(obj.refunded_amount, obj.currency)

    @admin.display(description=_("shipping info"))
    def shipping_display(self, obj: Capture) -> str:
        info = obj.shipping_info or {}
        return " · ".join(
            str(info[key]) for key in ("shipping_company", "tracking_number", "shipped_at") if info.get(key)
        )


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = readonly_fields = (
        "refund_id",
        "amount_display",
        "comment",
        "merchant_refund_id",
        "capture_id",
        "created_at",
    )


class CancellationInline(ReadOnlyInline):
    model = Cancellation
    fields = readonly_fields = ("cancel_id", "amount_display", "created_at")


class WebhookEventInline(ReadOnlyInline):
    model = WebhookEvent
    fields = readonly_fields = ("event_link", "received_at", "state_badge", "attempts", "error")
    ordering = ("received_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookEvent]:
        return super().get_queryset(request).defer("body", "headers", "traceback")

    @admin.display(description=_("event type"))
    def event_link(self, obj: WebhookEvent) -> str:
        url = reverse("admin:django_tamara_webhookevent_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.event_type)

    @admin.display(description=_("state"))
    def state_badge(self, obj: WebhookEvent) -> str:
        return badge(obj.state, obj.get_state_display())
