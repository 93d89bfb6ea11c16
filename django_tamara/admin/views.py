"""The action pages of the order admin: one order's intermediate form, and the bulk actions.

A mixin for :class:`.orders.TamaraOrderAdmin`, kept apart so the admin class reads as a
description of the list and the change page. Pages check the action's own permission (403
otherwise), never load the table's primary keys into a form, and report each order's
outcome with Django's messages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import intents
from ..models import OrderAction, TamaraOrder
from ..states import CANCELABLE, CAPTURABLE, REFUNDABLE
from . import actions as rules
from .actions import BULK_ACTIONS, SPECS, Attempt, Kind, Outcome
from .display import badge, money
from .forms import BULK_FORMS, ORDER_FORMS, valid_token

#: Orders listed on a bulk confirmation page; the rest are counted, not listed.
CONFIRM_LIST_LIMIT = 50
#: Actions whose button posts at once from the order's page (no form page of their own).
POSTED_KINDS = (Kind.AUTHORISE, Kind.SYNC, Kind.CHECK)

#: Results per outcome spelled out in messages; the audit log has all of them.
REPORT_LIMIT = 20

_DECIMAL = DecimalField(max_digits=15, decimal_places=3)

#: For the bulk confirmation page: which orders the action fits, and what is left on each.
ELIGIBLE: dict[str, tuple[Q, Any]] = {
    # By the amounts within the authorised statuses (#13), as actions.why_not decides.
    Kind.CAPTURE: (Q(status__in=CAPTURABLE, total_amount__gt=F("captured_amount") + F("canceled_amount")),
                   ExpressionWrapper(F("total_amount") - F("captured_amount") - F("canceled_amount"), _DECIMAL)),
    Kind.CANCEL: (Q(status__in=CANCELABLE, captured_amount=0),
                  ExpressionWrapper(F("total_amount") - F("captured_amount") - F("canceled_amount"), _DECIMAL)),
    Kind.REFUND: (Q(status__in=REFUNDABLE, captured_amount__gt=F("refunded_amount")),
                  ExpressionWrapper(F("captured_amount") - F("refunded_amount"), _DECIMAL)),
}


class OrderActionViews:
    """URLs, views and changelist actions that run :mod:`.actions` for staff."""

    actions = ["authorise_orders", "capture_orders", "refund_orders", "cancel_orders", "sync_orders"]

    #: Orders one bulk run acts on; a bigger selection is left for another run (each order
    #: is a call to Tamara inside the request).
    bulk_limit = 500

    action_form_template = "admin/django_tamara/tamaraorder/action_form.html"
    bulk_confirm_template = "admin/django_tamara/tamaraorder/bulk_confirm.html"

    # Permissions (Django's ``@admin.action(permissions=[...])`` calls has_<name>_permission) -------

    def has_authorise_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return rules.allowed(request.user, Kind.AUTHORISE)

    def has_capture_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return rules.allowed(request.user, Kind.CAPTURE)

    def has_refund_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return rules.allowed(request.user, Kind.REFUND)

    def has_cancel_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return rules.allowed(request.user, Kind.CANCEL)

    def has_sync_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return rules.allowed(request.user, Kind.SYNC)

    def _require(self, request: HttpRequest, kind: str) -> None:
        if not rules.allowed(request.user, kind):
            raise PermissionDenied

    # URLs -----------------------------------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        info = self.opts.app_label, self.opts.model_name  # type: ignore[attr-defined]
        view = self.admin_site.admin_view(self.order_action_view, cacheable=True)  # type: ignore[attr-defined]
        custom = [
            path(f"<path:object_id>/{kind}/", view, {"kind": kind}, name="%s_%s_%s" % (*info, kind))
            for kind in SPECS
        ]
        return custom + super().get_urls()  # type: ignore[misc]

    def action_url(self, order: TamaraOrder, kind: str) -> str:
        return reverse(f"admin:django_tamara_tamaraorder_{kind}", args=[order.pk],
                       current_app=self.admin_site.name)  # type: ignore[attr-defined]

    def change_url(self, order: TamaraOrder) -> str:
        return reverse("admin:django_tamara_tamaraorder_change", args=[order.pk],
                       current_app=self.admin_site.name)  # type: ignore[attr-defined]

    # One order --------------------------------------------------------------------------------------

    def order_action_view(self, request: HttpRequest, object_id: str, kind: str) -> HttpResponse:
        """GET: the intermediate page; POST: run the action, then back to the change page."""
        order = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        if order is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)  # type: ignore[attr-defined]
        if not (self.has_view_or_change_permission(request, order)  # type: ignore[attr-defined]
                and rules.allowed(request.user, kind)):
            raise PermissionDenied
        spec, form_class = SPECS[kind], ORDER_FORMS[kind]
        change_url = self.change_url(order)
        error = ""
        if request.method == "POST":
            form = form_class(request.POST, order=order)
            if form.damaged:  # not a page of ours (a truncated post, a script): nothing is done
                messages.error(request, _("This form is damaged or incomplete, so nothing was done; "
                                          "open it again."))
                return HttpResponseRedirect(self.action_url(order, kind) if kind not in POSTED_KINDS else change_url)
            if form.is_valid():
                attempt = rules.perform(
                    order.pk, kind, request.user, form.operation(),
                    requested=form.requested(), token=form.token, seen_left=form.seen_left(),
                )
                # Not confirmed: back to the order, never the form again (it would invite a repeat).
                if (attempt.duplicate or attempt.outcome in (Outcome.DONE, Outcome.UNCONFIRMED)
                        or kind in POSTED_KINDS):
                    self._message(request, attempt)
                    return HttpResponseRedirect(change_url)
                # Skipped or failed: the form again, with the reason, a new token and fresh amounts.
                error = attempt.message
                order = attempt.order or order
                kept = {k: v for k, v in form.cleaned_data.items() if k not in ("form_token", "amount", "seen")}
                form = form_class(order=order, initial=kept)
        else:
            token = request.GET.get("t")
            if valid_token(token) and OrderAction.objects.filter(form_token=token).exists():
                # The back button brought the page of a form already sent: do not offer it again.
                messages.warning(request, _("This form was already submitted; open the action again to start a new one."))
                return HttpResponseRedirect(change_url)
            form = form_class(order=order, token=token)
        reason = rules.why_not(order, kind)
        if reason is None and kind in rules.MONEY_KINDS:
            reason = rules.held_reason(intents.unsettled(order))
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": _("%(action)s order %(reference)s") % {"action": spec.label, "reference": order.order_reference_id},
            "subtitle": None,
            "opts": self.opts,  # type: ignore[attr-defined]
            "app_label": self.opts.app_label,  # type: ignore[attr-defined]
            "original": order,
            "order": order,
            "kind": kind,
            "spec": spec,
            "form": form,
            "error": error,
            "reason": reason,
            "change_url": change_url,
            "amounts": self.amount_rows(order),
            "status_badge": badge(order.status, order.get_status_display()),
            "media": self.media + form.media,  # type: ignore[attr-defined]
        }
        response = TemplateResponse(request, self.action_form_template, context)
        if request.method == "GET":
            # Let the browser keep this page for the back button (the form's token then meets
            # "already submitted"), but never reuse it without asking the server first.
            patch_cache_control(response, private=True, no_cache=True, max_age=0)
        else:
            patch_cache_control(response, private=True, no_cache=True, no_store=True, max_age=0)
        return response

    def amount_rows(self, order: TamaraOrder) -> list[tuple[str, str]]:
        """The amounts an operator weighs before acting, as (label, value) rows."""
        c = order.currency
        return [
            (_("Total"), money(order.total_amount, c)),
            (_("Captured"), money(order.captured_amount, c)),
            (_("Refunded"), money(order.refunded_amount, c)),
            (_("Canceled"), money(order.canceled_amount, c)),
            (_("Left to capture"), money(order.capturable.amount, c)),
            (_("Left to refund"), money(order.refundable.amount, c)),
        ]

    def _message(self, request: HttpRequest, attempt: Attempt) -> None:
        if attempt.duplicate:
            first = attempt.duplicate_of
            when = first.created_at if first is not None and first.pk else None
            messages.warning(request, _("This form was already submitted (%(outcome)s%(when)s); nothing was done again.") % {
                "outcome": first.get_outcome_display() if first is not None else "",
                "when": f", {timezone.localtime(when):%Y-%m-%d %H:%M}" if when else ""})
        elif attempt.outcome == Outcome.DONE:
            messages.success(request, attempt.message)
        elif attempt.outcome == Outcome.UNCONFIRMED:
            messages.warning(request, attempt.message)
        elif attempt.outcome == Outcome.SKIPPED:
            messages.warning(request, _("%(reference)s skipped: %(reason)s") % {
                "reference": attempt.reference, "reason": attempt.message})
        else:
            messages.error(request, _("%(reference)s failed: %(reason)s") % {
                "reference": attempt.reference, "reason": attempt.message})

    # Many orders --------------------------------------------------------------------------------------

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """Refuse (403) a posted bulk action the user may not run, instead of Django's quiet
        "no action selected"."""
        if request.method == "POST":
            for name in request.POST.getlist("action"):
                if name in BULK_ACTIONS:
                    self._require(request, BULK_ACTIONS[name])
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

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
                messages.error(request, _("This form is damaged or incomplete, so nothing was done; "
                                          "choose the orders and the action again."))
                return None
            if not form.is_valid():
                return self._bulk_confirm(request, queryset, kind, form)
        operation = form.operation() if form is not None else (
            rules.authorise_op() if kind == Kind.AUTHORISE else rules.sync_op())
        pks = list(queryset.order_by("pk").values_list("pk", flat=True)[: self.bulk_limit + 1])
        over = len(pks) > self.bulk_limit
        attempts = rules.perform_many(pks[: self.bulk_limit], kind, request.user, operation,
                                        token=form.token if form is not None else None)
        self.report(request, kind, attempts, over_limit=over)
        return None

    def _bulk_confirm(self, request: HttpRequest, queryset: QuerySet[TamaraOrder], kind: str, form: Any) -> HttpResponse:
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
            queryset.order_by().filter(eligible_q).values("currency")
            .annotate(orders=Count("pk"), left=Sum(left_expr)).order_by("currency")
        )
        listed = []
        for order in queryset.order_by("pk")[:CONFIRM_LIST_LIMIT]:
            left = rules.left_for(order, kind)
            listed.append({"order": order, "left": left, "reason": rules.why_not(order, kind)})
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": SPECS[kind].bulk_label,
            "subtitle": None,
            "opts": self.opts,  # type: ignore[attr-defined]
            "app_label": self.opts.app_label,  # type: ignore[attr-defined]
            "kind": kind,
            "action_name": next(name for name, k in BULK_ACTIONS.items() if k == kind),
            "form": form,
            "count": count,
            "eligible": sum(row["orders"] for row in totals),
            "totals": [{"currency": row["currency"], "orders": row["orders"],
                        "left": money(row["left"], row["currency"])} for row in totals],
            "listed": listed,
            "unlisted": max(count - len(listed), 0),
            "select_across": select_across,
            "selected": selected,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "bulk_limit": self.bulk_limit,
            "over_limit": count > self.bulk_limit,
            "form_action": request.get_full_path(),
            "media": self.media + form.media,  # type: ignore[attr-defined]
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
            messages.success(request, ngettext(
                "%(action)s: done for %(count)d order: %(orders)s.",
                "%(action)s: done for %(count)d orders: %(orders)s.", len(done),
            ) % {"action": SPECS[kind].label, "count": len(done), "orders": names})
        for attempt in skipped[:REPORT_LIMIT]:
            messages.warning(request, _("%(reference)s skipped: %(reason)s") % {
                "reference": attempt.reference, "reason": attempt.message})
        for attempt in failed[:REPORT_LIMIT]:
            messages.error(request, _("%(reference)s failed: %(reason)s") % {
                "reference": attempt.reference, "reason": attempt.message})
        for attempt in unconfirmed[:REPORT_LIMIT]:
            messages.warning(request, attempt.message)
        hidden = sum(max(len(group) - REPORT_LIMIT, 0) for group in (skipped, failed, unconfirmed))
        if hidden:
            messages.info(request, ngettext(
                "%(count)d more result is in the order actions log.",
                "%(count)d more results are in the order actions log.", hidden) % {"count": hidden})
        if over_limit:
            messages.warning(request, _(
                "Only the first %(limit)d orders were processed; run the action again for the rest."
            ) % {"limit": self.bulk_limit})
