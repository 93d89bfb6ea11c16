"""The Tamara order admin: a list that scales, a read-only mirror, and the actions' buttons.

The mirror is Tamara's data, so nothing on the change page is editable: staff change an
order only through the actions (see :mod:`.views`), which go through the lifecycle service.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import intents
from ..models import Cancellation, Capture, Intent, Refund, TamaraOrder, WebhookEvent
from ..money import CURRENCY_EXPONENTS
from . import actions as rules
from . import timeline
from .display import badge, money, pretty_json
from .forms import new_token
from .masking import can_see_pii, mask_email, mask_phone, mask_pii
from .paginator import EstimatedCountPaginator
from .readonly import ReadOnlyAdmin
from .views import OrderActionViews

#: Columns the list never shows: big JSON and text, left in the database.
LIST_DEFERRED = ("raw", "items", "shipping_address", "billing_address", "settlement", "description", "checkout_url")


class CurrencyFilter(admin.SimpleListFilter):
    """Tamara's currencies, from the code: Django's default filter would scan the table for them."""

    title = _("currency")
    parameter_name = "currency"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(code, code) for code in CURRENCY_EXPONENTS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[TamaraOrder]) -> QuerySet[TamaraOrder]:
        value = self.value()
        return queryset.filter(currency=value) if value else queryset


class OrderChangeList(ChangeList):
    """The changelist's rows without the big JSON columns."""

    def get_queryset(self, request: HttpRequest, *args: Any, **kwargs: Any) -> QuerySet[TamaraOrder]:
        return super().get_queryset(request, *args, **kwargs).defer(*LIST_DEFERRED)


# Inlines: the order's ledger and deliveries, read-only, visible to whoever may view the order -----


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False
    classes = ["tamara-inline"]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Part of the order: seeing the order is enough, no separate "view capture" needed.
        user = request.user
        return user.has_perm("django_tamara.view_tamaraorder") or user.has_perm("django_tamara.change_tamaraorder")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

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
        return " · ".join(str(info[key]) for key in ("shipping_company", "tracking_number", "shipped_at") if info.get(key))


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = readonly_fields = ("refund_id", "amount_display", "comment", "merchant_refund_id", "capture_id", "created_at")


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


# The order admin ---------------------------------------------------------------------------------


