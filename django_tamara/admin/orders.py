"""The Tamara order admin: a list that scales, a read-only mirror, and the actions' buttons.

The mirror is Tamara's data, so nothing on the change page is editable: staff change an
order only through the actions (see :mod:`.views` and :mod:`.bulk`), which go through the
lifecycle service. How each column and field looks is in :mod:`.order_fields`, the ledger's
inlines in :mod:`.inlines`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from ..lifecycle import intents
from ..models import Intent, TamaraOrder
from ..money import CURRENCY_EXPONENTS
from . import actions as rules
from . import timeline
from .bulk import BulkActions
from .forms import new_token
from .inlines import CancellationInline, CaptureInline, RefundInline, WebhookEventInline
from .masking import can_see_pii
from .order_fields import OrderFields
from .paginator import EstimatedCountPaginator
from .readonly import ReadOnlyAdmin
from .views import OrderActionPage

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


# The order admin ---------------------------------------------------------------------------------


@admin.register(TamaraOrder)
class TamaraOrderAdmin(ReadOnlyAdmin, OrderFields, OrderActionPage, BulkActions, admin.ModelAdmin):
    list_display = (
        "order_reference_id",
        "status_badge",
        "consumer",
        "total_display",
        "captured_display",
        "refunded_display",
        "canceled_display",
        "payment_display",
        "created_at",
        "order_expiry_time",
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
            changelist.search_help_text = str(self.search_help_text_with_pii)  # translated for this request
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
            (
                None,
                {
                    "fields": (
                        "order_reference_id",
                        "order_number",
                        "order_id",
                        "status_badge",
                        "payment_display",
                        "description",
                        "shop_order_link",
                    )
                },
            ),
            (_("Amounts"), {"fields": ("amounts_table",)}),
            (
                _("Consumer"),
                {
                    "fields": (
                        "consumer_name",
                        "consumer_phone_full" if full else "consumer_phone_masked",
                        "consumer_email_full" if full else "consumer_email_masked",
                        "consumer_date_of_birth" if full else "hidden_date_of_birth",
                    )
                },
            ),
            (
                _("Items and addresses"),
                {
                    "fields": (
                        "items_display",
                        "shipping_full" if full else "shipping_masked",
                        "billing_full" if full else "billing_masked",
                    )
                },
            ),
            (
                _("At Tamara"),
                {
                    "fields": (
                        "created_at",
                        "order_expiry_time",
                        "settlement_status",
                        "settlement_date",
                        "settlement_display",
                        "locale",
                        "platform",
                        "is_mobile",
                        "checkout_id",
                        "checkout_url",
                    )
                },
            ),
            (
                _("Last payload from Tamara"),
                {
                    "classes": ["collapse"],
                    "fields": ("raw_full" if full else "raw_masked", "date_created", "date_updated", "synced_at"),
                },
            ),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field for _name, options in self.get_fieldsets(request, obj) for field in options["fields"]]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
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
            result.append(
                {
                    "kind": kind,
                    "label": spec.label,
                    "url": self.action_url(order, kind),
                    "post": kind in (rules.Kind.AUTHORISE, rules.Kind.SYNC, rules.Kind.CHECK),
                    "token": new_token(),
                }
            )
        return result
