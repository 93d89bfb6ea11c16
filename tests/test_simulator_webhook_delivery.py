"""Webhooks as Tamara delivers them, simulator side (issue #13).

Registered headers go with each delivery (Tamara's "Register Webhook URL" page), payloads look
like the samples on Tamara's "Getting Started with Webhooks" page, ``order_updated`` can be
registered and ``GET /webhooks/list`` lists the registrations.
"""

from __future__ import annotations

from typing import Any

import jwt
import requests

from django_tamara.simulator import Simulator
from django_tamara.simulator.notifier import merge_headers
from django_tamara.simulator.samples import sample_checkout_payload

from .test_simulator_notifications import SHIPPING_INFO, money


def register(sim: Simulator, http: requests.Session, url: str, events: list[str] | None = None, **extra: Any) -> str:
    body = {"type": "order", "url": url, "events": events or [], **extra}
    response = http.post(f"{sim.url}/webhooks", json=body, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["webhook_id"]


def create(sim: Simulator, http: requests.Session, **overrides: Any) -> str:
    response = http.post(f"{sim.url}/checkout", json=sample_checkout_payload(("100.00",), **overrides), timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["order_id"]


def by_event(receiver) -> dict[str, dict[str, Any]]:
    return {r["body"]["event_type"]: r for r in receiver.requests}


# Registered headers --------------------------------------------------------------------------


def test_registered_headers_go_with_each_delivery_and_authorization_replaces_the_bearer(
    tamara_simulator, http, receiver
):
    # The sample on Tamara's "Register Webhook URL" page registers an `authorization` header.
    headers = {"authorization": "Bearer s3cret", "X-Shop": "42", "Content-Type": "text/plain"}
    register(tamara_simulator, http, f"{receiver.url}/hook", ["order_approved"], headers=headers)
    order_id = create(tamara_simulator, http)
    tamara_simulator.approve(order_id)
    assert tamara_simulator.wait_for_notifications(5)
    [record] = receiver.requests
    assert record["headers"]["authorization"] == "Bearer s3cret"  # the merchant's, not the simulator's
    assert record["headers"]["x-shop"] == "42"
    assert record["headers"]["content-type"] == "application/json"  # the body is JSON whatever was registered
    claims = jwt.decode(record["query"]["tamaraToken"], tamara_simulator.notification_token, algorithms=["HS256"])
    assert claims["iss"] == "Tamara"  # the token still travels as the query parameter


def test_without_registered_headers_the_token_is_also_the_bearer(tamara_simulator, http, receiver):
    register(tamara_simulator, http, f"{receiver.url}/hook", ["order_approved"])
    tamara_simulator.approve(create(tamara_simulator, http))
    assert tamara_simulator.wait_for_notifications(5)
    [record] = receiver.requests
    assert record["headers"]["authorization"] == f"Bearer {record['query']['tamaraToken']}"


def test_merge_headers_ignores_case_and_keeps_the_transport_headers():
    own = {"Content-Type": "application/json", "Authorization": "Bearer t", "User-Agent": "Tamara-Simulator"}
    merged = merge_headers(own, {"AUTHORIZATION": "Basic x", "content-length": "1", "Host": "evil", "user-agent": "u"})
    assert merged == {"Content-Type": "application/json", "AUTHORIZATION": "Basic x", "user-agent": "u"}
    assert merge_headers(own, {}) == own


# Payloads as Tamara's webhook page shows them -----------------------------------------------------


def test_payloads_match_the_samples_of_tamaras_webhook_page(tamara_simulator, http, receiver):
    url = tamara_simulator.url
    register(tamara_simulator, http, f"{receiver.url}/hook")  # every event
    order_id = create(tamara_simulator, http)
    tamara_simulator.approve(order_id)
    http.post(f"{url}/orders/{order_id}/authorise", timeout=10)
    capture = http.post(
        f"{url}/payments/capture",
        timeout=10,
        json={"order_id": order_id, "total_amount": money("110"), "shipping_info": SHIPPING_INFO},
    ).json()
    refund = http.post(
        f"{url}/payments/simplified-refund/{order_id}",
        timeout=10,
        json={"total_amount": money("10"), "comment": "Refund Test"},
    ).json()
    declined = create(tamara_simulator, http)
    tamara_simulator.decline(declined)
    expired = create(tamara_simulator, http)
    tamara_simulator.expire(expired)
    assert tamara_simulator.wait_for_notifications(5)
    bodies = {event: record["body"] for event, record in by_event(receiver).items()}
    assert bodies["order_approved"]["data"] == []
    assert bodies["order_authorised"]["data"] == []
    assert bodies["order_expired"]["data"] == [] and bodies["order_expired"]["order_id"] == expired
    assert bodies["order_refunded"]["data"] == {
        "refund_id": refund["refund_id"],
        "capture_id": capture["capture_id"],
        "refunded_amount": money("10"),
        "comment": "Refund Test",
    }
    decline = bodies["order_declined"]
    assert decline["order_id"] == declined
    assert set(decline["data"]) == {"declined_reason", "declined_code", "decline_type"}
    assert all(isinstance(v, str) and v for v in decline["data"].values())
    for body in bodies.values():
        assert set(body) == {"order_id", "order_reference_id", "order_number", "event_type", "data"}


def test_the_legacy_refund_carries_its_comment_too(tamara_simulator, http, receiver):
    url = tamara_simulator.url
    register(tamara_simulator, http, f"{receiver.url}/hook", ["order_refunded"])
    order_id = create(tamara_simulator, http)
    tamara_simulator.approve(order_id)
    http.post(f"{url}/orders/{order_id}/authorise", timeout=10)
    capture = http.post(
        f"{url}/payments/capture",
        timeout=10,
        json={"order_id": order_id, "total_amount": money("110"), "shipping_info": SHIPPING_INFO},
    ).json()
    body = {
        "order_id": order_id,
        "refunds": [{"capture_id": capture["capture_id"], "total_amount": money("5"), "comment": "legacy"}],
    }
    assert http.post(f"{url}/payments/refund", json=body, timeout=10).status_code == 200
    assert tamara_simulator.wait_for_notifications(5)
    [record] = receiver.requests
    assert record["body"]["data"]["comment"] == "legacy"


# order_updated and the list of webhooks ------------------------------------------------------------


def test_order_updated_can_be_registered(tamara_simulator, http, receiver):
    webhook_id = register(tamara_simulator, http, f"{receiver.url}/hook", ["order_updated", "order_approved"])
    answer = http.get(f"{tamara_simulator.url}/webhooks/{webhook_id}", timeout=10).json()
    assert answer["events"] == ["order_updated", "order_approved"]
    refused = http.post(
        f"{tamara_simulator.url}/webhooks", json={"url": f"{receiver.url}/x", "events": ["order_exploded"]}, timeout=10
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["error_code"] == "events_invalid"


def test_webhooks_list_shows_every_registered_webhook(tamara_simulator, http, receiver):
    url = f"{tamara_simulator.url}/webhooks/list"
    assert http.get(url, timeout=10).json() == []
    first = register(tamara_simulator, http, f"{receiver.url}/a", ["order_approved"], headers={"authorization": "x"})
    second = register(tamara_simulator, http, f"{receiver.url}/b", ["order_updated"])
    listed = http.get(url, timeout=10).json()
    assert [w["webhook_id"] for w in listed] == [first, second]
    assert listed[0] == {
        "webhook_id": first,
        "url": f"{receiver.url}/a",
        "events": ["order_approved"],
        "headers": {"authorization": "x"},
        "type": "order",
    }
    assert http.delete(f"{tamara_simulator.url}/webhooks/{first}", timeout=10).status_code == 200
    assert [w["webhook_id"] for w in http.get(url, timeout=10).json()] == [second]
    assert requests.get(url, timeout=10).status_code == 401  # like every merchant endpoint, it needs the token
