"""Notifications, webhook faults, the hosted checkout page and the clock, over real HTTP."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests

from django_tamara.simulator import Simulator, SimulatorError
from django_tamara.simulator.samples import sample_checkout_payload

SHIPPING_INFO = {"shipped_at": "2026-11-23T10:00:00Z", "shipping_company": "SMSA"}


def money(amount: str) -> dict[str, Any]:
    return {"amount": float(Decimal(amount)), "currency": "SAR"}


def create(sim: Simulator, http: requests.Session, receiver=None, **overrides: Any) -> str:
    notification_url = f"{receiver.url}/notify?shop=1" if receiver else None
    payload = sample_checkout_payload(("100.00",), notification_url=notification_url, **overrides)
    response = http.post(f"{sim.url}/checkout", json=payload, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["order_id"]


def events(receiver) -> list[str]:
    return [body.get("event_type") or body.get("order_status") for body in receiver.bodies()]


def token_of(record: dict[str, Any]) -> str:
    return record["query"]["tamaraToken"]


# Delivery and signing -----------------------------------------------------------------------


def test_approval_is_notified_with_a_signed_token(tamara_simulator, http, receiver):
    order_id = create(tamara_simulator, http, receiver)
    before = int(time.time())
    tamara_simulator.approve(order_id)
    [record] = receiver.requests
    assert record["path"] == "/notify" and record["query"]["shop"] == "1"  # the shop's own query is kept
    order = tamara_simulator.get_order(order_id)
    assert record["body"] == {
        "order_id": order_id,
        "order_reference_id": order["order_reference_id"],
        "order_number": order["order_number"],
        "event_type": "order_approved",
        "data": [],  # as on Tamara's "Getting Started with Webhooks" page
    }
    token = token_of(record)
    assert record["headers"]["authorization"] == f"Bearer {token}"
    claims = jwt.decode(token, tamara_simulator.notification_token, algorithms=["HS256"])
    assert claims["iss"] == "Tamara" and claims["exp"] - claims["iat"] == 900
    assert before - 1 <= claims["iat"] <= time.time() + 1  # real time, not the simulated clock
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another-notification-key-of-32-bytes", algorithms=["HS256"])


def test_legacy_order_status_shape(tamara_simulator, http, receiver):
    response = requests.post(
        f"{tamara_simulator.url}/simulator/config", json={"notification_shape": "order_status"}, timeout=10
    )
    assert response.json()["notification_shape"] == "order_status"
    order_id = create(tamara_simulator, http, receiver)
    tamara_simulator.approve(order_id)
    order = tamara_simulator.get_order(order_id)
    assert receiver.bodies() == [
        {
            "order_id": order_id,
            "order_reference_id": order["order_reference_id"],
            "order_status": "approved",
            "data": [],
        }
    ]
    assert (
        requests.post(
            f"{tamara_simulator.url}/simulator/config", json={"notification_shape": "x"}, timeout=10
        ).status_code
        == 400
    )


def test_merchant_actions_are_notified_with_their_ids(tamara_simulator, http, receiver):
    url = tamara_simulator.url
    order_id = create(tamara_simulator, http, receiver)  # 110 SAR
    tamara_simulator.approve(order_id)
    http.post(f"{url}/orders/{order_id}/authorise", timeout=10)
    cancel = http.post(f"{url}/orders/{order_id}/cancel", json={"total_amount": money("10")}, timeout=10).json()
    capture = http.post(
        f"{url}/payments/capture",
        timeout=10,
        json={"order_id": order_id, "total_amount": money("100"), "shipping_info": SHIPPING_INFO},
    ).json()
    refund = http.post(
        f"{url}/payments/simplified-refund/{order_id}", json={"total_amount": money("5"), "comment": "x"}, timeout=10
    ).json()
    assert tamara_simulator.wait_for_notifications(5)
    assert events(receiver) == [
        "order_approved",
        "order_authorised",
        "order_canceled",
        "order_captured",
        "order_refunded",
    ]
    data = {body["event_type"]: body["data"] for body in receiver.bodies()}
    assert data["order_authorised"] == []  # the page's samples show an empty list
    assert data["order_canceled"] == {"cancel_id": cancel["cancel_id"], "canceled_amount": money("10")}
    assert data["order_captured"] == {"capture_id": capture["capture_id"], "captured_amount": money("100")}
    assert data["order_refunded"] == {
        "refund_id": refund["refund_id"],
        "capture_id": capture["capture_id"],
        "refunded_amount": money("5"),
        "comment": "x",
    }


def test_decline_is_notified(tamara_simulator, http, receiver):
    tamara_simulator.decline(create(tamara_simulator, http, receiver))
    assert events(receiver) == ["order_declined"]


def test_registered_webhooks_get_the_events_they_asked_for(tamara_simulator, http, receiver):
    url = tamara_simulator.url
    http.post(
        f"{url}/webhooks",
        json={
            "url": f"{receiver.url}/only-authorised",
            "events": ["order_authorised"],
            "headers": {"X-Shop-Secret": "s3"},
        },
        timeout=10,
    )
    http.post(f"{url}/webhooks", json={"url": f"{receiver.url}/all", "events": []}, timeout=10)
    order_id = create(tamara_simulator, http)  # no notification URL
    tamara_simulator.approve(order_id)
    http.post(f"{url}/orders/{order_id}/authorise", timeout=10)
    assert tamara_simulator.wait_for_notifications(5)
    seen = [(r["path"], r["body"]["event_type"]) for r in receiver.requests]
    assert sorted(seen) == sorted(
        [("/all", "order_approved"), ("/all", "order_authorised"), ("/only-authorised", "order_authorised")]
    )
    special = next(r for r in receiver.requests if r["path"] == "/only-authorised")
    assert special["headers"]["x-shop-secret"] == "s3"
    assert special["headers"]["authorization"] == f"Bearer {token_of(special)}"


def test_shop_can_authorise_while_handling_the_notification(tamara_simulator, http, receiver):
    """The shop calls back into the simulator during delivery: no deadlock, and approve()
    returns only once the resulting order_authorised notification has been delivered too."""
    answers = []

    def authorise(record):
        if record["body"]["event_type"] == "order_approved":
            answers.append(
                http.post(f"{tamara_simulator.url}/orders/{record['body']['order_id']}/authorise", timeout=10)
            )

    receiver.on_request = authorise
    order_id = create(tamara_simulator, http, receiver)
    started = time.perf_counter()
    assert tamara_simulator.approve(order_id)["status"] == "approved"
    assert time.perf_counter() - started < 5
    assert answers[0].status_code == 200
    assert tamara_simulator.get_order(order_id)["status"] == "authorised"
    assert events(receiver) == ["order_approved", "order_authorised"]


def test_failed_deliveries_are_journaled_not_raised(tamara_simulator, http, receiver):
    receiver.status = 500
    order_id = create(tamara_simulator, http, receiver)
    assert tamara_simulator.approve(order_id)["status"] == "approved"
    [entry] = tamara_simulator.journal(kind="webhook")
    assert entry["status"] == 500 and entry["error"] == "HTTP 500" and entry["delivered"] is False
    assert entry["url"] == f"{receiver.url}/notify?shop=1" and "tamaraToken" not in entry["url"]

    payload = sample_checkout_payload(notification_url="http://127.0.0.1:9/unreachable")
    other = http.post(f"{tamara_simulator.url}/checkout", json=payload, timeout=10).json()["order_id"]
    assert tamara_simulator.decline(other)["status"] == "declined"
    entry = tamara_simulator.journal(kind="webhook")[-1]
    assert entry["error"] == "ConnectionError" and "status" not in entry


# Webhook faults ---------------------------------------------------------------------------------


def test_duplicate_fault_delivers_twice(tamara_simulator, http, receiver):
    requests.post(
        f"{tamara_simulator.url}/simulator/webhook-faults", json={"mode": "duplicate", "count": 1}, timeout=10
    )
    first, second = create(tamara_simulator, http, receiver), create(tamara_simulator, http, receiver)
    tamara_simulator.approve(first)
    tamara_simulator.approve(second)
    ids = [body["order_id"] for body in receiver.bodies()]
    assert ids == [first, first, second]
    assert tamara_simulator.journal(kind="webhook")[1]["duplicate"] is True


def test_out_of_order_fault_swaps_two_notifications(tamara_simulator, http, receiver):
    tamara_simulator.inject_webhook_fault("out_of_order", 1)
    first, second = create(tamara_simulator, http, receiver), create(tamara_simulator, http, receiver)
    tamara_simulator.approve(first)
    assert receiver.bodies() == []  # held back
    tamara_simulator.approve(second)
    assert [body["order_id"] for body in receiver.bodies()] == [second, first]


def test_held_notifications_can_be_flushed(tamara_simulator, http, receiver):
    tamara_simulator.inject_webhook_fault("out_of_order", 1)
    tamara_simulator.approve(create(tamara_simulator, http, receiver))
    assert receiver.bodies() == []
    response = requests.post(f"{tamara_simulator.url}/simulator/webhook-faults/flush", timeout=10)
    assert response.json() == {"delivered": 1}
    assert events(receiver) == ["order_approved"]


def test_bad_signature_fault(tamara_simulator, http, receiver):
    tamara_simulator.inject_webhook_fault("bad_signature", 1)
    first, second = create(tamara_simulator, http, receiver), create(tamara_simulator, http, receiver)
    tamara_simulator.approve(first)
    tamara_simulator.approve(second)
    bad, good = receiver.requests
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token_of(bad), tamara_simulator.notification_token, algorithms=["HS256"])
    jwt.decode(token_of(good), tamara_simulator.notification_token, algorithms=["HS256"])


def test_webhook_fault_validation(tamara_simulator):
    url = f"{tamara_simulator.url}/simulator/webhook-faults"
    assert requests.post(url, json={"mode": "explode"}, timeout=10).status_code == 400
    assert requests.post(url, json={"mode": "duplicate", "count": 0}, timeout=10).status_code == 400
    requests.post(url, json={"mode": "duplicate", "count": 2}, timeout=10)
    assert requests.get(url, timeout=10).json()["webhook_faults"]["duplicate"] == 2
    requests.delete(url, timeout=10)
    assert requests.get(url, timeout=10).json()["webhook_faults"]["duplicate"] == 0


# The hosted checkout page -------------------------------------------------------------------------


def _checkout(sim, http, **overrides) -> dict[str, Any]:
    payload = sample_checkout_payload(("100.00", "50.25"), **overrides)
    payload["items"][0]["name"] = "Dates <box> & more"
    payload["items"][1]["quantity"] = 2
    answer = http.post(f"{sim.url}/checkout", json=payload, timeout=10).json()
    return answer


def test_hosted_page_in_english(tamara_simulator, http):
    answer = _checkout(tamara_simulator, http, instalments=4, order_number="SHOP-77")
    page = requests.get(answer["checkout_url"], timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    html = page.text
    assert '<html lang="en" dir="ltr">' in html
    assert "SHOP-77" in html
    assert "Dates &lt;box&gt; &amp; more" in html and "<box>" not in html
    assert "50.25" in html and "160.25 SAR" in html
    parts = re.findall(r'<tr class="instalment"><td>[^<]*</td><td class="num">([\d.]+) SAR</td>', html)
    assert parts == ["40.06", "40.06", "40.06", "40.07"]
    for name in ("approve", "decline", "cancel"):
        assert f'id="{name}"' in html
        assert f'action="/checkout/{answer["checkout_id"]}/{name}"' in html
    assert ">Approve<" in html and "http://" not in html.split("<body>")[0]  # no external assets


def test_hosted_page_in_arabic(tamara_simulator, http):
    answer = _checkout(tamara_simulator, http)
    html = requests.get(answer["checkout_url"], params={"lang": "ar"}, timeout=10).text
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    for word in ("موافقة", "رفض", "إلغاء"):
        assert word in html
    assert "160.25 SAR" in html and "Dates &lt;box&gt;" in html
    assert len(re.findall(r'class="instalment"', html)) == 3  # 3 parts by default
    # The order's locale decides when no ?lang= is given.
    arabic = _checkout(tamara_simulator, http, locale="ar_SA")
    assert 'dir="rtl"' in requests.get(arabic["checkout_url"], timeout=10).text


def test_approve_button_redirects_to_success(tamara_simulator, http, receiver):
    answer = _checkout(
        tamara_simulator,
        http,
        merchant_url={
            "success": "https://shop.example/ok?cart=9#done",
            "failure": "https://shop.example/ko",
            "cancel": "https://shop.example/back",
            "notification": f"{receiver.url}/n",
        },
    )
    response = requests.post(f"{answer['checkout_url']}/approve", allow_redirects=False, timeout=10)
    assert response.status_code == 303
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert location.startswith("https://shop.example/ok?cart=9&") and parts.fragment == "done"
    assert parse_qs(parts.query) == {"cart": ["9"], "orderId": [answer["order_id"]], "paymentStatus": ["approved"]}
    assert events(receiver) == ["order_approved"]  # delivered before the customer is redirected
    page = requests.get(answer["checkout_url"], timeout=10).text
    assert 'id="approve"' not in page and 'id="closed"' in page
    again = requests.post(f"{answer['checkout_url']}/approve", allow_redirects=False, timeout=10)
    assert again.status_code == 409


def test_decline_and_cancel_buttons(tamara_simulator, http):
    declined = _checkout(tamara_simulator, http)
    response = requests.post(f"{declined['checkout_url']}/decline", allow_redirects=False, timeout=10)
    assert response.headers["Location"].startswith("http://shop.example/tamara/failure/?orderId=")
    assert "paymentStatus=declined" in response.headers["Location"]
    assert tamara_simulator.get_order(declined["order_id"])["status"] == "declined"

    canceled = _checkout(tamara_simulator, http)
    response = requests.post(f"{canceled['checkout_url']}/cancel?lang=ar", allow_redirects=False, timeout=10)
    assert response.headers["Location"].startswith("http://shop.example/tamara/cancel/?orderId=")
    assert "paymentStatus=canceled" in response.headers["Location"]
    assert tamara_simulator.get_order(canceled["order_id"])["status"] == "new"  # until it expires


def test_decline_phone_on_the_page_redirects_to_failure(tamara_simulator, http):
    answer = _checkout(
        tamara_simulator, http, consumer={"first_name": "A", "last_name": "B", "phone_number": "+966526422337"}
    )
    response = requests.post(f"{answer['checkout_url']}/approve", allow_redirects=False, timeout=10)
    assert "/failure/" in response.headers["Location"] and "paymentStatus=declined" in response.headers["Location"]


def test_unknown_checkout_page(tamara_simulator):
    response = requests.get(f"{tamara_simulator.url}/checkout/00000000-0000-0000-0000-000000000000", timeout=10)
    assert response.status_code == 404 and "text/html" in response.headers["Content-Type"]


def test_widget_script(tamara_simulator):
    response = requests.get(f"{tamara_simulator.url}/widget-v2/tamara-widget.js", timeout=10)
    assert response.status_code == 200 and "javascript" in response.headers["Content-Type"]
    assert 'customElements.define("tamara-widget"' in response.text and "tamaraWidgetConfig" in response.text
    assert "Pay in " in response.text and "TamaraWidgetV2" in response.text


# The clock --------------------------------------------------------------------------------------


def test_new_orders_expire_after_30_minutes(tamara_simulator, http, receiver):
    order_id = create(tamara_simulator, http, receiver)
    short = create(tamara_simulator, http, receiver, expires_in_minutes=5)
    tamara_simulator.advance_clock(seconds=6 * 60)
    assert tamara_simulator.get_order(short)["status"] == "expired"
    assert tamara_simulator.get_order(order_id)["status"] == "new"
    tamara_simulator.advance_clock(timedelta(minutes=25))
    assert tamara_simulator.get_order(order_id)["status"] == "expired"
    assert events(receiver) == ["order_expired", "order_expired"]
    assert tamara_simulator.journal(kind="webhook")[0]["order_id"] == short
    with pytest.raises(SimulatorError):
        tamara_simulator.approve(order_id)


def test_approved_orders_expire_after_72_hours_unless_authorised(tamara_simulator, http, receiver):
    url = tamara_simulator.url
    lazy, busy = create(tamara_simulator, http, receiver), create(tamara_simulator, http, receiver)
    tamara_simulator.approve(lazy)
    tamara_simulator.approve(busy)
    http.post(f"{url}/orders/{busy}/authorise", timeout=10)
    response = requests.post(f"{url}/simulator/clock/advance", json={"seconds": 72 * 3600 - 60}, timeout=10)
    assert response.json()["offset_seconds"] == 72 * 3600 - 60
    assert tamara_simulator.get_order(lazy)["status"] == "approved"
    requests.post(f"{url}/simulator/clock/advance", json={"seconds": 120}, timeout=10)
    assert tamara_simulator.get_order(lazy)["status"] == "expired"
    assert tamara_simulator.get_order(busy)["status"] == "authorised"
    assert http.post(f"{url}/orders/{lazy}/authorise", timeout=10).status_code == 409
    assert events(receiver).count("order_expired") == 1


def test_authorised_orders_are_auto_captured_after_21_days(tamara_simulator, http, receiver):
    url = tamara_simulator.url
    order_id = create(tamara_simulator, http, receiver)  # 110
    tamara_simulator.approve(order_id)
    http.post(f"{url}/orders/{order_id}/authorise", timeout=10)
    http.post(
        f"{url}/payments/capture",
        json={"order_id": order_id, "total_amount": money("10"), "shipping_info": SHIPPING_INFO},
        timeout=10,
    )
    tamara_simulator.wait_for_notifications(5)
    tamara_simulator.advance_clock(days=20)
    assert tamara_simulator.get_order(order_id)["status"] == "partially_captured"
    tamara_simulator.advance_clock(days=1, seconds=1)
    order = tamara_simulator.get_order(order_id)
    assert order["status"] == "fully_captured" and order["captured_amount"] == money("110")
    assert order["transactions"]["captures"][1]["total_amount"] == money("100")
    last = receiver.bodies()[-1]
    assert last["event_type"] == "order_captured" and last["data"]["captured_amount"] == money("100")


def test_clock_endpoint_and_order_dates(tamara_simulator, http):
    url = tamara_simulator.url
    before = requests.get(f"{url}/simulator/clock", timeout=10).json()
    assert before["offset_seconds"] == 0 and before["now"].endswith("Z")
    tamara_simulator.advance_clock(days=2)
    order_id = create(tamara_simulator, http)
    created = tamara_simulator.get_order(order_id)["created_at"]
    assert created[:10] == tamara_simulator.now().strftime("%Y-%m-%d")
    assert requests.post(f"{url}/simulator/clock/advance", json={"seconds": -1}, timeout=10).status_code == 400
    assert requests.post(f"{url}/simulator/clock/advance", json={"seconds": "x"}, timeout=10).status_code == 400


def test_deadlines_apply_lazily_when_an_order_is_read(tamara_simulator, http, receiver):
    order_id = create(tamara_simulator, http, receiver)
    tamara_simulator.clock.advance(31 * 60)  # the bare clock: no sweep, as if real time had passed
    assert receiver.bodies() == []
    assert http.get(f"{tamara_simulator.url}/orders/{order_id}", timeout=10).json()["status"] == "expired"
    assert tamara_simulator.wait_for_notifications(5)
    assert events(receiver) == ["order_expired"]


def test_sweeper_thread_expires_orders_without_being_asked(tamara_notification_receiver):
    with Simulator(api_token="s" * 32, notification_token="n" * 32, sweep_interval=0.05) as sim:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {sim.api_token}"
        payload = sample_checkout_payload(notification_url=f"{tamara_notification_receiver.url}/n")
        http.post(f"{sim.url}/checkout", json=payload, timeout=10)
        sim.clock.advance(31 * 60)
        deadline = time.time() + 5
        while not tamara_notification_receiver.bodies() and time.time() < deadline:
            time.sleep(0.02)
        assert events(tamara_notification_receiver) == ["order_expired"]
