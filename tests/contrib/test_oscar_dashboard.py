"""Payment events from Oscar's dashboard capture, refund and cancel at Tamara; the Source follows.

Staff post the dashboard's own "Create payment event" form (django-oscar's
``oscar/apps/dashboard/orders/views.py``); the EventHandler comes from the adapter's class
loader (tests/contrib/settings.py). Every test talks to the simulator.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
import requests
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_class, get_model

from django_tamara import lifecycle
from django_tamara.contrib.oscar.processing import TamaraEventHandlerMixin
from django_tamara.models import Intent, TamaraOrder

from .oscar_shop.fixtures import place_order

pytestmark = pytest.mark.django_db(transaction=True)

PaymentEvent = get_model("order", "PaymentEvent")
PaymentEventType = get_model("order", "PaymentEventType")
Source = get_model("payment", "Source")


@pytest.fixture
def staff_client(oscar_shop):
    staff = Client()
    staff.force_login(oscar_shop.staff)
    return staff


@pytest.fixture
def order(client, oscar_shop, tamara_simulator):
    return place_order(client, oscar_shop, tamara_simulator)


def tamara_of(order) -> TamaraOrder:
    return TamaraOrder.objects.get(order_id=Source.objects.get(order=order).reference)


def payment_event(staff_client, order, code: str, amount: str) -> list[str]:
    """The dashboard's line action "Create payment event", for every line; returns the messages."""
    data = {"line_action": "create_payment_event", "payment_event_type": code, "amount": amount}
    lines = list(order.lines.all())
    data["selected_line"] = [str(line.pk) for line in lines]
    data.update({f"selected_line_qty_{line.pk}": str(line.quantity) for line in lines})
    url = reverse("dashboard:order-detail", kwargs={"number": order.number})
    response = staff_client.post(url, data, follow=True)
    assert response.redirect_chain == [(url, 302)], response  # the order's page again, with Oscar's message
    return [str(m) for m in response.context["messages"]]


def ledger(order) -> tuple[tuple[Decimal, Decimal, Decimal], list[tuple[str, Decimal, str]]]:
    source = Source.objects.get(order=order)
    rows = [(t.txn_type, t.amount, t.reference) for t in source.transactions.order_by("pk")]
    return (source.amount_allocated, source.amount_debited, source.amount_refunded), rows


def test_migrate_made_the_event_types_and_the_loader_the_handler():
    codes = set(PaymentEventType.objects.values_list("code", flat=True))
    assert {"tamara-capture", "tamara-refund", "tamara-cancel"} <= codes
    handler = get_class("order.processing", "EventHandler")
    assert issubclass(handler, TamaraEventHandlerMixin)
    from oscar.apps.order.processing import EventHandler as Core

    assert issubclass(handler, Core)


def test_capture_then_refund_from_the_dashboard(staff_client, order, tamara_simulator):
    tamara = tamara_of(order)
    assert payment_event(staff_client, order, "tamara-capture", "374.00") == ["Payment event created"]

    tamara.refresh_from_db()
    assert (tamara.status, tamara.captured_amount) == ("fully_captured", Decimal("374.00"))
    [capture] = tamara.captures.all()
    amounts, rows = ledger(order)
    assert amounts == (Decimal("374.00"), Decimal("374.00"), Decimal("0.00"))
    assert rows[1:] == [("Debit", Decimal("374.00"), capture.capture_id)]
    event = PaymentEvent.objects.get(order=order)
    assert (event.event_type.code, event.amount, event.reference) == (
        "tamara-capture",
        Decimal("374.00"),
        capture.capture_id,
    )
    sent = tamara_simulator.get_order(str(tamara.order_id))
    assert sent["transactions"]["captures"][0]["shipping_info"]["shipping_company"] == "Standard delivery"

    assert payment_event(staff_client, order, "tamara-refund", "74.00") == ["Payment event created"]
    tamara.refresh_from_db()
    [refund] = tamara.refunds.all()
    assert (tamara.status, tamara.refunded_amount) == ("partially_refunded", Decimal("74.00"))
    amounts, rows = ledger(order)
    assert amounts == (Decimal("374.00"), Decimal("374.00"), Decimal("74.00"))
    assert rows[2:] == [("Refund", Decimal("74.00"), refund.refund_id)]


def test_a_refund_beyond_what_was_captured_is_refused_and_changes_nothing(staff_client, order, tamara_simulator):
    tamara = tamara_of(order)
    lifecycle.capture(tamara, None, shipping_info={"shipped_at": "2026-11-23T10:00:00Z", "shipping_company": "SMSA"})
    before = ledger(order)
    events_before = PaymentEvent.objects.count()

    assert payment_event(staff_client, order, "tamara-refund", "500.00") == [
        "Unable to create payment event due to payment error: cannot refund 500.00 SAR on order "
        f"{order.number}: only 374.00 SAR is left to refund"
    ]
    assert ledger(order) == before and PaymentEvent.objects.count() == events_before
    tamara.refresh_from_db()
    assert (
        tamara.refunded_amount == 0 and not tamara_simulator.get_order(str(tamara.order_id))["transactions"]["refunds"]
    )


