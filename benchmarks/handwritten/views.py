"""The hand-written shop: what a competent Django developer writes for Tamara without a package.

It does the work every correct integration must do, and nothing more:

- ``pay``: one ``POST /checkout`` and one INSERT of the order row, then off to the hosted page;
- ``webhook``: the ``tamaraToken`` JWT checked (HS256 with the notification token, ``iss``,
  ``exp``/``iat`` with a small leeway), the delivery stored once (a unique constraint and
  ``INSERT ... ON CONFLICT DO NOTHING``), and, unless the event only echoes what the shop
  already recorded, the order re-fetched (the token signs no body, so the body is a hint) and
  authorised when approved (Tamara's "Webhook Registration & Order Authorisation" page: the
  merchant must authorise an approved order), the status recorded with one ``update()``;
- ``success``: the customer may beat the webhook, so the same re-fetch and authorisation,
  skipped when the row already shows the order authorised, then the order page;
- ``capture``: one ``POST /payments/capture``, one capture row and one ``update()``.

Every call that changes the order at Tamara is made holding the order's row lock
(``select_for_update``), and the status is written under it. Tamara sends the notification of
such a change as soon as it answers, before the caller has written anything: a webhook whose
plain read does not show what its event reports takes the lock, so it waits for that write
and sees its own echo instead of asking Tamara again. (Tamara answers before it notifies, so
the lock is never held while the shop waits for its own webhook.) Money is Decimal; JSON has
only numbers, so amounts become floats at the wire, which a two-place amount survives exactly.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import jwt
import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .models import Capture, Delivery, Order

API_URL: str = settings.HANDWRITTEN_TAMARA_API_URL.rstrip("/")
NOTIFICATION_TOKEN: str = settings.HANDWRITTEN_TAMARA_NOTIFICATION_TOKEN
#: Connect and read timeouts, in seconds.
TIMEOUT = (5.0, 30.0)
#: Seconds of clock difference the token's ``exp`` and ``iat`` may be off by.
LEEWAY = 5

#: One kept-alive connection pool per worker process. With ``trust_env`` on, requests would
#: re-read proxy settings from the environment on every call; this shop has none to read.
HTTP = requests.Session()
HTTP.trust_env = False
HTTP.headers.update({"Authorization": f"Bearer {settings.HANDWRITTEN_TAMARA_API_TOKEN}", "Accept": "application/json"})

CURRENCY = "SAR"
PRICE = Decimal("100.00")
SHIPPING = Decimal("10.00")
TOTAL = PRICE + SHIPPING

#: Tamara's order statuses in the order they happen (the final ones last, alike).
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
#: The status an event says the order reached, at least: a shop that holds it learns nothing.
EVENT_STATUS = {
    "order_approved": "approved",
    "order_authorised": "authorised",
    "order_captured": "partially_captured",
    "order_declined": "declined",
    "order_expired": "expired",
}


def _money(amount: Decimal, currency: str = CURRENCY) -> dict[str, Any]:
    return {"amount": float(amount), "currency": currency}


def _holds(status: str, known: str | None) -> bool:
    """Whether the shop's ``status`` already says what an event (or the landing) would learn."""
    return known is not None and RANK.get(status, 0) >= RANK[known]


def _settle(order_id: str, known: str | None) -> tuple[str, str] | None:
    """Bring the order to what Tamara has, unless the shop already holds ``known``: re-fetch it,
    authorise it if approved, record its status. The order's reference and status, or ``None``
    for an order this shop does not have."""
    rows = Order.objects.filter(tamara_order_id=order_id).values_list("reference", "status")
    row = rows.first()
    if row is None or _holds(row[1], known):
        return row
    with transaction.atomic():
        reference, status = rows.select_for_update().get()  # waits for a change in flight
        if _holds(status, known):
            return reference, status
        answer = HTTP.get(f"{API_URL}/orders/{order_id}", timeout=TIMEOUT)
        answer.raise_for_status()
        status = answer.json()["status"]
        if status == "approved":
            answer = HTTP.post(f"{API_URL}/orders/{order_id}/authorise", timeout=TIMEOUT)
            if answer.status_code == 409:  # authorised already, from outside this shop: ask what it is now
                answer = HTTP.get(f"{API_URL}/orders/{order_id}", timeout=TIMEOUT)
            answer.raise_for_status()
            status = answer.json()["status"]
        Order.objects.filter(tamara_order_id=order_id).update(status=status)
    return reference, status


@csrf_exempt  # the benchmark's driver is a script, not a browser holding a form's CSRF token
@require_POST
def pay(request: HttpRequest) -> HttpResponse:
    """The click on "Pay with Tamara": open the checkout session, keep the order, off to the hosted page."""
    reference = request.POST["reference"]
    customer = {"first_name": "Sara", "last_name": "Customer", "phone_number": "+966500000001"}
    payload = {
        "order_reference_id": reference,
        "order_number": reference,
        "total_amount": _money(TOTAL),
        "shipping_amount": _money(SHIPPING),
        "tax_amount": _money(Decimal("0.00")),
        "items": [
            {
                "reference_id": "1",
                "type": "Physical",
                "name": "Coffee",
                "sku": "COFFEE-1",
                "quantity": 1,
                "unit_price": _money(PRICE),
                "total_amount": _money(PRICE),
            }
        ],
        "consumer": {**customer, "email": "sara@example.com"},
        "shipping_address": {
            **customer,
            "line1": "King Fahd Road 1",
            "city": "Riyadh",
            "region": "Riyadh",
            "country_code": "SA",
        },
        "country_code": "SA",
        "description": f"Order {reference}",
        "merchant_url": {
            "success": request.build_absolute_uri(reverse("handwritten:success")),
            "failure": request.build_absolute_uri(reverse("handwritten:failure")),
            "cancel": request.build_absolute_uri(reverse("handwritten:failure")),
            "notification": request.build_absolute_uri(reverse("handwritten:webhook")),
        },
        "payment_type": "PAY_BY_INSTALMENTS",
        "locale": "en_US",
        "platform": "Django",
        "is_mobile": False,
    }
    answer = HTTP.post(f"{API_URL}/checkout", json=payload, timeout=TIMEOUT)
    if not answer.ok:
        return JsonResponse({"error": answer.text[:500]}, status=502)
    session = answer.json()
    Order.objects.create(reference=reference, tamara_order_id=session["order_id"], total=TOTAL, currency=CURRENCY)
    return HttpResponseRedirect(session["checkout_url"])


