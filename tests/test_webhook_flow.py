"""Webhooks end to end: the simulator delivers real HTTP to a live shop server."""

from __future__ import annotations

import json
import uuid

import pytest
import requests
from django.test import Client

from django_tamara import lifecycle, signals
from django_tamara.client import ShippingInfo, get_client
from django_tamara.models import TamaraOrder, WebhookEvent
from django_tamara.money import Money
from django_tamara.testing import make_notification_token
from django_tamara.webhooks.processing import retry_failed_events

from .payloads import checkout_payload

pytestmark = pytest.mark.django_db(transaction=True)

SHIPPING = ShippingInfo(shipped_at="2026-11-23T10:00:00Z", shipping_company="SMSA")


@pytest.fixture
def authorised_signals():
    seen: list[str] = []

    def handler(sender, order, **kwargs):
        seen.append(order.order_reference_id)

    signals.order_authorised.connect(handler, weak=False)
    yield seen
    signals.order_authorised.disconnect(handler)


def create(sim, live_server, *items: str, **kwargs) -> TamaraOrder:
    kwargs.setdefault("notification_url", f"{live_server.url}/tamara/webhooks/")
    payload = checkout_payload(items or ("100.00",), **kwargs)
    session = get_client().create_checkout_session(payload)
    order, _ = lifecycle.sync_by_id(session.order_id)
    return order


def sim_post(sim, path: str, body: dict) -> None:
    requests.post(f"{sim.url}{path}", json=body, timeout=10).raise_for_status()


def authorise_calls(sim, order: TamaraOrder) -> int:
    return sum(1 for e in sim.journal() if e.get("kind") == "api" and e["path"].endswith(f"{order.order_id}/authorise"))


def test_approval_webhook_authorises_the_order(tamara_simulator, live_server, authorised_signals):
    order = create(tamara_simulator, live_server)
    tamara_simulator.approve(str(order.order_id))
    order.refresh_from_db()
    assert order.status == "authorised"
    assert authorise_calls(tamara_simulator, order) == 1
    assert authorised_signals == [order.order_reference_id]
    events = list(WebhookEvent.objects.filter(order=order))
    assert [e.event_type for e in events if e.event_type == "order_approved"] == ["order_approved"]
    assert all(e.state == "done" for e in events)
    stored = events[0]
    assert "Authorization" not in json.dumps(stored.headers) and "tamaraToken" not in json.dumps(stored.headers)
    assert tamara_simulator.notification_token not in json.dumps(stored.headers)


def test_duplicate_deliveries_are_processed_once(tamara_simulator, live_server, authorised_signals):
    order = create(tamara_simulator, live_server)
    sim_post(tamara_simulator, "/simulator/webhook-faults", {"mode": "duplicate", "count": 5})
    tamara_simulator.approve(str(order.order_id))
    order.refresh_from_db()
    assert order.status == "authorised"
    assert authorise_calls(tamara_simulator, order) == 1
    assert WebhookEvent.objects.filter(order=order, event_type="order_approved").count() == 1
    assert authorised_signals == [order.order_reference_id]


def test_legacy_order_status_shape_is_accepted(tamara_simulator, live_server):
    sim_post(tamara_simulator, "/simulator/config", {"notification_shape": "order_status"})
    order = create(tamara_simulator, live_server)
    tamara_simulator.approve(str(order.order_id))
    order.refresh_from_db()
    assert order.status == "authorised"
    assert WebhookEvent.objects.filter(order=order, event_type="order_approved").exists()


def test_captured_before_authorised_ends_in_tamaras_state(tamara_simulator, live_server):
    order = create(tamara_simulator, live_server)
    tamara_simulator.approve(str(order.order_id))  # authorised by the webhook
    sim_post(tamara_simulator, "/simulator/webhook-faults", {"mode": "out_of_order", "count": 1})
    client = get_client()
    client.capture_order(str(order.order_id), Money("50", "SAR"), SHIPPING)  # event held back
    client.capture_order(str(order.order_id), Money("60", "SAR"), SHIPPING)  # delivered, then the held one
    assert tamara_simulator.wait_for_notifications()
    order.refresh_from_db()
    assert order.status == "fully_captured" and order.captured_amount == 110
    assert order.captures.count() == 2


