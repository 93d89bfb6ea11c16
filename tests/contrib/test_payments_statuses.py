"""How every Tamara order status shows on the django-payments Payment.

The table itself first (every status of :class:`~django_tamara.states.OrderStatus`), then the
same statuses reached at the simulator and learnt through the app's lifecycle, whose signals
move the payment: nothing here calls the projection directly but the one status the
simulator never produces (``on_hold``).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from payments import PaymentStatus

from django_tamara import lifecycle
from django_tamara.client import get_client
from django_tamara.contrib.payments.sync import project, target_for
from django_tamara.models import TamaraOrder
from django_tamara.money import Money
from django_tamara.states import OrderStatus

pytestmark = pytest.mark.django_db(transaction=True)

SHIPPING = {"shipped_at": "2026-11-23T10:00:00Z", "shipping_company": "Aramex"}
P = PaymentStatus

#: status, captured, refunded -> payment status, captured_amount (of a 100.00 SAR order).
TABLE = [
    ("new", "0", "0", P.WAITING, "0"),
    ("approved", "0", "0", P.WAITING, "0"),
    ("on_hold", "0", "0", P.WAITING, "0"),
    ("authorised", "0", "0", P.PREAUTH, "0"),
    ("updated", "0", "0", P.PREAUTH, "0"),
    ("partially_captured", "40", "0", P.CONFIRMED, "40"),
    ("fully_captured", "100", "0", P.CONFIRMED, "100"),
    ("partially_refunded", "100", "30", P.CONFIRMED, "70"),
    ("partially_refunded", "40", "40", P.REFUNDED, "0"),  # the captured part all refunded
    ("fully_refunded", "100", "100", P.REFUNDED, "0"),
    ("canceled", "0", "0", P.REFUNDED, "0"),
    ("declined", "0", "0", P.REJECTED, "0"),
    ("expired", "0", "0", P.REJECTED, "0"),
]


def test_the_table_covers_every_tamara_status():
    assert {row[0] for row in TABLE} == set(OrderStatus.values)


@pytest.mark.parametrize(("status", "captured", "refunded", "expected", "amount"), TABLE)
def test_the_mapping(status, captured, refunded, expected, amount):
    order = TamaraOrder(
        status=status,
        currency="SAR",
        total_amount=Decimal("100"),
        captured_amount=Decimal(captured),
        refunded_amount=Decimal(refunded),
    )
    target = target_for(order)
    assert (target.status, target.captured_amount) == (expected, Decimal(amount))


def test_on_hold_never_comes_from_the_simulator_so_it_is_projected_from_a_stored_order(make_payment):
    payment = make_payment()
    order = TamaraOrder.objects.create(
        order_id="7d6b1e0e-0000-4000-8000-000000000001",
        order_reference_id=payment.token,
        status="on_hold",
        currency="SAR",
        total_amount=Decimal("250"),
        shop_order=payment,
    )
    payment.transaction_id = str(order.order_id)
    payment.save()
    assert project(order).status == P.WAITING


def state(payment):
    payment.refresh_from_db()
    return payment.status, payment.captured_amount


def test_from_checkout_to_refunded(tamara_simulator, open_checkout, status_changes):
    payment, order, _ = open_checkout(total="100.00")
    assert state(payment) == (P.WAITING, 0)

    tamara_simulator.approve(str(order.order_id))
    lifecycle.sync(order)
    assert order.status == "approved" and state(payment) == (P.WAITING, 0)

    lifecycle.authorise(order)
    assert state(payment) == (P.PREAUTH, 0)

    lifecycle.capture(order, Money("40", "SAR"), shipping_info=SHIPPING)
    assert order.status == "partially_captured" and state(payment) == (P.CONFIRMED, Decimal("40"))

    lifecycle.capture(order, shipping_info=SHIPPING)
    assert order.status == "fully_captured" and state(payment) == (P.CONFIRMED, Decimal("100"))

    lifecycle.refund(order, Money("30.55", "SAR"), comment="one cup broken")
    assert order.status == "partially_refunded" and state(payment) == (P.CONFIRMED, Decimal("69.45"))

    lifecycle.refund(order, comment="all of it")
    assert order.status == "fully_refunded" and state(payment) == (P.REFUNDED, 0)

    assert status_changes.of(payment) == [P.PREAUTH, P.CONFIRMED, P.REFUNDED]


def test_a_partial_cancel_keeps_it_preauth_and_a_full_one_makes_it_refunded(tamara_simulator, open_checkout):
    payment, order, _ = open_checkout(total="100.00")
    tamara_simulator.approve(str(order.order_id))
    lifecycle.settle(order)
    lifecycle.cancel(order, Money("25", "SAR"))
    assert order.status == "updated" and state(payment) == (P.PREAUTH, 0)
    lifecycle.cancel(order)
    assert order.status == "canceled" and state(payment) == (P.REFUNDED, 0)


def test_declined_and_expired_are_rejected_with_their_reason(tamara_simulator, open_checkout):
    declined, declined_order, _ = open_checkout()
    expired, expired_order, _ = open_checkout()
    tamara_simulator.decline(str(declined_order.order_id))
    tamara_simulator.expire(str(expired_order.order_id))
    lifecycle.sync(declined_order)
    lifecycle.sync(expired_order)
    assert state(declined) == state(expired) == (P.REJECTED, 0)
    assert "declined" in declined.message and "expired" in expired.message


def test_a_capture_made_outside_the_app_arrives_on_the_next_sync(tamara_simulator, open_checkout):
    payment, order, _ = open_checkout(currency="KWD", total="12.345")
    tamara_simulator.approve(str(order.order_id))
    lifecycle.settle(order)
    get_client().capture_order(str(order.order_id), Money("10.005", "KWD"), SHIPPING)  # Tamara's portal, say
    lifecycle.sync(order)
    assert state(payment) == (P.CONFIRMED, Decimal("10.005"))


def test_an_order_of_another_shop_model_moves_no_payment(tamara_simulator, make_payment):
    payment = make_payment()
    order = TamaraOrder.objects.create(
        order_id="7d6b1e0e-0000-4000-8000-000000000002",
        order_reference_id="OTHER-1",
        status="authorised",
        currency="SAR",
        total_amount=Decimal("250"),
        shop_order=TamaraOrder.objects.create(
            order_id="7d6b1e0e-0000-4000-8000-000000000003", order_reference_id="X", currency="SAR"
        ),
    )
    assert project(order) is None
    assert state(payment) == (P.WAITING, 0)
