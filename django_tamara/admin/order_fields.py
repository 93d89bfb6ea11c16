"""How an order reads in the admin: the list's columns and the change page's fields.

Kept apart from :class:`.orders.TamaraOrderAdmin` so the admin class shows which fields
appear where, and this module how each looks. Phones, e-mails, addresses and payloads come
in a full and a masked form; the admin picks one by the user's personal-data permission.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import TamaraOrder
from .display import amounts_as_text, badge, money, pretty_json
from .masking import mask_email, mask_phone, mask_pii


class OrderFields:
    """A ``ModelAdmin`` mixin: the read-only columns and fields of a Tamara order."""

    # Columns --------------------------------------------------------------------------------------

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: TamaraOrder) -> str:
        return badge(obj.status, obj.get_status_display())

    @admin.display(description=_("consumer"))
    def consumer(self, obj: TamaraOrder) -> str:
        name = f"{obj.consumer_first_name} {obj.consumer_last_name}".strip()
        return format_html(
            '{}<br><span class="tamara-pii" dir="ltr">{}</span> <span class="tamara-pii" dir="ltr">{}</span>',
            name or "-",
            mask_phone(obj.consumer_phone_number),
            mask_email(obj.consumer_email),
        )

    @admin.display(description=_("total"), ordering="total_amount")
    def total_display(self, obj: TamaraOrder) -> str:
        return money(obj.total_amount, obj.currency)

    @admin.display(description=_("captured"), ordering="captured_amount")
    def captured_display(self, obj: TamaraOrder) -> str:
        return money(obj.captured_amount, obj.currency)

    @admin.display(description=_("refunded"), ordering="refunded_amount")
    def refunded_display(self, obj: TamaraOrder) -> str:
        return money(obj.refunded_amount, obj.currency)

    @admin.display(description=_("canceled"), ordering="canceled_amount")
    def canceled_display(self, obj: TamaraOrder) -> str:
        return money(obj.canceled_amount, obj.currency)

    @admin.display(description=_("payment type"), ordering="payment_type")
    def payment_display(self, obj: TamaraOrder) -> str:
        label = obj.get_payment_type_display() or "-"
        if obj.instalments:
            return format_html(
                "{} <small>({})</small>",
                label,
                ngettext("%(count)d instalment", "%(count)d instalments", obj.instalments) % {"count": obj.instalments},
            )
        return label

    # Change-page fields --------------------------------------------------------------------------------

    @admin.display(description=_("shop order"))
    def shop_order_link(self, obj: TamaraOrder) -> str:
        """A link to the shop's own order in its admin, without loading that order."""
        if not obj.content_type_id or not obj.object_id:
            return "-"
        model = ContentType.objects.get_for_id(obj.content_type_id)
        try:
            url = reverse(f"admin:{model.app_label}_{model.model}_change", args=[obj.object_id])
        except NoReverseMatch:
            return f"{model} #{obj.object_id}"
        return format_html('<a href="{}">{} #{}</a>', url, model, obj.object_id)

    @admin.display(description=_("amounts"))
    def amounts_table(self, obj: TamaraOrder) -> str:
        c = obj.currency
        rows = [
            (_("total"), obj.total_amount),
            (_("tax"), obj.tax_amount),
            (_("shipping"), obj.shipping_amount),
            (_("discount") + (f" ({obj.discount_name})" if obj.discount_name else ""), obj.discount_amount),
            (_("captured"), obj.captured_amount),
            (_("refunded"), obj.refunded_amount),
            (_("canceled"), obj.canceled_amount),
            (_("paid"), obj.paid_amount),
            (_("Left to capture"), obj.capturable.amount),
            (_("Left to refund"), obj.refundable.amount),
        ]
        cells = format_html_join(
            "", '<tr><th>{}</th><td dir="ltr">{}</td></tr>', ((label, money(value, c)) for label, value in rows)
        )
        return format_html('<table class="tamara-amounts"><tbody>{}</tbody></table>', cells)

    @admin.display(description=_("name"))
    def consumer_name(self, obj: TamaraOrder) -> str:
        return f"{obj.consumer_first_name} {obj.consumer_last_name}".strip() or "-"

    @admin.display(description=_("phone number"))
    def consumer_phone_full(self, obj: TamaraOrder) -> str:
        return obj.consumer_phone_number or "-"

    @admin.display(description=_("phone number"))
    def consumer_phone_masked(self, obj: TamaraOrder) -> str:
        return mask_phone(obj.consumer_phone_number) or "-"

    @admin.display(description=_("e-mail"))
    def consumer_email_full(self, obj: TamaraOrder) -> str:
        return obj.consumer_email or "-"

    @admin.display(description=_("e-mail"))
    def consumer_email_masked(self, obj: TamaraOrder) -> str:
        return mask_email(obj.consumer_email) or "-"

    @admin.display(description=_("date of birth"))
    def hidden_date_of_birth(self, obj: TamaraOrder) -> str:
        return "****-**-**" if obj.consumer_date_of_birth else "-"

    @admin.display(description=_("items"))
    def items_display(self, obj: TamaraOrder) -> str:
        """The items, each amount at its currency's decimals like the totals beside them (#15)."""
        return pretty_json(amounts_as_text(obj.items))

    @admin.display(description=_("shipping address"))
    def shipping_full(self, obj: TamaraOrder) -> str:
        return pretty_json(obj.shipping_address)

    @admin.display(description=_("shipping address"))
    def shipping_masked(self, obj: TamaraOrder) -> str:
        return pretty_json(mask_pii(obj.shipping_address))

    @admin.display(description=_("billing address"))
    def billing_full(self, obj: TamaraOrder) -> str:
        return pretty_json(obj.billing_address)

    @admin.display(description=_("billing address"))
    def billing_masked(self, obj: TamaraOrder) -> str:
        return pretty_json(mask_pii(obj.billing_address))

    @admin.display(description=_("settlement"))
    def settlement_display(self, obj: TamaraOrder) -> str:
        return pretty_json(obj.settlement)

    @admin.display(description=_("last payload from Tamara"))
    def raw_full(self, obj: TamaraOrder) -> str:
        return pretty_json(obj.raw)

    @admin.display(description=_("last payload from Tamara"))
    def raw_masked(self, obj: TamaraOrder) -> str:
        return pretty_json(mask_pii(obj.raw))
