"""The lifecycle service against the simulator: amounts checked first, faults reconciled, signals once."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_tamara import lifecycle, signals
from django_tamara.client import ShippingInfo, get_client
from django_tamara.exceptions import AmountExceeded, InvalidTransition, NotConfirmed, OrderHeld, ServerError
from django_tamara.lifecycle.payments import open_intent
from django_tamara.models import Capture, Intent, OrderAction, Refund, TamaraOrder
from django_tamara.money import Money

from .payloads import checkout_payload

pytestmark = pytest.mark.django_db(transaction=True)

SHIPPING = ShippingInfo(shipped_at="2026-11-23T10:00:00Z", shipping_company="Aramex")


def sar(amount: str) -> Money:
    return Money(amount, "SAR")


@pytest.fixture
def received():
    """Every signal sent, as (signal name, order reference, transaction id) tuples."""
    seen: list[tuple[str, str, object]] = []
    names = {getattr(signals, n): n for n in dir(signals) if n.startswith("order_")}
    handlers = []
    for signal, name in names.items():

        def handler(sender, order, transaction, _name=name, **kwargs):
            seen.append((_name, order.order_reference_id, getattr(transaction, "pk", None)))

        signal.connect(handler, weak=False)
        handlers.append((signal, handler))
    yield seen
    for signal, handler in handlers:
        signal.disconnect(handler)


def make_order(sim, status: str = "authorised", *items: str) -> TamaraOrder:
    session = get_client().create_checkout_session(checkout_payload(items or ("100.00", "50.00")))
    if status in ("approved", "authorised"):
        sim.approve(session.order_id)
    order, _ = lifecycle.sync_by_id(session.order_id)
    if status == "authorised":
        lifecycle.authorise(order)
    return order


def calls(sim, path_part: str) -> int:
    return sum(1 for e in sim.journal() if e.get("kind") == "api" and path_part in e.get("path", ""))


def test_authorise_is_idempotent_and_signals_once(tamara_simulator, received):
    order = make_order(tamara_simulator, "approved")
    assert order.status == "approved"
    lifecycle.authorise(order)
    lifecycle.authorise(order)
    order.refresh_from_db()
    assert order.status == "authorised"
    assert calls(tamara_simulator, "/authorise") == 1
    assert Counter(name for name, *_ in received)["order_authorised"] == 1


def test_capture_refund_cancel_record_rows_and_totals(tamara_simulator, received):
    order = make_order(tamara_simulator)
    lifecycle.cancel(order, sar("10"))
    capture = lifecycle.capture(order, sar("100"), shipping_info=SHIPPING)
    assert order.status == "partially_captured" and order.captured_amount == Decimal("100")
    rest = lifecycle.capture(order, shipping_info=SHIPPING)  # everything left: 160 - 10 - 100
    assert rest.amount == Decimal("50")
    refund = lifecycle.refund(order, sar("30"), comment="returned one")
    order.refresh_from_db()
    assert (order.status, order.captured_amount, order.refunded_amount, order.canceled_amount) == (
        "partially_refunded",
        Decimal("150"),
        Decimal("30"),
        Decimal("10"),
    )
    assert {c.capture_id for c in order.captures.all()} == {capture.capture_id, rest.capture_id}
    assert order.refunds.get().refund_id == refund.refund_id
    # A sync afterwards finds the same rows and adds none.
    result = lifecycle.sync(order)
    assert not result.new_captures and not result.new_refunds and not result.new_cancellations
    names = [name for name, *_ in received]
    assert names.count("order_captured") == 2 and names.count("order_refunded") == 1
    assert names.count("order_updated") == 1  # the partial cancel


@pytest.mark.parametrize(
    "action, expected",
    [
        (
            lambda o: lifecycle.capture(o, sar("160.01"), shipping_info=SHIPPING),
            "cannot capture 160.01 SAR .* only 160.00 SAR",
        ),
        (lambda o: lifecycle.cancel(o, sar("200")), "cannot cancel 200.00 SAR .* only 160.00 SAR"),
        (lambda o: lifecycle.refund(o, sar("1"), comment="x"), "cannot refund .* authorised; refund after capture"),
        (lambda o: lifecycle.capture(o, Money("1", "AED"), shipping_info=SHIPPING), "order .* is in SAR"),
    ],
)
def test_bad_amounts_are_refused_before_calling_tamara(tamara_simulator, action, expected):
    order = make_order(tamara_simulator)
    before = len(tamara_simulator.journal())
    with pytest.raises((AmountExceeded, InvalidTransition), match=expected):
        action(order)
    assert len(tamara_simulator.journal()) == before


def test_over_refund_and_cancel_after_capture_are_refused_before_calling_tamara(tamara_simulator):
    order = make_order(tamara_simulator)
    lifecycle.capture(order, sar("100"), shipping_info=SHIPPING)
    before = len(tamara_simulator.journal())
    with pytest.raises(AmountExceeded, match="cannot refund 100.01 SAR .* only 100.00 SAR"):
        lifecycle.refund(order, sar("100.01"), comment="too much")
    with pytest.raises(InvalidTransition, match="cancel before capture, refund after it"):
        lifecycle.cancel(order, sar("10"))
    assert len(tamara_simulator.journal()) == before
    order.refresh_from_db()
    assert order.refunded_amount == 0 and order.canceled_amount == 0


def test_dropped_connection_after_capture_is_recorded_exactly_once(tamara_simulator, received):
    order = make_order(tamara_simulator)
    requests.post(
        f"{tamara_simulator.url}/simulator/faults",
        json={"path": "/payments/capture", "action": "drop_after", "count": 1},
        timeout=5,
    ).raise_for_status()
    row = lifecycle.capture(order, sar("60"), shipping_info=SHIPPING)
    assert row is not None and row.amount == Decimal("60")
    lifecycle.sync(order)
    lifecycle.sync(order)
    assert Capture.objects.filter(order=order).count() == 1
    order.refresh_from_db()
    assert order.captured_amount == Decimal("60") and order.status == "partially_captured"
    assert calls(tamara_simulator, "/payments/capture") == 1
    assert [name for name, *_ in received].count("order_captured") == 1


def test_server_error_leaves_the_refund_not_confirmed_and_holds_the_order(tamara_simulator, settings):
    """A 5xx may or may not have taken effect: nothing is recorded, nothing else may move money."""
    order = make_order(tamara_simulator)
    requests.post(
        f"{tamara_simulator.url}/simulator/faults",
        json={"path": "/payments/simplified-refund", "action": "error_500", "count": 1},
        timeout=5,
    ).raise_for_status()
    lifecycle.capture(order, shipping_info=SHIPPING)
    with pytest.raises(NotConfirmed) as info:
        lifecycle.refund(order, sar("10"), comment="x")
    assert isinstance(info.value.cause, ServerError) and info.value.intent.state == "unconfirmed"
    order.refresh_from_db()
    assert order.refunded_amount == 0 and not Refund.objects.exists()
    with pytest.raises(OrderHeld, match="Tamara has not confirmed the refund of 10.00 SAR"):
        lifecycle.refund(order, sar("10"), comment="again")
    assert calls(tamara_simulator, "/payments/simplified-refund") == 1

    # Tamara shows nothing once the settling window has passed: the attempt was not made.
    settings.TAMARA = {**settings.TAMARA, "SETTLE_WINDOW_SECONDS": 0}
    intent = lifecycle.check_attempt(order)
    assert intent is not None and intent.state == "absent"
    lifecycle.refund(order, sar("10"), comment="now")
    order.refresh_from_db()
    assert order.refunded_amount == Decimal("10")


def test_conflict_on_authorise_ends_in_a_sync(tamara_simulator):
    order = make_order(tamara_simulator, "approved")
    get_client().authorise_order(str(order.order_id))  # behind our back: local still says approved
    result = lifecycle.authorise(order)
    assert order.status == "authorised" and result.status_changed


def test_sync_by_id_creates_the_missing_mirror(tamara_simulator):
    session = get_client().create_checkout_session(checkout_payload(("20",), reference="REF-MISSING"))
    order, result = lifecycle.sync_by_id(session.order_id)
    assert result.created and order.order_reference_id == "REF-MISSING"
    again, result = lifecycle.sync_by_id(session.order_id)
    assert again.pk == order.pk and not result.changed


def test_update_reference_id(tamara_simulator):
    order = make_order(tamara_simulator, "new")
    lifecycle.update_reference_id(order, "NEW-REF")
    assert TamaraOrder.objects.get(pk=order.pk).order_reference_id == "NEW-REF"
    assert get_client().get_order(str(order.order_id))["order_reference_id"] == "NEW-REF"


def test_authorising_a_declined_order_refuses_but_keeps_what_it_learnt(tamara_simulator, received):
    order = make_order(tamara_simulator, "new")
    tamara_simulator.decline(str(order.order_id))
    with pytest.raises(InvalidTransition, match="declined, not approved"):
        lifecycle.authorise(order)
    assert TamaraOrder.objects.get(pk=order.pk).status == "declined"
    assert [name for name, *_ in received if name == "order_declined"] == ["order_declined"]


def test_an_attempt_without_an_audit_row_updates_none_and_one_with_its_row_follows_it(tamara_simulator):
    """A shop's own capture has no admin audit row, so settling it writes none (#17); the
    admin's attempt, opened with its row, still carries its outcome to it."""
    order = make_order(tamara_simulator)
    with CaptureQueriesContext(connection) as queries:
        lifecycle.capture(order, sar("60"), shipping_info=SHIPPING)
    assert Intent.objects.get(order=order).state == Intent.State.CONFIRMED
    assert not [q["sql"] for q in queries if "orderaction" in q["sql"].lower()]

    record = OrderAction.objects.create(order=order, action=OrderAction.Kind.CAPTURE, currency="SAR")
    intent = open_intent(order, Intent.Kind.CAPTURE, sar("40"), audit=record)
    lifecycle.capture(order, shipping_info=SHIPPING, intent=intent)
    record.refresh_from_db()
    assert record.outcome == OrderAction.Outcome.DONE and record.intent_id == intent.pk


