"""The shop's own models in the admin. Tamara's side (capture, refund, cancel) lives in the
app's admin, on the Tamara order; each shop order links to it."""

from __future__ import annotations

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from .models import OrderEvent, OrderLine, Product, ShopOrder, Vendor


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "category", "tier", "joined_on"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "sku", "kind", "price", "currency", "vendor", "active"]
    list_filter = ["kind", "vendor", "active"]
    search_fields = ["name", "name_ar", "sku"]
    prepopulated_fields = {"slug": ["name"]}


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ["name", "sku", "quantity", "unit_price"]
    readonly_fields = fields
    can_delete = False


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    fields = ["created", "status", "message"]
    readonly_fields = fields
    can_delete = False


@admin.register(ShopOrder)
class ShopOrderAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "created",
        "vertical",
        "status",
        "first_name",
        "last_name",
        "captured_amount",
        "refunded_amount",
    ]
    list_filter = ["status", "vertical"]
    search_fields = ["reference", "phone_number", "email", "last_name"]
    readonly_fields = ["reference", "status", "captured_amount", "refunded_amount", "tamara_link", "created", "updated"]
    inlines = [OrderLineInline, OrderEventInline]

    @admin.display(description="Tamara order")
    def tamara_link(self, obj: ShopOrder) -> str:
        tamara = obj.tamara_order
        if tamara is None:
            return "-"
        try:
            url = reverse("admin:django_tamara_tamaraorder_change", args=[tamara.pk])
        except NoReverseMatch:
            return f"{tamara.order_id} ({tamara.status})"
        return format_html('<a href="{}">{} ({})</a>', url, tamara.order_id, tamara.get_status_display())
