"""process_data(): the customer's return from Tamara, trusting nothing in the URL.

Tamara appends ``orderId`` and ``paymentStatus`` to the return URL; anyone can type them. The
provider reads the order from the payment, syncs it at most once per LANDING_SYNC_SECONDS,
authorises it when approved, projects it onto the payment and sends the customer on.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from payments import PaymentStatus

from django_tamara.models import Capture, TamaraOrder

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()  # the landing throttle lives in the default cache
    yield
    cache.clear()


def fetches(sim, order: TamaraOrder) -> int:
    return sum(1 for e in sim.journal(kind="api") if e["method"] == "GET" and e["path"] == f"/orders/{order.order_id}")


def test_an_approved_payment_comes_back_authorised_and_preauth(tamara_simulator, open_checkout, client, status_changes):
    payment, order, _ = open_checkout()
    tamara_simulator.approve(str(order.order_id))

    response = client.get(payment.get_process_url(), {"orderId": str(order.order_id), "paymentStatus": "approved"})

    assert response.status_code == 302 and response["Location"] == payment.get_success_url()
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (order.status, payment.status, payment.captured_amount) == ("authorised", PaymentStatus.PREAUTH, 0)
    assert status_changes.of(payment) == [PaymentStatus.PREAUTH]
    page = client.get(response["Location"])
    assert b'data-status="preauth"' in page.content


def test_an_order_id_of_another_order_in_the_url_changes_nothing(tamara_simulator, open_checkout, client):
    mine, my_order, _ = open_checkout()
    other, other_order, _ = open_checkout()
    tamara_simulator.approve(str(other_order.order_id))  # someone else's payment, approved
    before = fetches(tamara_simulator, other_order)

    response = client.get(mine.get_process_url(), {"orderId": str(other_order.order_id), "paymentStatus": "approved"})

    # Still "new" at Tamara: the customer left the page. The payment waits, on the success page.
    assert response["Location"] == mine.get_success_url()
    mine.refresh_from_db()
    other.refresh_from_db()
    other_order.refresh_from_db()
    assert mine.status == other.status == PaymentStatus.WAITING
    assert other_order.status == "new"  # not synced, not authorised
    assert fetches(tamara_simulator, other_order) == before
    assert fetches(tamara_simulator, my_order) == 1
    assert not any(e["path"].endswith("/authorise") for e in tamara_simulator.journal(kind="api"))


def test_a_declined_payment_goes_to_the_failure_page_rejected(tamara_simulator, open_checkout, client, status_changes):
    payment, order, _ = open_checkout()
    tamara_simulator.decline(str(order.order_id))

    response = client.get(payment.get_process_url(), {"orderId": str(order.order_id), "paymentStatus": "approved"})

    assert response["Location"] == payment.get_failure_url()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REJECTED and payment.message == "Tamara declined the payment"
    assert status_changes.of(payment) == [PaymentStatus.REJECTED]


def test_a_payment_without_a_checkout_goes_to_the_failure_page_unchanged(tamara_simulator, make_payment, client):
    payment = make_payment()
    response = client.get(payment.get_process_url(), {"orderId": "not-a-uuid"})
    assert response["Location"] == payment.get_failure_url()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.WAITING
    assert tamara_simulator.journal(kind="api") == []


def test_reloads_ask_tamara_once_per_landing_sync_seconds(tamara_simulator, open_checkout, client):
    payment, order, _ = open_checkout()
    tamara_simulator.approve(str(order.order_id))
    for _ in range(5):
        assert client.get(payment.get_process_url())["Location"] == payment.get_success_url()
    assert fetches(tamara_simulator, order) == 1  # the sync; authorise answers without a fetch
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PREAUTH


def test_tamara_down_on_return_is_logged_and_the_payment_keeps_its_status(tamara_simulator, open_checkout, client):
    payment, order, _ = open_checkout()
    tamara_simulator.approve(str(order.order_id))
    tamara_simulator.inject_fault(f"/orders/{order.order_id}", "error_500", count=5)

    response = client.get(payment.get_process_url())

    assert response.status_code == 302 and response["Location"] == payment.get_success_url()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.WAITING


def test_with_the_capture_option_an_authorised_payment_is_captured_at_once(
    tamara_simulator, open_checkout, client, variant, status_changes
):
    variant(capture=True, shipping_info={"shipping_company": "SMSA"})
    payment, order, _ = open_checkout(total="120.00")
    tamara_simulator.approve(str(order.order_id))

    client.get(payment.get_process_url())

    payment.refresh_from_db()
    assert (payment.status, payment.captured_amount) == (PaymentStatus.CONFIRMED, Decimal("120.00"))
    assert status_changes.of(payment) == [PaymentStatus.PREAUTH, PaymentStatus.CONFIRMED]
    capture = Capture.objects.get(order=order)
    assert capture.amount == Decimal("120.00") and capture.shipping_info["shipping_company"] == "SMSA"
