"""The log of staff actions on orders: read-only, for finding out who did what and what Tamara said."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import OrderAction
from .display import badge, money
from .paginator import EstimatedCountPaginator
from .readonly import ReadOnlyAdmin


@admin.register(OrderAction)
class OrderActionAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("created_at", "order_link", "action", "user", "amount_display", "outcome_badge", "message")
    list_filter = ("action", "outcome", "created_at")
    search_fields = ("=order__order_reference_id", "=user__username")
    search_help_text = _("The order's reference id or a username, exactly.")
    list_per_page = 50
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    fields = readonly_fields = (
        "created_at",
        "order_link",
        "action",
        "user",
        "amount_display",
        "outcome_badge",
        "message",
        "form_token",
    )

    class Media:
        css = {"all": ["django_tamara/admin.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderAction]:
        # The order's reference and the user's name in the same query, without the order's JSON.
        return (
            super()
            .get_queryset(request)
            .select_related("user", "order")
            .defer(
                "order__raw",
                "order__items",
                "order__shipping_address",
                "order__billing_address",
                "order__settlement",
                "order__description",
            )
        )

    @admin.display(description=_("order"), ordering="order__order_reference_id")
    def order_link(self, obj: OrderAction) -> str:
        if obj.order_id is None:
            return "-"
        url = reverse("admin:django_tamara_tamaraorder_change", args=[obj.order_id])
        assert obj.order is not None  # the order_id checked above
        return format_html('<a href="{}">{}</a>', url, obj.order.order_reference_id)

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: OrderAction) -> str:
        return money(obj.amount, obj.currency) if obj.amount is not None else "-"

    @admin.display(description=_("outcome"), ordering="outcome")
    def outcome_badge(self, obj: OrderAction) -> str:
        return badge(obj.outcome, obj.get_outcome_display())
