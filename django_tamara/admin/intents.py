"""Captures, refunds and cancels as attempts: which are still waiting for Tamara, and how each ended.

Read-only, like the audit log: the lifecycle writes these rows (django_tamara.lifecycle.intents) and
only Tamara's records settle them. Filter by state "Not confirmed by Tamara" to see every
order that is held (docs/lifecycle.md, "Not confirmed").
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import Intent
from .display import badge, money
from .paginator import EstimatedCountPaginator
from .readonly import ReadOnlyAdmin


@admin.register(Intent)
class IntentAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "order_link",
        "kind",
        "amount_display",
        "state_badge",
        "tamara_id",
        "user",
        "settled_at",
    )
    list_filter = ("state", "kind", "created_at")
    search_fields = ("=order__order_reference_id", "=tamara_id", "=merchant_refund_id")
    search_help_text = _("The order's reference id, or a Tamara or merchant refund id, exactly.")
    list_per_page = 50
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    fields = readonly_fields = (
        "created_at",
        "order_link",
        "kind",
        "amount_display",
        "state_badge",
        "tamara_id",
        "merchant_refund_id",
        "user",
        "settled_at",
        "message",
    )

    class Media:
        css = {"all": ["django_tamara/admin.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Intent]:
        return (
            super()
            .get_queryset(request)
            .select_related("user", "order")
            .only(*[f.name for f in Intent._meta.concrete_fields], "user__username", "order__order_reference_id")
        )

    @admin.display(description=_("order"), ordering="order__order_reference_id")
    def order_link(self, obj: Intent) -> str:
        url = reverse("admin:django_tamara_tamaraorder_change", args=[obj.order_id])
        return format_html('<a href="{}">{}</a>', url, obj.order.order_reference_id)

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: Intent) -> str:
        return money(obj.amount, obj.currency)

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, obj: Intent) -> str:
        return badge(obj.state, obj.get_state_display())
