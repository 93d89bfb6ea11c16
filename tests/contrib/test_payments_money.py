"""payment.capture(), release() and refund() go through the lifecycle and end exact, once.

django-payments' own methods (payments/models.py) use the provider's answer: capture() sets
captured_amount to it, refund() subtracts it from its instance and saves, release() marks
the payment refunded. Each test checks the instance, the database, Tamara's ledger and that
django-payments' status_changed was sent once per change.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.core.cache import cache
from payments import PaymentError, PaymentStatus

from django_tamara import lifecycle
from django_tamara.exceptions import NotConfirmed, OrderHeld
from django_tamara.models import Cancellation, Capture, Refund

pytestmark = pytest.mark.django_db(transaction=True)

P = PaymentStatus


@pytest.fixture
def authorised(tamara_simulator, open_checkout, client):
    """A payment back from an approved checkout: preauth, its order authorised."""

    def make(**kwargs):
        cache.clear()
        payment, order, _ = open_checkout(**kwargs)
        tamara_simulator.approve(str(order.order_id))
        client.get(payment.get_process_url())
        payment.refresh_from_db()
        order.refresh_from_db()
        assert payment.status == P.PREAUTH and order.status == "authorised"
        return payment, order

    return make


def in_db(payment):
    fresh = type(payment).objects.get(pk=payment.pk)
    return fresh.status, fresh.captured_amount


def test_capture_then_partial_and_full_refunds(authorised, status_changes, variant):
    variant(shipping_info={"shipping_company": "SMSA", "tracking_number": "SMSA-1"})
    payment, order = authorised(total="250.00")

    payment.capture()
    assert (payment.status, payment.captured_amount) == (P.CONFIRMED, Decimal("250.00")) == in_db(payment)
    capture = Capture.objects.get(order=order)
    assert capture.amount == Decimal("250.00")
    assert capture.shipping_info["shipping_company"] == "SMSA" and capture.shipping_info["shipped_at"]

    payment.refund(Decimal("60.25"))
    assert (payment.status, payment.captured_amount) == (P.CONFIRMED, Decimal("189.75")) == in_db(payment)

    payment.refund()
    assert (payment.status, payment.captured_amount) == (P.REFUNDED, Decimal("0")) == in_db(payment)
    assert sorted(Refund.objects.filter(order=order).values_list("amount", flat=True)) == [
        Decimal("60.25"),
        Decimal("189.75"),
    ]
    assert status_changes.of(payment) == [P.PREAUTH, P.CONFIRMED, P.REFUNDED]


def test_a_partial_capture_is_exact_in_kuwaiti_dinars(authorised, status_changes):
    payment, order = authorised(currency="KWD", total="12.345")
    payment.capture(Decimal("10.005"))
    assert (payment.status, payment.captured_amount) == (P.CONFIRMED, Decimal("10.005")) == in_db(payment)
    payment.refund(Decimal("0.001"))
    assert in_db(payment) == (P.CONFIRMED, Decimal("10.004"))
    assert status_changes.of(payment) == [P.PREAUTH, P.CONFIRMED]


def test_release_cancels_the_authorisation_and_sends_status_changed_once(authorised, status_changes):
    payment, order = authorised()
    payment.release()
    order.refresh_from_db()
    assert order.status == "canceled" and Cancellation.objects.filter(order=order).count() == 1
    assert payment.status == P.REFUNDED and in_db(payment) == (P.REFUNDED, Decimal("0"))
    assert status_changes.of(payment) == [P.PREAUTH, P.REFUNDED]


def test_amounts_the_order_cannot_take_are_refused_naming_them(authorised):
    payment, order = authorised(total="100.00")
    with pytest.raises(PaymentError, match=r"cannot capture 100\.01 SAR.*only 100\.00 SAR is left.*total 100\.00 SAR"):
        payment.capture(Decimal("100.01"))
    with pytest.raises(PaymentError, match=r"amount: amount 1\.005 has more than 2 decimal places"):
        payment.capture(Decimal("1.005"))
    assert in_db(payment) == (P.PREAUTH, 0) and not Capture.objects.exists()

    payment.capture(Decimal("40"))
    with pytest.raises(ValueError, match="greater then captured"):  # django-payments' own check
        payment.refund(Decimal("40.01"))
    payment.captured_amount = Decimal("100")  # a stale instance cannot get past the order's own check
    with pytest.raises(PaymentError, match=r"cannot refund 50\.00 SAR.*only 40\.00 SAR is left"):
        payment.refund(Decimal("50"))
    assert in_db(payment) == (P.CONFIRMED, Decimal("40"))


def test_money_actions_need_the_payments_tamara_order(make_payment):
    payment = make_payment(status=P.PREAUTH)
    with pytest.raises(PaymentError, match="has no Tamara order"):
        payment.capture()
    waiting = make_payment()
    with pytest.raises(PaymentError, match="expires by itself"):
        waiting.cancel()
    assert in_db(waiting) == (P.WAITING, 0)


DELAY = 2.5  # seconds Tamara takes; the client gives up after READ_TIMEOUT (1 s here)


def test_a_capture_tamara_never_answers_is_not_confirmed_and_leaves_the_payment(
    authorised, tamara_simulator, settings, status_changes
):
    payment, order = authorised(total="80.00")
    settings.TAMARA = {**settings.TAMARA, "READ_TIMEOUT": 1.0, "MAX_RETRIES": 0}
    tamara_simulator.inject_fault("/payments/capture", "delay", delay=DELAY)

    with pytest.raises(PaymentError) as unanswered:
        payment.capture()

    message = str(unanswered.value)
    assert "not confirmed the capture of the rest" in message and "Do not capture again" in message
    assert isinstance(unanswered.value.__cause__, NotConfirmed)
    assert (payment.status, payment.captured_amount) == (P.PREAUTH, 0) == in_db(payment)
    with pytest.raises(PaymentError) as held:  # the order is held: a second try is refused before Tamara
        payment.capture()
    assert isinstance(held.value.__cause__, OrderHeld)

    deadline = time.monotonic() + 15
    while not tamara_simulator.get_order(str(order.order_id))["transactions"]["captures"]:
        assert time.monotonic() < deadline, "Tamara never processed the delayed capture"
        time.sleep(0.2)
    lifecycle.settle(order)  # what the webhook or tamara_sync does next
    assert in_db(payment) == (P.CONFIRMED, Decimal("80.00"))
    assert Capture.objects.filter(order=order).count() == 1
    assert status_changes.of(payment) == [P.PREAUTH, P.CONFIRMED]


def test_a_refund_tamara_never_answers_is_not_confirmed_and_leaves_the_payment(authorised, tamara_simulator, settings):
    payment, order = authorised(total="80.00")
    payment.capture()
    settings.TAMARA = {**settings.TAMARA, "READ_TIMEOUT": 1.0, "MAX_RETRIES": 0}
    tamara_simulator.inject_fault("/payments/simplified-refund", "delay", delay=DELAY)

    with pytest.raises(PaymentError, match=r"not confirmed the refund of 30\.00 SAR.*Do not refund again"):
        payment.refund(Decimal("30"))
    assert (payment.status, payment.captured_amount) == (P.CONFIRMED, Decimal("80.00")) == in_db(payment)
