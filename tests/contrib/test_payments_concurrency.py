"""Webhooks repeated, racing and out of order move each Payment once, on PostgreSQL.

The simulator's own notifications go to a closed port here (the ``payment_host`` fixture);
the test delivers the webhooks itself, signed with the simulator's notification token, to the
app's route on the live server, many at once over real HTTP. django-payments'
``status_changed`` must be sent exactly once per real change of each payment.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests

from django_tamara.client import get_client
from django_tamara.money import Money
from django_tamara.testing import make_notification_token

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PAYMENTS = 4
DELIVERIES = 50
SHIPPING = {"shipped_at": "2026-11-23T10:00:00Z", "shipping_company": "Aramex"}


@pytest.fixture
def deliver_all(tamara_simulator, live_server):
    """``deliver_all([(order, event_type, data), ...])``: POST them all at once; their statuses."""
    url = f"{live_server.url}/tamara/webhooks/"
    token = make_notification_token(tamara_simulator.notification_token)
    local = threading.local()

    def deliver(job) -> int:
        order, event_type, data = job
        http = getattr(local, "http", None) or requests.Session()
        http.trust_env = False
        local.http = http
        body = {
            "order_id": str(order.order_id),
            "order_reference_id": order.order_reference_id,
            "order_number": order.order_number,
            "event_type": event_type,
            "data": data,
        }
        return http.post(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60).status_code

    def deliver_all(jobs) -> Counter[int]:
        with ThreadPoolExecutor(max_workers=DELIVERIES) as pool:
            return Counter(pool.map(deliver, jobs))

    return deliver_all


def authorise_calls(sim, order) -> int:
    return sum(1 for e in sim.journal(kind="api") if e["path"] == f"/orders/{order.order_id}/authorise")


def test_duplicate_approvals_then_duplicate_captures_move_each_payment_once(
    tamara_simulator, open_checkout, deliver_all, status_changes
):
    checkouts = [open_checkout(total="250.00") for _ in range(PAYMENTS)]
    for _, order, _ in checkouts:
        tamara_simulator.approve(str(order.order_id))

    approvals = [(order, "order_approved", {}) for _, order, _ in checkouts for _ in range(DELIVERIES)]
    assert deliver_all(approvals) == {200: PAYMENTS * DELIVERIES}

    for payment, order, _ in checkouts:
        payment.refresh_from_db()
        assert (payment.status, payment.captured_amount) == ("preauth", 0)
        assert status_changes.of(payment) == ["preauth"]
        assert authorise_calls(tamara_simulator, order) == 1

    # Tamara captures part of each order without the shop's app (its partner portal, say), and
    # tells it fifty times over.
    captures = []
    for _, order, _ in checkouts:
        answer = get_client().capture_order(str(order.order_id), Money("100.10", "SAR"), SHIPPING)
        captures += [(order, "order_captured", {"capture_id": answer.capture_id})] * DELIVERIES
    assert deliver_all(captures) == {200: PAYMENTS * DELIVERIES}

    for payment, order, _ in checkouts:
        payment.refresh_from_db()
        order.refresh_from_db()
        assert order.captures.count() == 1 and order.status == "partially_captured"
        assert (payment.status, payment.captured_amount) == ("confirmed", Decimal("100.10"))
        assert status_changes.of(payment) == ["preauth", "confirmed"]


def test_a_capture_reported_before_the_approval_and_authorisation_moves_each_payment_once(
    tamara_simulator, open_checkout, deliver_all, status_changes
):
    checkouts = [open_checkout(currency="KWD", total="12.345") for _ in range(PAYMENTS)]
    client = get_client()
    ids = {}
    for _, order, _ in checkouts:  # all of it happened at Tamara; the shop heard nothing yet
        tamara_simulator.approve(str(order.order_id))
        client.authorise_order(str(order.order_id))
        ids[order.pk] = client.capture_order(str(order.order_id), Money("12.345", "KWD"), SHIPPING).capture_id

    # The capture's event arrives first, alone; then the approvals and authorisations, late and
    # racing more copies of the capture.
    first = [(order, "order_captured", {"capture_id": ids[order.pk]}) for _, order, _ in checkouts]
    assert deliver_all(first) == {200: PAYMENTS}
    late = []
    for _, order, _ in checkouts:
        late += [(order, "order_approved", {})] * 20
        late += [(order, "order_authorised", {})] * 20
        late += [(order, "order_captured", {"capture_id": ids[order.pk]})] * 10
    assert deliver_all(late) == {200: len(late)}

    for payment, order, _ in checkouts:
        payment.refresh_from_db()
        order.refresh_from_db()
        assert order.status == "fully_captured" and order.captures.count() == 1
        assert (payment.status, payment.captured_amount) == ("confirmed", Decimal("12.345"))
        assert status_changes.of(payment) == ["confirmed"]
        assert authorise_calls(tamara_simulator, order) == 1  # the test's own, none from the app
