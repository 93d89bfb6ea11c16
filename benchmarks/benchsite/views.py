"""The benchmark site's views: the bare webhook baseline, and the app side of the end-to-end
benchmark (issue #17), written the way a shop uses django-tamara.

The app side offers the surface the driver (``benchmarks/end_to_end.py``) expects of every
side, under ``/bench/app/``: ``pay/`` opens the checkout with a builder and redirects to the
hosted page; the app's own landing view (``tamara:success``) syncs and authorises and then
sends the customer to ``orders/<reference>/`` (``TAMARA["SUCCESS_URL"]`` in the settings);
``capture/<reference>/`` captures everything through the lifecycle; the webhooks go to the
app's ``tamara:webhook``. The shop's record of the order is the app's ``TamaraOrder``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from django_tamara import lifecycle
from django_tamara.builders import CheckoutBuilder
from django_tamara.exceptions import TamaraError
from django_tamara.models import TamaraOrder

from .models import RawDelivery


@csrf_exempt
def bare_webhook(request):
    """The baseline: parse the same JSON body and insert one row."""
    body = json.loads(request.body)
    RawDelivery.objects.create(body=request.body.decode())
    return JsonResponse({"status": "received", "order_id": body.get("order_id")})


# The app side of the end-to-end benchmark --------------------------------------------------


@dataclass(frozen=True)
class BenchOrder:
    """The shop's order: one coffee, shipped to Riyadh. Every side of the benchmark charges it."""

    reference: str
    currency: str = "SAR"
    total_amount: Decimal = Decimal("110.00")
    shipping_amount: Decimal = Decimal("10.00")


class BenchCheckoutBuilder(CheckoutBuilder):
    """The hooks a shop writes for its order (docs/builders.md); the rest are the app's defaults.

    The merchant URLs are the app's: success on ``tamara:success`` (which syncs, authorises
    and redirects to ``TAMARA["SUCCESS_URL"]``), notifications on ``tamara:webhook``; made
    absolute from the request, so they point back at this same site.
    """

    merchant_url_names = {
        "success": "tamara:success",
        "failure": "tamara:failure",
        "cancel": "tamara:cancel",
        "notification": "tamara:webhook",
    }

    def get_order_reference_id(self, order: BenchOrder) -> str:
        return order.reference

    def get_items(self, order: BenchOrder) -> list[dict[str, Any]]:
        return [
            {
                "reference_id": "1",
                "type": "Physical",
                "name": "Coffee",
                "sku": "COFFEE-1",
                "quantity": 1,
                "unit_price": Decimal("100.00"),
            }
        ]

    def get_consumer(self, order: BenchOrder) -> dict[str, Any]:
        return {
            "first_name": "Sara",
            "last_name": "Customer",
            "phone_number": "+966500000001",
            "email": "sara@example.com",
        }

    def get_shipping_address(self, order: BenchOrder) -> dict[str, Any]:
        return {"line1": "King Fahd Road 1", "city": "Riyadh", "region": "Riyadh", "country_code": "SA"}

    def get_shipping_amount(self, order: BenchOrder) -> Decimal:
        return order.shipping_amount

    def get_total_amount(self, order: BenchOrder) -> Decimal:
        return order.total_amount


def _order_for(reference: str) -> TamaraOrder:
    """The app's record of the shop's order (the newest, should a reference have two)."""
    order = TamaraOrder.objects.latest_for_reference(reference)
    if order is None:
        raise Http404("no such order")
    return order


@csrf_exempt  # the driver is a script, not a browser holding a form's CSRF token
@require_POST
def app_pay(request: HttpRequest) -> HttpResponse:
    """The click on "Pay with Tamara": open the session for the shop's order, off to the hosted page."""
    order = BenchOrder(reference=request.POST["reference"])
    result = BenchCheckoutBuilder(request).create_session(order)
    return result.redirect()


@require_GET
def app_order(request: HttpRequest, reference: str) -> HttpResponse:
    """The shop's order page: the app's status of the order, where the driver reads it."""
    status = (
        TamaraOrder.objects.filter(order_reference_id=reference)
        .order_by("-pk")
        .values_list("status", flat=True)
        .first()
    )
    if status is None:
        raise Http404("no such order")
    return HttpResponse(f'<p id="order" data-status="{escape(status)}">Order {escape(reference)}: {escape(status)}</p>')


@csrf_exempt  # as app_pay
@require_POST
def app_capture(request: HttpRequest, reference: str) -> JsonResponse:
    """Ship the order: capture everything left, through the lifecycle (intent, ledger row, signal)."""
    order = _order_for(reference)
    try:
        lifecycle.capture(order, shipping_info={"shipped_at": timezone.now().isoformat(), "shipping_company": "SMSA"})
    except TamaraError as error:
        return JsonResponse({"status": order.status, "error": str(error)}, status=502)
    return JsonResponse({"status": order.status})  # the lifecycle brought ``order`` up to date
