"""The changelist's bulk actions: confirm the selection, run it order by order, report.

A mixin for :class:`.orders.TamaraOrderAdmin`. A bulk run never loads the table's primary
keys into a form ("select all" travels as the changelist's query), confirms the orders and
the totals before moving money, and reports each order's outcome with Django's messages,
because one order's refusal must not hide the others' results.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import TamaraOrder
from . import actions as rules
from . import operations
from .actions import BULK_ACTIONS, ELIGIBLE, SPECS, Kind, Outcome
from .display import money
from .forms import BULK_FORMS
from .permissions import ActionPermissions
from .runner import Attempt, perform_many

#: Orders listed on a bulk confirmation page; the rest are counted, not listed.
CONFIRM_LIST_LIMIT = 50

#: Results per outcome spelled out in messages; the audit log has all of them.
REPORT_LIMIT = 20


class BulkActions(ActionPermissions):
    """The changelist actions that run :mod:`.runner` on the selected orders."""

    actions: Sequence[Any] | None = [
        "authorise_orders",
        "capture_orders",
        "refund_orders",
        "cancel_orders",
        "sync_orders",
    ]

    #: Orders one bulk run acts on; a bigger selection is left for another run (each order
    #: is a call to Tamara inside the request).
    bulk_limit = 500

    bulk_confirm_template = "admin/django_tamara/tamaraorder/bulk_confirm.html"

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """Refuse (403) a posted bulk action the user may not run, instead of Django's quiet
        "no action selected"."""
        if request.method == "POST":
            for name in request.POST.getlist("action"):
                if name in BULK_ACTIONS:
                    self._require(request, BULK_ACTIONS[name])
        return super().changelist_view(request, extra_context)

    @admin.action(description=SPECS[Kind.AUTHORISE].bulk_label, permissions=["authorise"])
    def authorise_orders(self, request: HttpRequest, queryset: QuerySet[TamaraOrder]) -> HttpResponse | None:
        return self._bulk(request, queryset, Kind.AUTHORISE)

    @admin.action(description=SPECS[Kind.CAPTURE].bulk_label, permissions=["capture"])
    def capture_orders(self, request: HttpRequest, queryset: QuerySet[TamaraOrder]) -> HttpResponse | None:
        return self._bulk(request, queryset, Kind.CAPTURE)

    @admin.action(description=SPECS[Kind.REFUND].bulk_label, permissions=["refund"])
    def refund_orders(self, request: HttpRequest, queryset: QuerySet[TamaraOrder]) -> HttpResponse | None:
        return self._bulk(request, queryset, Kind.REFUND)

    @admin.action(description=SPECS[Kind.CANCEL].bulk_label, permissions=["cancel"])
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet[TamaraOrder]) -> HttpResponse | None:
        return self._bulk(request, queryset, Kind.CANCEL)

    @admin.action(description=SPECS[Kind.SYNC].bulk_label, permissions=["sync"])
    def sync_orders(self, request: HttpRequest, queryset: QuerySet[TamaraOrder]) -> HttpResponse | None:
        return self._bulk(request, queryset, Kind.SYNC)

    def _bulk(self, request: HttpRequest, queryset: QuerySet[TamaraOrder], kind: str) -> HttpResponse | None:
        """Authorise and sync run at once; capture, refund and cancel confirm first (dj-stripe style)."""
        self._require(request, kind)
        form_class = BULK_FORMS.get(kind)
        form = None
        if form_class is not None:
            if request.POST.get("post") != "yes":
                return self._bulk_confirm(request, queryset, kind, form_class())
            form = form_class(request.POST)
            if form.damaged:
                messages.error(
                    request,
                    _(
                        "This form is damaged or incomplete, so nothing was done; "
                        "choose the orders and the action again."
                    ),
                )
                return None
            if not form.is_valid():
                return self._bulk_confirm(request, queryset, kind, form)
        operation = (
            form.operation()
            if form is not None
            else (operations.authorise_op() if kind == Kind.AUTHORISE else operations.sync_op())
        )
        pks = list(queryset.order_by("pk").values_list("pk", flat=True)[: self.bulk_limit + 1])
        over = len(pks) > self.bulk_limit
        attempts = perform_many(
            pks[: self.bulk_limit], kind, request.user, operation, token=form.token if form is not None else None
        )
        self.report(request, kind, attempts, over_limit=over)
        return None

    def _bulk_confirm(
        self, request: HttpRequest, queryset: QuerySet[TamaraOrder], kind: str, form: Any
    ) -> HttpResponse:
        """The confirmation page: how many orders, the total per currency, the first few listed.

        With "select all" only ``select_across=1`` and the changelist's query string travel
        with the form, and the queryset is built again from them on POST; otherwise the
        selected keys of the one page the operator ticked.
        """
        select_across = request.POST.get("select_across") in ("1", "True", "true")
        selected = [] if select_across else request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        eligible_q, left_expr = ELIGIBLE[kind]
        count = queryset.count()
        totals = list(
            queryset.order_by()
            .filter(eligible_q)
            .values("currency")
            .annotate(orders=Count("pk"), left=Sum(left_expr))
            .order_by("currency")
        )
        listed = []
        for order in queryset.order_by("pk")[:CONFIRM_LIST_LIMIT]:
            left = rules.left_for(order, kind)
            listed.append({"order": order, "left": left, "reason": rules.why_not(order, kind)})
        context = {
            **self.admin_site.each_context(request),
            "title": SPECS[kind].bulk_label,
            "subtitle": None,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "kind": kind,
            "action_name": next(name for name, k in BULK_ACTIONS.items() if k == kind),
            "form": form,
            "count": count,
            "eligible": sum(row["orders"] for row in totals),
            "totals": [
                {"currency": row["currency"], "orders": row["orders"], "left": money(row["left"], row["currency"])}
                for row in totals
            ],
            "listed": listed,
            "unlisted": max(count - len(listed), 0),
            "select_across": select_across,
            "selected": selected,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "bulk_limit": self.bulk_limit,
            "over_limit": count > self.bulk_limit,
            "form_action": request.get_full_path(),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, self.bulk_confirm_template, context)

    def report(self, request: HttpRequest, kind: str, attempts: list[Attempt], *, over_limit: bool = False) -> None:
        """One message for what was done, one per order skipped or failed (the why included)."""
        if not attempts:
            messages.info(request, _("No order was selected."))
            return
        done = [a for a in attempts if a.outcome == Outcome.DONE and not a.duplicate]
        skipped = [a for a in attempts if a.outcome == Outcome.SKIPPED or a.duplicate]
        failed = [a for a in attempts if a.outcome == Outcome.FAILED and not a.duplicate]
        unconfirmed = [a for a in attempts if a.outcome == Outcome.UNCONFIRMED and not a.duplicate]
        if done:
            names = ", ".join(
                f"{a.reference} ({a.amount})" if a.amount is not None else a.reference for a in done[:REPORT_LIMIT]
            )
            if len(done) > REPORT_LIMIT:
                names += " …"
            messages.success(
                request,
                ngettext(
                    "%(action)s: done for %(count)d order: %(orders)s.",
                    "%(action)s: done for %(count)d orders: %(orders)s.",
                    len(done),
                )
                % {"action": SPECS[kind].label, "count": len(done), "orders": names},
            )
        for attempt in skipped[:REPORT_LIMIT]:
            messages.warning(
                request,
                _("%(reference)s skipped: %(reason)s") % {"reference": attempt.reference, "reason": attempt.message},
            )
        for attempt in failed[:REPORT_LIMIT]:
            messages.error(
                request,
                _("%(reference)s failed: %(reason)s") % {"reference": attempt.reference, "reason": attempt.message},
            )
        for attempt in unconfirmed[:REPORT_LIMIT]:
            messages.warning(request, attempt.message)
        hidden = sum(max(len(group) - REPORT_LIMIT, 0) for group in (skipped, failed, unconfirmed))
        if hidden:
            messages.info(
                request,
                ngettext(
                    "%(count)d more result is in the order actions log.",
                    "%(count)d more results are in the order actions log.",
                    hidden,
                )
                % {"count": hidden},
            )
        if over_limit:
            messages.warning(
                request,
                _("Only the first %(limit)d orders were processed; run the action again for the rest.")
                % {"limit": self.bulk_limit},
            )
