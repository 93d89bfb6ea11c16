"""The customer's return and a webhook's processing settle an order in one round of its lock (#17).

``lifecycle.settle`` syncs and authorises in one transaction, holding the order's row lock
once; what the sync learnt is still committed when the authorisation fails. The success
page of an order the shop already holds as authorised asks Tamara nothing.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from django_tamara import lifecycle
from django_tamara.client import get_client
from django_tamara.exceptions import TamaraError
from django_tamara.models import TamaraOrder

from .payloads import checkout_payload

pytestmark = pytest.mark.django_db(transaction=True)


def new_order() -> TamaraOrder:
    session = get_client().create_checkout_session(checkout_payload(("100.00",)))
    order, _ = lifecycle.sync_by_id(session.order_id)
    return order


def api_calls(sim, order: TamaraOrder) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in sim.journal(kind="api") if str(order.order_id) in e["path"]]


def test_the_success_page_of_an_authorised_order_asks_tamara_nothing(tamara_simulator, settings):
    settings.TAMARA = {**settings.TAMARA, "SUCCESS_URL": "/shop/orders/{order_reference_id}/"}
    order = new_order()
    tamara_simulator.approve(str(order.order_id))
    lifecycle.settle(order)  # the webhook got there first
    assert order.status == "authorised"
    before = api_calls(tamara_simulator, order)
    response = Client().get("/tamara/success/", {"orderId": str(order.order_id), "paymentStatus": "approved"})
    assert response.status_code == 302 and response["Location"] == f"/shop/orders/{order.order_reference_id}/"
    assert api_calls(tamara_simulator, order) == before


def test_an_approved_order_is_synced_and_authorised_under_one_lock(tamara_simulator):
    order = new_order()
    tamara_simulator.approve(str(order.order_id))
    with CaptureQueriesContext(connection) as queries:
        result = lifecycle.settle(order)
    assert (result.old_status, result.new_status) == ("approved", "authorised")
    locks = [
        q["sql"]
        for q in queries.captured_queries
        if "FOR UPDATE" in q["sql"] and q["sql"].split(" FROM ", 1)[1].startswith('"django_tamara_tamaraorder"')
    ]
    if connection.features.has_select_for_update:
        assert len(locks) == 1, locks
    order.refresh_from_db()
    assert order.status == "authorised"
    assert [m for m, p in api_calls(tamara_simulator, order) if p.endswith("/authorise")] == ["POST"]


def test_a_failed_authorisation_keeps_what_the_sync_learnt(tamara_simulator):
    order = new_order()
    tamara_simulator.approve(str(order.order_id))
    tamara_simulator.inject_fault(f"/orders/{order.order_id}/authorise", "error_500", count=5)
    done = []
    with pytest.raises(TamaraError):
        lifecycle.settle(order, and_then=lambda: done.append(True))
    assert done == []  # the caller's bookkeeping waits for a settled order
    order.refresh_from_db()
    assert order.status == "approved"  # committed, though the authorisation failed
    tamara_simulator.faults.clear()
    lifecycle.settle(order)
    assert order.status == "authorised"