def _landing(request: HttpRequest, known: str | None) -> HttpResponse:
    """Tamara's redirect names the order by ``orderId``, which anyone can type: only an order
    of this shop's is settled and shown."""
    try:
        order_id = str(uuid.UUID(request.GET.get("orderId", "")))
    except ValueError:
        raise Http404("no such order") from None
    try:
        row = _settle(order_id, known)
    except requests.RequestException:  # Tamara is slow or down: the webhook still comes
        row = Order.objects.filter(tamara_order_id=order_id).values_list("reference", "status").first()
    if row is None:
        raise Http404("no such order")
    return HttpResponseRedirect(reverse("handwritten:order", args=[row[0]]))


@require_GET
def success(request: HttpRequest) -> HttpResponse:
    """Back from the hosted page: settle the order unless the webhook already did, show it."""
    return _landing(request, "authorised")


@require_GET
def failure(request: HttpRequest) -> HttpResponse:
    """Declined or canceled on the hosted page: the order page; the webhook records the status."""
    return _landing(request, "new")  # every status holds "new": nothing to settle here


@require_GET
def order_page(request: HttpRequest, reference: str) -> HttpResponse:
    status = Order.objects.filter(reference=reference).values_list("status", flat=True).first()
    if status is None:
        raise Http404("no such order")
    return HttpResponse(f'<p id="order" data-status="{escape(status)}">Order {escape(reference)}: {escape(status)}</p>')


def _authentic(request: HttpRequest) -> bool:
    """Whether the delivery's ``tamaraToken`` verifies: sent as ``Authorization: Bearer`` and
    as the ``tamaraToken`` query parameter (Tamara's "Webhook Registration & Order
    Authorisation" page); either will do, since the header may be one the merchant registered."""
    candidates = []
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        candidates.append(token.strip())
    if query := request.GET.get("tamaraToken"):
        candidates.append(query)
    for candidate in candidates:
        try:
            jwt.decode(
                candidate,
                NOTIFICATION_TOKEN,
                algorithms=["HS256"],  # pinned: no "none", no RS256 keyed with the shared secret
                issuer="Tamara",
                leeway=LEEWAY,
                options={"require": ["exp", "iat", "iss"]},
            )
            return True
        except jwt.PyJWTError:
            continue
    return False


@csrf_exempt  # Tamara cannot hold a CSRF token; the JWT is the proof of the sender
@require_POST
def webhook(request: HttpRequest) -> JsonResponse:
    if not _authentic(request):
        return JsonResponse({"error": "invalid token"}, status=401)
    try:
        body = json.loads(request.body)
        order_id = str(uuid.UUID(body["order_id"]))
        event_type = str(body.get("event_type") or body["order_status"])  # or the legacy shape
    except (ValueError, KeyError, TypeError, AttributeError):
        return JsonResponse({"error": "not a Tamara notification"}, status=400)
    Delivery.objects.bulk_create([Delivery(order_id=order_id, event_type=event_type)], ignore_conflicts=True)
    try:
        row = _settle(order_id, EVENT_STATUS.get(event_type))  # an echo of the shop's own change costs no call
    except requests.RequestException:
        return JsonResponse({"error": "Tamara did not answer"}, status=503)  # a 5xx asks for the delivery again
    return JsonResponse({"status": "ignored" if row is None else "processed"})


@csrf_exempt  # as pay
@require_POST
def capture(request: HttpRequest, reference: str) -> JsonResponse:
    """Ship the order: capture what is left at Tamara, keep the capture, move the status."""
    with transaction.atomic():
        fields = ("pk", "tamara_order_id", "total", "captured", "currency")
        order = Order.objects.select_for_update().filter(reference=reference).only(*fields).first()
        if order is None:
            raise Http404("no such order")
        amount = order.total - order.captured
        answer = HTTP.post(
            f"{API_URL}/payments/capture",
            json={
                "order_id": str(order.tamara_order_id),
                "total_amount": _money(amount, order.currency),
                "shipping_info": {"shipped_at": timezone.now().isoformat(), "shipping_company": "SMSA"},
            },
            timeout=TIMEOUT,
        )
        if not answer.ok:
            return JsonResponse({"error": answer.text[:500]}, status=502)
        done = answer.json()
        Capture.objects.create(order=order, capture_id=done["capture_id"], amount=amount)
        Order.objects.filter(pk=order.pk).update(captured=F("captured") + amount, status=done["status"])
    return JsonResponse({"status": done["status"]})
