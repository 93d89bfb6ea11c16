"""One order's action page: the intermediate form, then back to the order's page.

A mixin for :class:`.orders.TamaraOrderAdmin`, kept apart so the admin class reads as a
description of the list and the change page. The page checks the action's own permission
(403 otherwise), sends every post through :func:`.runner.perform`, and never offers a form
already sent again, so the back button cannot repeat a payment call.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from ..lifecycle import intents
from ..models import OrderAction, TamaraOrder
from . import actions as rules
from .actions import SPECS, Kind, Outcome
from .display import badge, money
from .forms import ORDER_FORMS, valid_token
from .permissions import ActionPermissions
from .runner import Attempt, perform

#: Actions whose button posts at once from the order's page (no form page of their own).
POSTED_KINDS = (Kind.AUTHORISE, Kind.SYNC, Kind.CHECK)


class OrderActionPage(ActionPermissions):
    """The URLs and the view that run :mod:`.runner` on one order for staff."""

    action_form_template = "admin/django_tamara/tamaraorder/action_form.html"

    # URLs -----------------------------------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view(self.order_action_view, cacheable=True)
        custom = [
            path(f"<path:object_id>/{kind}/", view, {"kind": kind}, name="%s_%s_%s" % (*info, kind)) for kind in SPECS
        ]
        return custom + super().get_urls()

    def action_url(self, order: TamaraOrder, kind: str) -> str:
        return reverse(f"admin:django_tamara_tamaraorder_{kind}", args=[order.pk], current_app=self.admin_site.name)

    def change_url(self, order: TamaraOrder) -> str:
        return reverse("admin:django_tamara_tamaraorder_change", args=[order.pk], current_app=self.admin_site.name)

    # One order --------------------------------------------------------------------------------------

    def order_action_view(self, request: HttpRequest, object_id: str, kind: str) -> HttpResponse:
        """GET: the intermediate page; POST: run the action, then back to the change page."""
        order = self.get_object(request, unquote(object_id))
        if order is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)  # type: ignore[attr-defined]  # private in Django, absent from django-stubs
        if not (self.has_view_or_change_permission(request, order) and rules.allowed(request.user, kind)):
            raise PermissionDenied
        spec, form_class = SPECS[kind], ORDER_FORMS[kind]
        change_url = self.change_url(order)
        error = ""
        if request.method == "POST":
            form = form_class(request.POST, order=order)
            if form.damaged:  # not a page of ours (a truncated post, a script): nothing is done
                messages.error(request, _("This form is damaged or incomplete, so nothing was done; open it again."))
                return HttpResponseRedirect(self.action_url(order, kind) if kind not in POSTED_KINDS else change_url)
            if form.is_valid():
                attempt = perform(
                    order.pk,
                    kind,
                    request.user,
                    form.operation(),
                    requested=form.requested(),
                    token=form.token,
                    seen_left=form.seen_left(),
                )
                # Not confirmed: back to the order, never the form again (it would invite a repeat).
                if attempt.duplicate or attempt.outcome in (Outcome.DONE, Outcome.UNCONFIRMED) or kind in POSTED_KINDS:
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
                messages.warning(
                    request, _("This form was already submitted; open the action again to start a new one.")
                )
                return HttpResponseRedirect(change_url)
            form = form_class(order=order, token=token)
        reason = rules.why_not(order, kind)
        if reason is None and kind in rules.MONEY_KINDS:
            reason = rules.held_reason(intents.unsettled(order))
        context = {
            **self.admin_site.each_context(request),
            "title": _("%(action)s order %(reference)s")
            % {"action": spec.label, "reference": order.order_reference_id},
            "subtitle": None,
            "opts": self.opts,
            "app_label": self.opts.app_label,
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
            "media": self.media + form.media,
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
            messages.warning(
                request,
                _("This form was already submitted (%(outcome)s%(when)s); nothing was done again.")
                % {
                    "outcome": first.get_outcome_display() if first is not None else "",
                    "when": f", {timezone.localtime(when):%Y-%m-%d %H:%M}" if when else "",
                },
            )
        elif attempt.outcome == Outcome.DONE:
            messages.success(request, attempt.message)
        elif attempt.outcome == Outcome.UNCONFIRMED:
            messages.warning(request, attempt.message)
        elif attempt.outcome == Outcome.SKIPPED:
            messages.warning(
                request,
                _("%(reference)s skipped: %(reason)s") % {"reference": attempt.reference, "reason": attempt.message},
            )
        else:
            messages.error(
                request,
                _("%(reference)s failed: %(reason)s") % {"reference": attempt.reference, "reason": attempt.message},
            )