@admin.register(TamaraOrder)
class TamaraOrderAdmin(ReadOnlyAdmin, OrderActionViews, admin.ModelAdmin):
    list_display = (
        "order_reference_id", "status_badge", "consumer", "total_display", "captured_display",
        "refunded_display", "canceled_display", "payment_display", "created_at", "order_expiry_time",
    )
    list_display_links = ("order_reference_id",)
    list_filter = ("status", "payment_type", CurrencyFilter, "created_at", "date_created")
    search_fields = ("order_reference_id", "order_number", "consumer_phone_number", "consumer_email")
    #: Fields searched for staff without the personal-data permission (:meth:`get_search_fields`).
    search_fields_without_pii = ("order_reference_id", "order_number")
    search_help_text = _("Tamara order id, reference id or order number.")
    #: The help text for staff who may also search by personal data (:meth:`get_changelist_instance`).
    search_help_text_with_pii = _("Tamara order id, reference id, order number, phone or e-mail.")
    list_select_related = False
    list_per_page = 50
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    inlines = [CaptureInline, RefundInline, CancellationInline, WebhookEventInline]
    change_form_template = "admin/django_tamara/tamaraorder/change_form.html"

    class Media:
        css = {"all": ["django_tamara/admin.css"]}

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return OrderChangeList

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        """Phone and e-mail are searched only for staff allowed to see them.

        A search that finds an order by a full phone number tells whoever typed it that this
        person is a customer, and with which orders: personal data, even if the list masks
        the number (#12). Staff without ``view_pii_tamaraorder`` search by reference, order
        number and Tamara order id only.
        """
        return tuple(self.search_fields) if can_see_pii(request.user) else tuple(self.search_fields_without_pii)

    def get_changelist_instance(self, request: HttpRequest) -> ChangeList:
        # The admin is shared by every request: the user's help text goes on this request's
        # ChangeList, never on ``self``.
        changelist = super().get_changelist_instance(request)
        if can_see_pii(request.user):
            changelist.search_help_text = self.search_help_text_with_pii
        return changelist

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[TamaraOrder], search_term: str) -> Any:
        """Also find a Tamara order id, exactly (the indexed column, not a text scan)."""
        import uuid

        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            order_id = uuid.UUID(search_term.strip())
        except ValueError:
            return results, may_have_duplicates
        return results | queryset.filter(order_id=order_id), may_have_duplicates

    # The change page ---------------------------------------------------------------------------

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        full = can_see_pii(request.user)
        return [
            (None, {"fields": ("order_reference_id", "order_number", "order_id", "status_badge",
                               "payment_display", "description", "shop_order_link")}),
            (_("Amounts"), {"fields": ("amounts_table",)}),
            (_("Consumer"), {"fields": ("consumer_name",
                                        "consumer_phone_full" if full else "consumer_phone_masked",
                                        "consumer_email_full" if full else "consumer_email_masked",
                                        "consumer_date_of_birth" if full else "hidden_date_of_birth")}),
            (_("Items and addresses"), {"fields": ("items_display",
                                                   "shipping_full" if full else "shipping_masked",
                                                   "billing_full" if full else "billing_masked")}),
            (_("At Tamara"), {"fields": ("created_at", "order_expiry_time", "settlement_status", "settlement_date",
                                         "settlement_display", "locale", "platform", "is_mobile", "checkout_id",
                                         "checkout_url")}),
            (_("Last payload from Tamara"), {"classes": ["collapse"],
                                             "fields": ("raw_full" if full else "raw_masked",
                                                        "date_created", "date_updated", "synced_at")}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field for _name, options in self.get_fieldsets(request, obj) for field in options["fields"]]

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], add: bool = False,
                           change: bool = False, form_url: str = "", obj: Any = None) -> HttpResponse:
        if obj is not None:
            # The inlines' rows, read once for the inlines and the timeline alike.
            loaded = {f.formset.model: list(f.formset.get_queryset()) for f in context.get("inline_admin_formsets", [])}
            context.update(timeline.context(obj, loaded))
            held = intents.unsettled(obj)
            context["tamara_buttons"] = self.buttons(request, obj, held)
            context["tamara_held"] = rules.held_reason(held)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def buttons(self, request: HttpRequest, order: TamaraOrder, held: Intent | None = None) -> list[dict[str, Any]]:
        """The actions this user may run on this order now, for the object-tools bar.

        Authorise and sync post straight from the button (both are safe to repeat); the
        others open their intermediate form. ``held`` is the order's unsettled attempt, if any.
        """
        result = []
        for kind, spec in rules.SPECS.items():
            if not rules.allowed(request.user, kind) or not rules.fits(order, kind):
                continue
            # While Tamara has not confirmed an attempt, no other money action is offered;
            # "Check with Tamara now" is, and only then.
            if (kind in rules.MONEY_KINDS and held is not None) or (kind == rules.Kind.CHECK and held is None):
                continue
            result.append({
                "kind": kind, "label": spec.label, "url": self.action_url(order, kind),
                "post": kind in (rules.Kind.AUTHORISE, rules.Kind.SYNC, rules.Kind.CHECK), "token": new_token(),
            })
        return result

    # Columns --------------------------------------------------------------------------------------

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: TamaraOrder) -> str:
        return badge(obj.status, obj.get_status_display())

    @admin.display(description=_("consumer"))
    def consumer(self, obj: TamaraOrder) -> str:
        name = f"{obj.consumer_first_name} {obj.consumer_last_name}".strip()
        return format_html('{}<br><span class="tamara-pii" dir="ltr">{}</span> <span class="tamara-pii" dir="ltr">{}</span>',
                           name or "-", mask_phone(obj.consumer_phone_number), mask_email(obj.consumer_email))

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
            return format_html("{} <small>({})</small>", label, ngettext("%(count)d instalment", "%(count)d instalments", obj.instalments) % {"count": obj.instalments})
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
            (_("total"), obj.total_amount), (_("tax"), obj.tax_amount), (_("shipping"), obj.shipping_amount),
            (_("discount") + (f" ({obj.discount_name})" if obj.discount_name else ""), obj.discount_amount),
            (_("captured"), obj.captured_amount), (_("refunded"), obj.refunded_amount),
            (_("canceled"), obj.canceled_amount), (_("paid"), obj.paid_amount),
            (_("Left to capture"), obj.capturable.amount), (_("Left to refund"), obj.refundable.amount),
        ]
        cells = format_html_join("", '<tr><th>{}</th><td dir="ltr">{}</td></tr>',
                                 ((label, money(value, c)) for label, value in rows))
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
        return pretty_json(obj.items)

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

