"""A shop on the peer package, ``aghfatehi-django-tamara`` 2.0.1, through its own views and client.

What the peer gives and what the shop must add (read from the peer's ``tamara/views.py``):

- ``pay``: the peer's ``PayView`` builds the checkout from POST fields (amount, names, email,
  phone, item name, city, address line), invents its own ``order_reference_id`` from
  ``time.time()``, keeps Tamara's order id in the session and redirects to the hosted page.
  It stores nothing, so the shop records which Tamara order is which of its orders
  (:class:`~.models.PeerOrder`). It charges one item and no shipping: the same 110.00 SAR as
  the other sides, as one item of 110.00.
- ``landing`` (the peer's ``tamara:callback`` name, see ../urls.py): the peer's
  ``CallbackView`` fetches the order (by the id it kept in the session: Tamara's redirect
  says ``orderId``, the peer reads ``order_id``) and answers JSON, without authorising. The
  shop then authorises with the peer's ``client.authorise_order``, records the status and
  sends the customer to the order page.
- ``capture``: the peer's ``client.capture_order``, and the status recorded.
- Webhooks go to the peer's ``WebhookView``, which logs the body and answers 200: no token
  check, nothing stored, nothing done.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal

from django.db.models import Case, F, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from tamara.client import client
from tamara.exceptions import TamaraException
from tamara.views import CallbackView, PayView

from .models import PeerOrder

logger = logging.getLogger("benchmarks.peersite")

PEER_PAY = PayView.as_view()
PEER_CALLBACK = CallbackView.as_view()

TOTAL = Decimal("110.00")
CURRENCY = "SAR"

#: The form the peer's PayView reads (its field names), for the benchmark's one order.
PAY_FORM = {
    "amount": str(TOTAL),
    "first_name": "Sara",
    "last_name": "Customer",
    "email": "sara@example.com",
    "phone": "+966500000001",
    "item_name": "Coffee",
    "city": "Riyadh",
    "address_line1": "King Fahd Road 1",
}

#: Tamara's order statuses in the order they happen; a status may replace only earlier ones.
RANK = {
    "new": 0,
    "approved": 1,
    "authorised": 2,
    "updated": 3,
    "partially_captured": 4,
    "fully_captured": 5,
    "partially_refunded": 6,
    "fully_refunded": 7,
    "declined": 9,
    "expired": 9,
    "canceled": 9,
}
REPLACES = {status: [old for old, r in RANK.items() if r < rank] for status, rank in RANK.items()}


@csrf_exempt  # the benchmark's driver is a script, not a browser holding a form's CSRF token
@require_POST
def pay(request: HttpRequest) -> HttpResponse:
    """The click on "Pay with Tamara", through the peer's PayView; then remember which Tamara order it opened."""
    reference = request.POST["reference"]
    form = QueryDict(mutable=True)
    form.update({**PAY_FORM, "description": f"Order {reference}"})
    request.POST = form  # what the peer's PayView reads
    answer = PEER_PAY(request)
    if answer.status_code != 302:  # the peer answered an error as JSON
        return answer
    PeerOrder.objects.create(reference=reference, tamara_order_id=request.session["tamara_order_id"], total=TOTAL)
    return answer


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    """Tamara's success redirect: the peer's CallbackView checks the order, the shop authorises it."""
    answer = PEER_CALLBACK(request)
    if answer.status_code != 200:
        return answer
    checked = json.loads(answer.content)
    order_id = checked.get("order_id") or request.session.get("tamara_order_id")
    status = checked.get("status")
    if not order_id or not status:
        return answer  # the peer found nothing to check: its own answer says so
    if status == "approved":
        try:
            status = client.authorise_order(order_id)["status"]
        except TamaraException as error:  # the peer's client keeps no HTTP status: log and show what is known
            logger.warning("could not authorise %s: %s", order_id, error)
    reference = PeerOrder.objects.filter(tamara_order_id=order_id).values_list("reference", flat=True).first()
    if reference is None:
        raise Http404("no such order")
    PeerOrder.objects.filter(tamara_order_id=order_id, status__in=REPLACES.get(status, ())).update(status=status)
    return HttpResponseRedirect(reverse("peershop:order", args=[reference]))


@require_GET
def order_page(request: HttpRequest, reference: str) -> HttpResponse:
    status = PeerOrder.objects.filter(reference=reference).values_list("status", flat=True).first()
    if status is None:
        raise Http404("no such order")
    return HttpResponse(f'<p id="order" data-status="{escape(status)}">Order {escape(reference)}: {escape(status)}</p>')


@csrf_exempt  # as pay
@require_POST
def capture(request: HttpRequest, reference: str) -> JsonResponse:
    """Ship the order: the peer's client captures what is left, the shop records the status."""
    order = PeerOrder.objects.filter(reference=reference).only("pk", "tamara_order_id", "total", "captured").first()
    if order is None:
        raise Http404("no such order")
    amount = order.total - order.captured
    try:
        done = client.capture_order(
            order.tamara_order_id,
            {
                "total_amount": {"amount": float(amount), "currency": CURRENCY},
                "shipping_info": {"shipped_at": timezone.now().isoformat(), "shipping_company": "SMSA"},
            },
        )
    except TamaraException as error:
        return JsonResponse({"error": str(error)}, status=502)
    status = done["status"]
    PeerOrder.objects.filter(pk=order.pk).update(
        captured=F("captured") + amount,
        status=Case(When(status__in=REPLACES.get(status, ()), then=Value(status)), default=F("status")),
    )
    return JsonResponse({"status": status})
