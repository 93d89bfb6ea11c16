"""The django-payments test shop in a real browser, paying at the simulator's hosted checkout.

The shop runs on pytest-django's ``live_server`` and django-payments' PAYMENT_HOST is the live
server's, so Tamara sends the customer back to the payment's process URL and its webhooks to
the app's route there, as it would to a deployed shop. Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from payments import PaymentError, PaymentStatus
from payments.core import provider_factory

from django_tamara.models import Capture, Refund, TamaraOrder
from tests.contrib.payments_shop.models import Payment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(live_payment_host, tamara_simulator):
    cache.clear()
    yield live_payment_host
    tamara_simulator.wait_for_notifications(timeout=15)
    cache.clear()


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def pay_at_tamara(page, shop: str, sim_url: str, screenshot, total: str) -> None:
    page.goto(f"{shop}/pay/")
    page.fill("#id_total", total)
    screenshot(page, "01-shop")
    page.click("#pay")
    page.wait_for_url(re.compile(re.escape(sim_url) + r"/checkout/[^/]+$"))
    expect()(page.locator("#approve")).to_be_visible()
    screenshot(page, "02-tamara-checkout")


def test_approve_then_capture_and_refund_part(page, screenshot, shop, tamara_simulator, status_changes):
    pay_at_tamara(page, shop, tamara_simulator.url, screenshot, "250.00")

    page.click("#approve")
    page.wait_for_url(re.compile(re.escape(shop) + r"/pay/\d+/success/$"))
    expect()(page.locator("#payment-status")).to_have_attribute("data-status", "preauth")
    screenshot(page, "03-back-preauth")

    payment = Payment.objects.get()
    order = TamaraOrder.objects.get(order_id=payment.transaction_id)
    assert order.shop_order == payment and order.status == "authorised"
    sent = tamara_simulator.get_order(str(order.order_id))
    assert sent["merchant_url"]["success"] == f"{shop}{payment.get_process_url()}"
    assert sent["merchant_url"]["notification"] == f"{shop}/tamara/webhooks/"

    payment.capture()
    assert (payment.status, payment.captured_amount) == (PaymentStatus.CONFIRMED, Decimal("250.00"))
    page.reload()
    expect()(page.locator("#payment-status")).to_have_attribute("data-status", "confirmed")
    expect()(page.locator("#captured")).to_have_text("250.000 SAR")
    screenshot(page, "04-captured")

    payment.refund(Decimal("40.50"))
    tamara_simulator.wait_for_notifications(timeout=15)  # the webhooks of the capture and refund land
    payment.refresh_from_db()
    assert (payment.status, payment.captured_amount) == (PaymentStatus.CONFIRMED, Decimal("209.50"))
    page.reload()
    expect()(page.locator("#captured")).to_have_text("209.500 SAR")
    screenshot(page, "05-refunded-part")

    order.refresh_from_db()
    assert (order.status, order.captured_amount, order.refunded_amount) == ("partially_refunded", 250, Decimal("40.5"))
    assert list(Capture.objects.filter(order=order).values_list("amount", flat=True)) == [Decimal("250")]
    assert list(Refund.objects.filter(order=order).values_list("amount", flat=True)) == [Decimal("40.5")]
    assert status_changes.of(payment) == [PaymentStatus.PREAUTH, PaymentStatus.CONFIRMED]


def test_decline_lands_on_the_failure_page_and_nothing_can_be_captured(page, screenshot, shop, tamara_simulator):
    pay_at_tamara(page, shop, tamara_simulator.url, screenshot, "99.00")

    page.click("#decline")
    page.wait_for_url(re.compile(re.escape(shop) + r"/pay/\d+/failure/$"))
    expect()(page.locator("#failure-title")).to_have_text("Payment failed")
    expect()(page.locator("#payment-status")).to_have_attribute("data-status", "rejected")
    screenshot(page, "03-failed")

    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.REJECTED
    assert TamaraOrder.objects.get(order_id=payment.transaction_id).status == "declined"
    with pytest.raises(ValueError, match="Only pre-authorized payments can be captured"):
        payment.capture()
    with pytest.raises(PaymentError, match="cannot capture the rest.*it is declined"):
        provider_factory(payment.variant, payment).capture(payment)  # the provider refuses too
    assert not Capture.objects.exists()
