"""Landing views after the hosted checkout, and the operator's management commands."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from django_tamara import lifecycle
from django_tamara.client import get_client
from django_tamara.models import TamaraOrder, WebhookEvent
from django_tamara.tasks import reconcile_task

from .payloads import checkout_payload

pytestmark = pytest.mark.django_db(transaction=True)


def new_order(**kwargs) -> TamaraOrder:
    session = get_client().create_checkout_session(checkout_payload(("100.00",), **kwargs))
    order, _ = lifecycle.sync_by_id(session.order_id)
    return order


def test_success_view_syncs_and_authorises_when_webhooks_are_late(tamara_simulator, settings):
    settings.TAMARA = {**settings.TAMARA, "SUCCESS_URL": "/shop/orders/{order_reference_id}/"}
    order = new_order()  # no notification URL: only the redirect tells the shop
    tamara_simulator.approve(str(order.order_id))
    response = Client().get("/tamara/success/", {"orderId": str(order.order_id), "paymentStatus": "approved"})
    assert response.status_code == 302
    assert response["Location"] == f"/shop/orders/{order.order_reference_id}/"
    order.refresh_from_db()
    assert order.status == "authorised"


def test_success_view_does_not_trust_query_parameters(tamara_simulator):
    order = new_order()  # still new at Tamara: the customer never approved
    response = Client().get("/tamara/success/", {"orderId": str(order.order_id), "paymentStatus": "approved"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "new"
    assert not any(e.get("path", "").endswith("/authorise") for e in tamara_simulator.journal())


@pytest.mark.parametrize("path", ["/tamara/success/", "/tamara/failure/", "/tamara/cancel/"])
@pytest.mark.parametrize("order_id", ["", "not-a-uuid", "00000000-0000-4000-8000-000000000000"])
def test_landing_views_survive_garbage(tamara_simulator, path, order_id):
    response = Client().get(path, {"orderId": order_id, "paymentStatus": "<script>"})
    assert response.status_code == 302


def test_failure_view_records_the_decline(tamara_simulator, settings):
    settings.TAMARA = {**settings.TAMARA, "FAILURE_URL": "/basket/"}
    order = new_order()
    tamara_simulator.decline(str(order.order_id))
    response = Client().get("/tamara/failure/", {"orderId": str(order.order_id), "paymentStatus": "declined"})
    assert response["Location"] == "/basket/"
    order.refresh_from_db()
    assert order.status == "declined"


def test_tamara_sync_one_order_creates_the_mirror(tamara_simulator):
    session = get_client().create_checkout_session(checkout_payload(("40",), reference="REF-CMD"))
    out = io.StringIO()
    call_command("tamara_sync", "--order", session.order_id, stdout=out)
    assert f"{session.order_id}: new (created)" in out.getvalue()
    assert TamaraOrder.objects.get(order_id=session.order_id).order_reference_id == "REF-CMD"
    with pytest.raises(CommandError, match="could not sync order"):
        call_command("tamara_sync", "--order", "00000000-0000-4000-8000-000000000000", stdout=io.StringIO())


def test_tamara_sync_with_concurrency_and_failed_event_retry(tamara_simulator):
    orders = [new_order() for _ in range(6)]
    for order in orders:
        tamara_simulator.approve(str(order.order_id))
    failed = WebhookEvent.objects.create(
        dedupe_key="e" * 64,
        order=orders[0],
        event_type="order_approved",
        body="{}",
        state="failed",
        error="boom",
    )
    out = io.StringIO()
    call_command("tamara_sync", "--concurrency", "3", "--batch-size", "4", "--retry-events", stdout=out)
    assert "done: 6 orders, 6 changed, 0 failed" in out.getvalue()
    assert "retried webhook events: 1 done" in out.getvalue()
    assert set(TamaraOrder.objects.values_list("status", flat=True)) == {"authorised"}
    assert WebhookEvent.objects.get(pk=failed.pk).state == "done"


def test_reconcile_task_syncs_only_overdue_orders(tamara_simulator):
    from django.utils import timezone

    approved = new_order()
    tamara_simulator.approve(str(approved.order_id))  # no webhook: locally still new...
    TamaraOrder.objects.filter(pk=approved.pk).update(date_created=timezone.now() - timezone.timedelta(minutes=31))
    fresh = new_order()  # ...while this one is new and young: not overdue, not fetched
    result = reconcile_task.enqueue().return_value
    assert result["synced"] == 1 and result["changed"] == 1
    approved.refresh_from_db()
    assert approved.status == "authorised"
    before = len(tamara_simulator.journal())
    reconcile_task.enqueue()
    fetched = [e["path"] for e in tamara_simulator.journal()[before:] if e.get("kind") == "api"]
    assert not any(str(fresh.order_id) in path for path in fetched)


def test_tamara_webhooks_command(tamara_simulator):
    out = io.StringIO()
    call_command("tamara_webhooks", "register", "https://shop.example/tamara/webhooks/", stdout=out)
    webhook_id = out.getvalue().split()[2]
    out = io.StringIO()
    call_command("tamara_webhooks", "register", "https://shop.example/tamara/webhooks/", stdout=out)
    assert f"already registered as webhook {webhook_id}" in out.getvalue()
    out = io.StringIO()
    call_command("tamara_webhooks", "show", webhook_id, stdout=out)
    assert "https://shop.example/tamara/webhooks/" in out.getvalue() and "order_approved" in out.getvalue()
    call_command("tamara_webhooks", "delete", webhook_id, stdout=io.StringIO())
    with pytest.raises(CommandError, match="404"):
        call_command("tamara_webhooks", "show", webhook_id, stdout=io.StringIO())