def test_approved_after_expired_does_not_move_backwards(tamara_simulator, live_server, authorised_signals):
    order = create(tamara_simulator, live_server)
    tamara_simulator.expire(str(order.order_id))
    order.refresh_from_db()
    assert order.status == "expired"
    # A stale "approved" notification arrives late, authentic but out of date.
    body = {
        "order_id": str(order.order_id),
        "order_reference_id": order.order_reference_id,
        "order_number": order.order_number,
        "event_type": "order_approved",
        "data": {},
    }
    token = make_notification_token(tamara_simulator.notification_token)
    response = requests.post(f"{live_server.url}/tamara/webhooks/?tamaraToken={token}", json=body, timeout=10)
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "expired"
    assert authorised_signals == []
    assert authorise_calls(tamara_simulator, order) == 0


def test_failed_processing_is_kept_and_retried(tamara_simulator, live_server):
    order = create(tamara_simulator, live_server)
    sim_post(
        tamara_simulator,
        "/simulator/faults",
        {"path": f"/orders/{order.order_id}/authorise", "action": "error_500", "count": 1},
    )
    tamara_simulator.approve(str(order.order_id))
    event = WebhookEvent.objects.get(order=order, event_type="order_approved")
    assert event.state == "failed"
    assert "ServerError" in event.error and "500" in event.error
    assert "Traceback" in event.traceback
    order.refresh_from_db()
    assert order.status == "approved"
    assert retry_failed_events() == {"done": 1}
    order.refresh_from_db()
    assert order.status == "authorised"
    assert WebhookEvent.objects.get(pk=event.pk).state == "done"


def _post(body: bytes | str, key: str, content_type: str = "application/json"):
    token = make_notification_token(key)
    return Client().post("/tamara/webhooks/", body, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.parametrize(
    "body, status, message",
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[1, 2]", 400, "JSON object"),
        (b'{"event_type": "order_approved"}', 400, "order_id"),
        (b'{"order_id": "nope", "event_type": "order_approved"}', 400, "UUID"),
        (b'{"order_id": "' + str(uuid.uuid4()).encode() + b'", "event_type": 5}', 400, "event_type"),
        (b'{"order_id": "' + str(uuid.uuid4()).encode() + b'", "event_type": "order_approved"}', 404, "unknown order"),
        (b'{"order_id": "x", "pad": "' + b"x" * 70_000 + b'"}', 413, "larger than"),
    ],
)
def test_bad_bodies_get_a_clear_4xx(settings, body, status, message):
    response = _post(body, settings.TAMARA["NOTIFICATION_TOKEN"])
    assert response.status_code == status
    assert message in response.json()["error"]
    assert WebhookEvent.objects.count() == 0


def test_reconciliation_command_catches_up_missed_webhooks(tamara_simulator, live_server, capsys):
    from django.core.management import call_command

    orders = [create(tamara_simulator, live_server, notification_url=None) for _ in range(3)]
    for order in orders:  # approved at Tamara, but no notification URL: nothing reaches the shop
        tamara_simulator.approve(str(order.order_id))
    assert set(TamaraOrder.objects.values_list("status", flat=True)) == {"new"}
    call_command("tamara_sync", "--batch-size", "2")
    assert "done: 3 orders, 3 changed, 0 failed" in capsys.readouterr().out
    assert set(TamaraOrder.objects.values_list("status", flat=True)) == {"authorised"}


def test_prune_events_keeps_failed_and_recent(tamara_simulator, live_server):
    from django.core.management import call_command
    from django.utils import timezone

    order = create(tamara_simulator, live_server)
    tamara_simulator.approve(str(order.order_id))
    WebhookEvent.objects.update(received_at=timezone.now() - timezone.timedelta(days=40))
    failed = WebhookEvent.objects.create(
        dedupe_key="f" * 64, order=order, event_type="order_captured", body="{}", state="failed"
    )
    WebhookEvent.objects.filter(pk=failed.pk).update(received_at=timezone.now() - timezone.timedelta(days=40))
    call_command("tamara_prune_events", "--days", "30")
    assert list(WebhookEvent.objects.values_list("state", flat=True)) == ["failed"]
