"""Events that report what the order already holds cost no call to Tamara; all others re-fetch.

Most of an order's webhooks echo the app's own calls (it authorised, it captured). Re-fetching
the order for those could teach nothing, and each fetch is a call against Tamara's limits.
"""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from django_tamara import lifecycle
from django_tamara.client import ShippingInfo, get_client
from django_tamara.models import TamaraOrder, WebhookEvent
from django_tamara.webhooks.processing import already_known, process_event, reprocess

from .payloads import checkout_payload

pytestmark = pytest.mark.django_db(transaction=True)

SHIPPING = ShippingInfo(shipped_at="2026-11-23T10:00:00Z", shipping_company="SMSA")


def fetches(sim, order: TamaraOrder) -> int:
    return sum(
        1
        for e in sim.journal()
        if e.get("kind") == "api" and e["method"] == "GET" and e["path"] == f"/orders/{order.order_id}"
    )


def authorised_order(sim, live_server) -> TamaraOrder:
    payload = checkout_payload(("100.00",), notification_url=f"{live_server.url}/tamara/webhooks/")
    order, _ = lifecycle.sync_by_id(get_client().create_checkout_session(payload).order_id)
    sim.approve(str(order.order_id))
    sim.wait_for_notifications(timeout=15)
    order.refresh_from_db()
    assert order.status == "authorised"
    return order


def test_the_echo_of_our_own_authorise_and_capture_is_not_fetched(tamara_simulator, live_server):
    order = authorised_order(tamara_simulator, live_server)
    before = fetches(tamara_simulator, order)
    lifecycle.capture(order, shipping_info=SHIPPING)
    tamara_simulator.wait_for_notifications(timeout=15)

    events = {e.event_type: e for e in WebhookEvent.objects.filter(order=order)}
    assert set(events) == {"order_approved", "order_authorised", "order_captured"}
    assert {e.state for e in events.values()} == {"done"}
    assert fetches(tamara_simulator, order) == before  # neither the authorised nor the captured echo
    order.refresh_from_db()
    assert order.status == "fully_captured"


def test_a_capture_made_outside_the_app_is_fetched_and_recorded(tamara_simulator, live_server):
    order = authorised_order(tamara_simulator, live_server)
    before = fetches(tamara_simulator, order)
    # Captured from Tamara's partner portal, not through the app: the id is new to the shop.
    requests.post(
        f"{tamara_simulator.url}/payments/capture",
        timeout=10,
        headers={"Authorization": f"Bearer {tamara_simulator.api_token}"},
        json={
            "order_id": str(order.order_id),
            "total_amount": {"amount": 40.0, "currency": "SAR"},
            "shipping_info": {"shipped_at": "2026-11-23T10:00:00Z", "shipping_company": "SMSA"},
        },
    ).raise_for_status()
    tamara_simulator.wait_for_notifications(timeout=15)

    assert fetches(tamara_simulator, order) == before + 1
    order.refresh_from_db()
    assert order.status == "partially_captured" and order.captures.count() == 1
    assert str(order.captured_amount) == "40.000"


def test_staff_reprocessing_always_asks_tamara(tamara_simulator, live_server):
    order = authorised_order(tamara_simulator, live_server)
    event = WebhookEvent.objects.get(order=order, event_type="order_authorised")
    before = fetches(tamara_simulator, order)
    assert reprocess(event) == "done"
    assert fetches(tamara_simulator, order) == before + 1


def stored(order: TamaraOrder, event_type: str, body: dict) -> WebhookEvent:
    return WebhookEvent.objects.create(
        dedupe_key=uuid.uuid4().hex, order=order, event_type=event_type, body=json.dumps(body)
    )


@pytest.mark.parametrize(
    "status, event_type, data, known",
    [
        ("authorised", "order_approved", {}, True),  # late: we are past it
        ("approved", "order_approved", {}, False),  # still to authorise: fetched first
        ("approved", "order_authorised", {}, False),  # authorised elsewhere: fetched
        ("fully_captured", "order_authorised", {}, True),
        ("authorised", "order_captured", {"capture_id": "not-ours"}, False),
        ("authorised", "order_captured", {}, False),  # no id: fetched
        ("authorised", "order_captured", [], False),  # the legacy shape's empty list
        ("authorised", "order_refunded", {"refund_id": 7}, False),  # not a string
        ("authorised", "order_updated", {}, False),
    ],
)
def test_what_counts_as_already_known(status, event_type, data, known):
    order = TamaraOrder.objects.create(
        order_id=uuid.uuid4(), order_reference_id="K-1", currency="SAR", total_amount=100, status=status
    )
    event = stored(order, event_type, {"order_id": str(order.order_id), "event_type": event_type, "data": data})
    assert already_known(order, event) is known


def test_a_known_capture_id_of_another_order_does_not_count():
    mine, other = (
        TamaraOrder.objects.create(
            order_id=uuid.uuid4(),
            order_reference_id=f"K-{i}",
            currency="SAR",
            total_amount=100,
            status="partially_captured",
        )
        for i in range(2)
    )
    other.captures.create(capture_id="cap-1", amount=10, currency="SAR")
    event = stored(mine, "order_captured", {"order_id": str(mine.order_id), "data": {"capture_id": "cap-1"}})
    assert already_known(mine, event) is False
    event = stored(other, "order_captured", {"order_id": str(other.order_id), "data": {"capture_id": "cap-1"}})
    assert already_known(other, event) is True
    assert process_event(event.pk) == "done"  # and nothing was fetched: there is no Tamara here
