"""The webhook event admin: what Tamara sent, what processing made of it, and "reprocess"."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import OrderAction, WebhookEvent
from ..webhooks import processing
from ..webhooks.events import EVENTS
from .display import badge, pretty_json
from .masking import can_see_pii, mask_pii
from .paginator import EstimatedCountPaginator

REPROCESS_PERMISSION = "django_tamara.change_webhookevent"


class EventTypeFilter(admin.SimpleListFilter):
    title = _("event type")
    parameter_name = "event_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(name, name) for name in EVENTS]  # the app's one table of events (#13)

    def queryset(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> QuerySet[WebhookEvent]:
        value = self.value()
        return queryset.filter(event_type=value) if value else queryset


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ("event_type", "order_link", "received_at", "state_badge", "attempts", "short_error")
    list_filter = ("state", EventTypeFilter, "received_at")
    search_fields = ("=order__order_id",)
    search_help_text = _("Tamara order id or the order's reference id, exactly.")
    list_select_related = False
    list_per_page = 50
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = ["reprocess_events"]

    class Media:
        css = {"all": ["django_tamara/admin.css"]}

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        body = "body_full" if can_see_pii(request.user) else "body_masked"
        return [
            (
                None,
                {
                    "fields": (
                        "event_type",
                        "tamara_order_id",
                        "order_link",
                        "state_badge",
                        "attempts",
                        "received_at",
                        "processed_at",
                        "dedupe_key",
                    )
                },
            ),
            (_("Error"), {"fields": ("error", "traceback")}),
            (_("Delivery"), {"fields": (body, "headers_display")}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field for _name, options in self.get_fieldsets(request, obj) for field in options["fields"]]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookEvent]:
        queryset = super().get_queryset(request)
        if request.resolver_match and (request.resolver_match.url_name or "").endswith("_changelist"):
            # The list needs the order's reference, not its JSON, nor the events' bodies.
            queryset = queryset.select_related("order").only(
                "pk",
                "event_type",
                "order",
                "received_at",
                "state",
                "attempts",
                "error",
                "order__id",
                "order__order_reference_id",
            )
        return queryset

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[WebhookEvent], search_term: str) -> Any:
        import uuid

        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            # django-stubs types a to_field foreign key's value as the target's pk, not order_id.
            return queryset.filter(order_id=uuid.UUID(term)), False  # type: ignore[misc]  # see above
        except ValueError:
            return queryset.filter(order__order_reference_id=term), False

    # Stored deliveries are evidence: nobody edits them; deleting is the usual permission.

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_reprocess_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REPROCESS_PERMISSION)

    # Columns --------------------------------------------------------------------------------------

    @admin.display(description=_("order"), ordering="order__order_reference_id")
    def order_link(self, obj: WebhookEvent) -> str:
        url = reverse("admin:django_tamara_tamaraorder_change", args=[obj.order.pk])
        return format_html('<a href="{}">{}</a>', url, obj.order.order_reference_id)

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, obj: WebhookEvent) -> str:
        return badge(obj.state, obj.get_state_display())

    @admin.display(description=_("error"))
    def short_error(self, obj: WebhookEvent) -> str:
        return (obj.error[:120] + "…") if len(obj.error) > 120 else obj.error

    @admin.display(description=_("raw body"))
    def body_full(self, obj: WebhookEvent) -> str:
        return _body(obj, masked=False)

    @admin.display(description=_("raw body"))
    def body_masked(self, obj: WebhookEvent) -> str:
        return _body(obj, masked=True)

    @admin.display(description=_("headers"))
    def headers_display(self, obj: WebhookEvent) -> str:
        return pretty_json(obj.headers)

    # Actions --------------------------------------------------------------------------------------

    @admin.action(description=_("Reprocess the selected events"), permissions=["reprocess"])
    def reprocess_events(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        """Process each event again now (re-fetching its order from Tamara) and report each result."""
        if not self.has_reprocess_permission(request):
            raise PermissionDenied
        results: dict[str, list[str]] = {"done": [], "failed": [], "skipped": []}
        for pk in list(queryset.order_by("pk").values_list("pk", flat=True)[:500]):
            event = WebhookEvent.objects.get(pk=pk)
            try:
                outcome = processing.reprocess(event)
            except Exception as error:  # reprocess keeps errors on the event; this is a last resort
                outcome = "failed"
                WebhookEvent.objects.filter(pk=pk).update(error=f"{type(error).__name__}: {error}"[:2000])
            event.refresh_from_db(fields=["state", "error", "order"])
            label = f"#{event.pk} {event.event_type}"
            key = outcome if outcome in results else "skipped"
            results[key].append(f"{label}: {event.error}" if key == "failed" else label)
            OrderAction.objects.create(
                order=event.order,
                user=request.user if request.user.pk else None,
                action=OrderAction.Kind.REPROCESS,
                outcome={"done": "done", "failed": "failed"}.get(outcome, "skipped"),
                message=gettext_now("webhook event %(event)s: %(outcome)s %(error)s")
                % {"event": label, "outcome": outcome, "error": event.error},
            )
        if results["done"]:
            messages.success(
                request,
                ngettext(
                    "Reprocessed %(count)d event: %(events)s.",
                    "Reprocessed %(count)d events: %(events)s.",
                    len(results["done"]),
                )
                % {"count": len(results["done"]), "events": ", ".join(results["done"][:20])},
            )
        for text in results["skipped"][:20]:
            messages.warning(request, gettext_now("%(event)s skipped: already processed.") % {"event": text})
        for text in results["failed"][:20]:
            messages.error(request, gettext_now("%(event)s failed") % {"event": text})


def _body(event: WebhookEvent, *, masked: bool) -> str:
    """The stored body, pretty-printed. It never held a token: Tamara sends that in the query
    string or a header, and only the body and a safe list of headers are kept."""
    try:
        payload: Any = json.loads(event.body)
    except ValueError:
        return format_html('<pre class="tamara-json" dir="ltr">{}</pre>', event.body)
    return pretty_json(mask_pii(payload) if masked else payload)