def test_a_refund_before_any_capture_and_a_bad_amount_are_refused(staff_client, order):
    before = ledger(order)
    assert payment_event(staff_client, order, "tamara-refund", "10.00") == [
        "Unable to create payment event due to payment error: cannot refund order "
        f"{order.number}: it is authorised; refund after capture, cancel before it"
    ]
    assert payment_event(staff_client, order, "tamara-capture", "10.005") == [
        "Unable to create payment event due to payment error: cannot capture 10.005: amount 10.005 has more "
        "than 2 decimal places allowed for SAR"
    ]
    assert payment_event(staff_client, order, "tamara-capture", "-5") == [
        "Unable to create payment event due to payment error: cannot capture -5.00 SAR: the amount must be positive"
    ]
    assert ledger(order) == before and not PaymentEvent.objects.exists()


def test_a_cancel_before_capture_reduces_what_is_allocated(staff_client, order, tamara_simulator):
    tamara = tamara_of(order)
    assert payment_event(staff_client, order, "tamara-cancel", "100.00") == ["Payment event created"]

    tamara.refresh_from_db()
    [cancellation] = tamara.cancellations.all()
    assert (tamara.status, tamara.canceled_amount) == ("updated", Decimal("100.00"))
    amounts, rows = ledger(order)
    assert amounts == (Decimal("274.00"), Decimal("0.00"), Decimal("0.00"))
    assert rows[1:] == [("Cancel", Decimal("100.00"), cancellation.cancel_id)]


def test_other_payment_events_are_oscars_own(staff_client, order):
    PaymentEventType.objects.create(name="Paid by cheque", code="cheque")
    before = ledger(order)
    assert payment_event(staff_client, order, "cheque", "10.00") == ["Payment event created"]
    assert ledger(order) == before  # nothing moved at Tamara


def test_an_order_not_paid_with_tamara_is_refused_by_name(staff_client, order):
    Source.objects.filter(order=order).delete()
    assert payment_event(staff_client, order, "tamara-capture", "10.00") == [
        f"Unable to create payment event due to payment error: order {order.number} was not paid with Tamara"
    ]


def test_a_capture_from_the_apps_admin_reaches_the_source_through_the_signals(order, oscar_shop, tamara_simulator):
    admin = Client()
    admin.force_login(oscar_shop.staff)
    tamara = tamara_of(order)
    url = f"/admin/django_tamara/tamaraorder/{tamara.pk}/capture/"
    page = admin.get(url)
    form = page.context["form"]
    fields = {"form_token": form.token, "seen": str(form.initial.get("seen", ""))}
    fields.update(amount="150.00", shipping_company="SMSA", shipped_at="2026-11-23 10:00")
    assert admin.post(url, fields).status_code == 302

    [capture] = tamara.captures.all()
    amounts, rows = ledger(order)
    assert amounts == (Decimal("374.00"), Decimal("150.00"), Decimal("0.00"))
    assert rows[1:] == [("Debit", Decimal("150.00"), capture.capture_id)]


@pytest.fixture
def slow_tamara(tamara_simulator, settings):
    settings.TAMARA = {**settings.TAMARA, "READ_TIMEOUT": 1.0, "MAX_RETRIES": 0}
    return tamara_simulator


def test_a_capture_tamara_never_confirmed_says_so_and_leaves_the_source_alone(staff_client, order, slow_tamara):
    tamara = tamara_of(order)
    before = ledger(order)
    requests.post(
        f"{slow_tamara.url}/simulator/faults",
        json={"path": "/payments/capture", "action": "delay", "delay": 2.5, "count": 1},
        timeout=5,
    ).raise_for_status()

    [message] = payment_event(staff_client, order, "tamara-capture", "374.00")

    assert message == (
        "Unable to create payment event due to payment error: Tamara has not confirmed the capture of 374.00 SAR: "
        "it is not confirmed and may or may not have happened. Do not repeat it; the order is held until "
        "Tamara's records settle it."
    )
    assert ledger(order) == before and not PaymentEvent.objects.exists()

    # Repeating it is refused without calling Tamara: the order is held.
    [again] = payment_event(staff_client, order, "tamara-capture", "374.00")
    assert again.startswith("Unable to create payment event due to payment error: ") and "not confirmed" in again
    assert ledger(order) == before

    # Tamara made the capture after all; its records settle the attempt and the Source follows.
    deadline = time.monotonic() + 15
    while not slow_tamara.get_order(str(tamara.order_id))["transactions"]["captures"] and time.monotonic() < deadline:
        time.sleep(0.2)
    intent = lifecycle.check_attempt(tamara)
    assert intent is not None and intent.state == Intent.State.CONFIRMED
    [capture] = tamara.captures.all()
    amounts, rows = ledger(order)
    assert amounts == (Decimal("374.00"), Decimal("374.00"), Decimal("0.00"))
    assert rows[1:] == [("Debit", Decimal("374.00"), capture.capture_id)]
    captures_at_tamara = [
        e for e in slow_tamara.journal() if e.get("kind") == "api" and "/payments/capture" in e["path"]
    ]
    assert len(captures_at_tamara) == 1
