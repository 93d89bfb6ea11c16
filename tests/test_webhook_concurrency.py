"""Many deliveries of the same event at once, over real HTTP, on PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from django_tamara import lifecycle, signals
from django_tamara.client import get_client
from django_tamara.models import WebhookEvent
from django_tamara.testing import make_notification_token

from .payloads import checkout_payload

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ORDERS = 20
DELIVERIES = 50


def test_concurrent_duplicate_approvals_authorise_each_order_once(tamara_simulator, live_server):
    orders = []
    for _ in range(ORDERS):  # no notification URL: the test delivers the webhooks itself
        session = get_client().create_checkout_session(checkout_payload(("100.00",)))
        tamara_simulator.approve(session.order_id)
        order, _ = lifecycle.sync_by_id(session.order_id)
        assert order.status == "approved"
        orders.append(order)

    authorised: Counter[str] = Counter()
    lock = threading.Lock()

    def on_authorised(sender, order, **kwargs):
        with lock:
            authorised[str(order.order_id)] += 1

    signals.order_authorised.connect(on_authorised, weak=False)
    token = make_notification_token(tamara_simulator.notification_token)
    url = f"{live_server.url}/tamara/webhooks/"
    session_local = threading.local()

    def deliver(order) -> int:
        http = getattr(session_local, "http", None) or requests.Session()
        session_local.http = http
        body = {
            "order_id": str(order.order_id),
            "order_reference_id": order.order_reference_id,
            "order_number": order.order_number,
            "event_type": "order_approved",
            "data": {},
        }
        return http.post(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60).status_code

    try:
        with ThreadPoolExecutor(max_workers=DELIVERIES) as pool:
            statuses = list(pool.map(deliver, [o for o in orders for _ in range(DELIVERIES)]))
    finally:
        signals.order_authorised.disconnect(on_authorised)

    assert Counter(statuses) == {200: ORDERS * DELIVERIES}
    journal = tamara_simulator.journal()
    for order in orders:
        order.refresh_from_db()
        assert order.status == "authorised"
        calls = [e for e in journal if e.get("kind") == "api" and e["path"].endswith(f"{order.order_id}/authorise")]
        assert len(calls) == 1, order.order_id
        assert authorised[str(order.order_id)] == 1
    assert WebhookEvent.objects.count() == ORDERS
    assert set(WebhookEvent.objects.values_list("state", flat=True)) == {"done"}
