"""The webhook event admin: the list, the token-free body, and the reprocess action."""

from __future__ import annotations

import json

import pytest

from django_tamara.models import OrderAction, WebhookEvent

from .test_admin_support import EVENTS, change_url, fake_event, fake_orders, make_order, make_staff, messages_of


@pytest.fixture
def viewer(client):
    user = make_staff("viewer", perms=("view_webhookevent", "view_tamaraorder"))
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_list_shows_type_order_time_state_and_error(client, viewer):
    order = fake_orders(1)[0]
    fake_event(order, "order_approved", state="done")
    fake_event(order, "order_captured", state="failed", error="ServerError: HTTP 500: boom")
    response = client.get(EVENTS)
    html = response.content.decode()
    assert response.status_code == 200
    assert "order_approved" in html and "order_captured" in html and order.order_reference_id in html
    assert "tamara-tone-danger" in html and "ServerError: HTTP 500: boom" in html
    assert 'name="reprocess_events"' not in html and "reprocess_events" not in html  # no permission
    failed = client.get(EVENTS, {"state__exact": "failed"}).context["cl"].result_list
    assert [e.event_type for e in failed] == ["order_captured"]
    by_type = client.get(EVENTS, {"event_type": "order_approved"}).context["cl"].result_list
    assert [e.event_type for e in by_type] == ["order_approved"]
    by_id = client.get(EVENTS, {"q": str(order.order_id)}).context["cl"].result_list
    assert len(by_id) == 2
    assert not client.get(EVENTS, {"q": "nonsense"}).context["cl"].result_list


@pytest.mark.django_db
def test_detail_shows_the_body_pretty_printed_and_read_only(client, viewer):
    order = fake_orders(1)[0]
    event = fake_event(order)
    response = client.get(f"{EVENTS}{event.pk}/change/")
    html = response.content.decode()
    assert response.status_code == 200 and response.context["has_change_permission"] is False
    assert json.dumps(event.payload, indent=2, sort_keys=True).splitlines()[1].strip().replace('"', "&quot;") in html
    assert "tamaraToken" not in html and "Authorization" not in html
    assert client.post(f"{EVENTS}{event.pk}/change/", {"error": "x"}).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_reprocess_runs_the_event_again_and_reports(tamara_simulator, client):
    user = make_staff("operator", perms=("view_webhookevent", "change_webhookevent"))
    client.force_login(user)
    order = make_order(tamara_simulator, "approved")
    event = fake_event(order, "order_approved", state="failed", error="TamaraTimeout: no answer")
    response = client.post(
        EVENTS, {"action": "reprocess_events", "_selected_action": [event.pk], "index": "0"}, follow=True
    )
    assert messages_of(response)[0][0] == "success" and "Reprocessed 1 event" in messages_of(response)[0][1]
    event.refresh_from_db()
    assert event.state == "done" and event.error == ""
    order.refresh_from_db()
    assert order.status == "authorised"  # processing authorises an approved order
    record = OrderAction.objects.get()
    assert (record.action, record.outcome, record.user, record.order) == ("reprocess", "done", user, order)
    # The order's change page shows the event in its inline and the reprocess in its timeline.
    client.force_login(make_staff("viewer2", perms=("view_tamaraorder",)))
    html = client.get(change_url(order)).content.decode()
    assert "Webhook order_approved received" in html and "Reprocess webhook event by operator: Done" in html


@pytest.mark.django_db(transaction=True)
def test_reprocess_reports_failures(tamara_simulator, client):
    client.force_login(make_staff("operator", perms=("view_webhookevent", "change_webhookevent")))
    order = fake_orders(1)[0]  # unknown to Tamara: re-fetching it fails
    event = fake_event(order, "order_approved")
    response = client.post(
        EVENTS, {"action": "reprocess_events", "_selected_action": [event.pk], "index": "0"}, follow=True
    )
    level, text = messages_of(response)[0]
    assert level == "error" and f"#{event.pk} order_approved" in text and "failed" in text
    assert WebhookEvent.objects.get().state == "failed"
    assert OrderAction.objects.get().outcome == "failed"
