import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from django_tamara.lifecycle.applying import apply_order_data, sync_order
from django_tamara.models import Cancellation, Capture, Refund, TamaraOrder
from django_tamara.states import OrderStatus

from .conftest import full_order_json

pytestmark = pytest.mark.django_db

SCHEMA_PROPERTIES = [  # every property of tests/schemas/tamara-order.schema.json
    "order_id",
    "order_reference_id",
    "order_number",
    "status",
    "payment_type",
    "instalments",
    "total_amount",
    "captured_amount",
    "refunded_amount",
    "canceled_amount",
    "consumer",
    "items",
    "created_at",
    "order_expiry_time",
]


def test_every_schema_property_round_trips(order_json):
    order, result = sync_order(order_json)
    assert result.created
    order = TamaraOrder.objects.get(pk=order.pk)  # read back from the database

    assert str(order.order_id) == order_json["order_id"]
    assert order.order_reference_id == "REF-1001"
    assert order.order_number == "1001"
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert order.payment_type == "PAY_BY_INSTALMENTS"
    assert order.instalments == 3
    assert order.currency == "SAR"
    for field, expected in [
        ("total_amount", "307.35"),
        ("captured_amount", "307.35"),
        ("refunded_amount", "50.50"),
        ("canceled_amount", "0"),
        ("tax_amount", "7.35"),
        ("shipping_amount", "10"),
        ("discount_amount", "10"),
        ("paid_amount", "102.45"),
    ]:
        value = getattr(order, field)
        assert isinstance(value, Decimal), field
        assert value == Decimal(expected), field
    assert order.discount_name == "WELCOME"
    assert (order.consumer_first_name, order.consumer_last_name) == ("Mona", "Lisa")
    assert order.consumer_phone_number == "+966502223333"
    assert order.consumer_email == "mona@example.com"
    assert order.consumer_date_of_birth.isoformat() == "1990-01-31"
    assert order.items[0]["name"] == "كتاب" and order.items[0]["total_amount"]["amount"] == 300
    assert order.created_at.isoformat() == "2026-11-20T10:15:00+00:00"
    assert order.order_expiry_time.isoformat() == "2026-12-11T10:15:00+00:00"
    assert order.settlement_status == "pending"
    assert order.settlement["batch"] == "B-7"
    assert order.shipping_address["city"] == "Riyadh"
    assert order.raw["order_id"] == order_json["order_id"]
    assert set(SCHEMA_PROPERTIES) <= set(order.raw)
    assert order.total.amount == Decimal("307.35") and order.refundable.amount == Decimal("256.85")

    capture = order.captures.get()
    assert capture.amount == Decimal("307.35") and capture.refunded_amount == Decimal("50.50")
    assert capture.shipping_info["shipping_company"] == "SMSA"
    refund = order.refunds.get()
    assert refund.capture_id == capture.capture_id and refund.comment == "damaged cover"
    assert refund.money.amount == Decimal("50.50")


def test_applying_the_same_json_twice_changes_nothing(order_json, django_assert_num_queries):
    order, _ = sync_order(order_json)
    updated = TamaraOrder.objects.get(pk=order.pk).date_updated
    order = TamaraOrder.objects.get(pk=order.pk)
    result = apply_order_data(order, order_json)
    assert not result.changed and not result.changed_fields
    assert TamaraOrder.objects.get(pk=order.pk).date_updated == updated
    assert Capture.objects.count() == 1 and Refund.objects.count() == 1


def test_new_transactions_are_reported_once(order_json):
    order, _ = sync_order(order_json)
    later = full_order_json(order_id=order_json["order_id"])
    later["transactions"] = order_json["transactions"]
    second_refund = {
        "refund_id": str(uuid.uuid4()),
        "capture_id": "c",
        "total_amount": {"amount": 10, "currency": "SAR"},
    }
    later["transactions"]["refunds"].append(second_refund)
    later["refunded_amount"] = {"amount": 60.5, "currency": "SAR"}
    result = apply_order_data(order, later)
    assert [r.refund_id for r in result.new_refunds] == [second_refund["refund_id"]]
    assert result.changed_fields and "refunded_amount" in result.changed_fields
    again = apply_order_data(order, later)
    assert not again.changed


def test_status_never_moves_backwards(order_json):
    order, _ = sync_order(order_json)
    stale = dict(
        order_json,
        status="authorised",
        captured_amount={"amount": 0, "currency": "SAR"},
        refunded_amount={"amount": 0, "currency": "SAR"},
    )
    result = apply_order_data(order, stale)
    assert result.stale and not result.status_changed
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert order.captured_amount == Decimal("307.35")


def test_three_decimal_currency_is_stored_exactly():
    data = full_order_json(
        total_amount={"amount": 10.005, "currency": "KWD"},
        tax_amount={"amount": 0, "currency": "KWD"},
        shipping_amount={"amount": 0.005, "currency": "KWD"},
        discount_amount=None,
        captured_amount={"amount": 0, "currency": "KWD"},
        refunded_amount={"amount": 0, "currency": "KWD"},
        canceled_amount={"amount": 0, "currency": "KWD"},
        paid_amount={"amount": 0, "currency": "KWD"},
        status="authorised",
        transactions={},
    )
    order, _ = sync_order(data)
    order.refresh_from_db()
    assert order.total_amount == Decimal("10.005") and order.shipping_amount == Decimal("0.005")


def _order(**fields):
    defaults = dict(order_id=uuid.uuid4(), order_reference_id="R", currency="SAR", total_amount=Decimal("100"))
    defaults.update(fields)
    return TamaraOrder.objects.create(**defaults)


@pytest.mark.parametrize(
    "fields",
    [
        {"total_amount": Decimal("-1")},
        {"captured_amount": Decimal("100.01")},
        {"captured_amount": Decimal("10"), "refunded_amount": Decimal("10.01")},
        {"canceled_amount": Decimal("-0.01")},
    ],
)
def test_database_refuses_impossible_amounts(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        _order(**fields)


def test_transaction_ids_are_unique_and_amounts_positive():
    order = _order()
    Capture.objects.create(order=order, capture_id="c1", amount=Decimal("5"), currency="SAR")
    with pytest.raises(IntegrityError), transaction.atomic():
        Capture.objects.create(order=order, capture_id="c1", amount=Decimal("5"), currency="SAR")
    with pytest.raises(IntegrityError), transaction.atomic():
        Refund.objects.create(order=order, refund_id="r1", amount=Decimal("0"), currency="SAR")
    with pytest.raises(IntegrityError), transaction.atomic():
        Cancellation.objects.create(order=order, cancel_id="x1", amount=Decimal("-5"), currency="SAR")


def test_generic_link_to_the_shop_order(django_user_model):
    user = django_user_model.objects.create(username="shop-order-stand-in")
    order = _order(shop_order=user)
    order.refresh_from_db()
    assert order.shop_order == user