def test_settling_an_approved_order_syncs_and_authorises_in_one_update(tamara_simulator, received):
    """The sync of an order found approved and its authorisation are one UPDATE of the order
    (#17), and the row ends as both left it."""
    order = make_order(tamara_simulator, "new")
    tamara_simulator.approve(str(order.order_id))
    with CaptureQueriesContext(connection) as queries:
        lifecycle.settle(order)
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "django_tamara_tamaraorder"')]
    assert len(updates) == 1, updates
    row = TamaraOrder.objects.get(pk=order.pk)
    assert row.status == "authorised" and row.synced_at is not None
    assert row.raw["status"] == "approved"  # the JSON the sync applied, written with the status
    assert [name for name, *_ in received if name in ("order_approved", "order_authorised")] == [
        "order_approved",
        "order_authorised",
    ]


def test_when_authorising_fails_the_sync_it_followed_is_still_written(tamara_simulator, received):
    order = make_order(tamara_simulator, "new")
    tamara_simulator.approve(str(order.order_id))
    requests.post(
        f"{tamara_simulator.url}/simulator/faults",
        json={"path": "^/orders/[^/]+/authorise", "action": "error_500", "count": 10},
        timeout=5,
    ).raise_for_status()
    with pytest.raises(ServerError):
        lifecycle.settle(order)
    row = TamaraOrder.objects.get(pk=order.pk)
    assert row.status == "approved" and row.raw["status"] == "approved" and row.synced_at is not None
    assert [name for name, *_ in received if name == "order_approved"] == ["order_approved"]
