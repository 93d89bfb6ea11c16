"""Fault injection, concurrency, the journal, and keeping tokens out of logs."""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
import requests

from django_tamara.simulator import Simulator
from django_tamara.simulator.samples import sample_checkout_payload

SHIPPING_INFO = {"shipped_at": "2026-11-23T10:00:00Z", "shipping_company": "SMSA"}


def money(amount: str) -> dict[str, Any]:
    return {"amount": float(Decimal(amount)), "currency": "SAR"}


def session(sim: Simulator) -> requests.Session:
    http = requests.Session()
    http.trust_env = False
    http.headers["Authorization"] = f"Bearer {sim.api_token}"
    return http


@pytest.fixture
def http(tamara_simulator: Simulator) -> requests.Session:
    return session(tamara_simulator)


def authorised_order(sim: Simulator, http: requests.Session, *amounts: str) -> str:
    order_id = http.post(
        f"{sim.url}/checkout", json=sample_checkout_payload(amounts or ("100.00",)), timeout=10
    ).json()["order_id"]
    sim.approve(order_id)
    assert http.post(f"{sim.url}/orders/{order_id}/authorise", timeout=10).status_code == 200
    return order_id


def new_order(sim: Simulator, http: requests.Session) -> str:
    return http.post(f"{sim.url}/checkout", json=sample_checkout_payload(), timeout=10).json()["order_id"]


def capture(sim: Simulator, http: requests.Session, order_id: str, amount: str, **kwargs: Any) -> requests.Response:
    body = {"order_id": order_id, "total_amount": money(amount), "shipping_info": SHIPPING_INFO}
    return http.post(f"{sim.url}/payments/capture", json=body, timeout=kwargs.get("timeout", 10))


# API faults ------------------------------------------------------------------------------------


def test_error_500_for_the_next_matching_call_only(tamara_simulator, http):
    order_id = authorised_order(tamara_simulator, http)
    response = requests.post(
        f"{tamara_simulator.url}/simulator/faults",
        timeout=10,
        json={"path": "/payments/capture", "action": "error_500", "count": 1},
    )
    assert response.status_code == 201 and response.json()["action"] == "error_500"
    failed = capture(tamara_simulator, http, order_id, "10")
    assert failed.status_code == 500 and failed.json()["errors"][0]["error_code"] == "internal_error"
    assert tamara_simulator.get_order(order_id)["captured_amount"] == money("0")  # not processed
    assert capture(tamara_simulator, http, order_id, "10").status_code == 200
    entries = tamara_simulator.journal(kind="api")
    assert [e.get("fault") for e in entries if e["path"] == "/payments/capture"] == ["error_500", None]


def test_error_429_carries_retry_after(tamara_simulator, http):
    tamara_simulator.inject_fault("/orders/", "error_429", count=2, retry_after=3)
    order_id = new_order(tamara_simulator, http)
    for _ in range(2):
        response = http.get(f"{tamara_simulator.url}/orders/{order_id}", timeout=10)
        assert response.status_code == 429 and response.headers["Retry-After"] == "3"
    assert http.get(f"{tamara_simulator.url}/orders/{order_id}", timeout=10).status_code == 200


def test_delay_then_normal_answer(tamara_simulator, http):
    order_id = new_order(tamara_simulator, http)
    tamara_simulator.inject_fault(f"/orders/{order_id}", "delay", delay=0.3, method="GET")
    started = time.perf_counter()
    assert http.get(f"{tamara_simulator.url}/orders/{order_id}", timeout=10).status_code == 200
    assert time.perf_counter() - started >= 0.3
    tamara_simulator.inject_fault("/orders/", "delay", delay=1)
    with pytest.raises(requests.Timeout):
        http.get(f"{tamara_simulator.url}/orders/{order_id}", timeout=0.2)
    # The simulator still answers the abandoned call a second later, and journals it then: wait
    # for it here, or it lands in the journal of whichever test runs next (a CI flake of
    # test_journal_records_api_calls_customer_actions_and_deliveries on a loaded machine).
    deadline = time.monotonic() + 15
    while sum(1 for e in tamara_simulator.journal(kind="api") if e.get("fault") == "delay") < 2:
        assert time.monotonic() < deadline, "the delayed call was never journaled"
        time.sleep(0.05)


def test_drop_after_processes_then_hangs_up(tamara_simulator, http):
    order_id = authorised_order(tamara_simulator, http)
    tamara_simulator.inject_fault("/payments/capture", "drop_after")
    with pytest.raises(requests.ConnectionError):
        capture(tamara_simulator, http, order_id, "40")
    order = http.get(f"{tamara_simulator.url}/orders/{order_id}", timeout=10).json()  # the same session reconnects
    assert order["status"] == "partially_captured" and order["captured_amount"] == money("40")
    [entry] = [e for e in tamara_simulator.journal(kind="api") if e["path"] == "/payments/capture"]
    assert entry["dropped"] is True and entry["status"] == 200


def test_fault_matching_by_regex_and_method(tamara_simulator, http):
    order_id = new_order(tamara_simulator, http)
    tamara_simulator.inject_fault(r"^/orders/[^/]+/authorise$", "error_500", count=5)
    tamara_simulator.inject_fault("/orders/", "error_500", method="PUT")
    assert http.get(f"{tamara_simulator.url}/orders/{order_id}", timeout=10).status_code == 200
    assert http.post(f"{tamara_simulator.url}/orders/{order_id}/authorise", timeout=10).status_code == 500
    put = http.put(
        f"{tamara_simulator.url}/orders/{order_id}/reference-id", json={"order_reference_id": "X"}, timeout=10
    )
    assert put.status_code == 500
    faults = requests.get(f"{tamara_simulator.url}/simulator/faults", timeout=10).json()["faults"]
    assert [(f["path"], f["count"]) for f in faults] == [(r"^/orders/[^/]+/authorise$", 4)]
    assert requests.delete(f"{tamara_simulator.url}/simulator/faults", timeout=10).status_code == 200
    assert (
        http.post(f"{tamara_simulator.url}/orders/{order_id}/authorise", timeout=10).status_code == 409
    )  # new: real answer


def test_faults_never_touch_the_control_api_or_unauthorised_calls(tamara_simulator):
    tamara_simulator.inject_fault("", "error_500")  # every merchant-API path
    assert requests.get(f"{tamara_simulator.url}/simulator/clock", timeout=10).status_code == 200
    assert requests.get(f"{tamara_simulator.url}/orders/x", timeout=10).status_code == 401
    assert len(tamara_simulator.faults.list()) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"path": "/x", "action": "explode"},
        {"path": "/x"},
        {"path": "/x", "action": "delay"},
        {"path": "/x", "action": "error_500", "count": 0},
        {"path": "^(", "action": "error_500"},
    ],
)
def test_invalid_faults_are_refused(tamara_simulator, body):
    assert requests.post(f"{tamara_simulator.url}/simulator/faults", json=body, timeout=10).status_code == 400


# Concurrency ---------------------------------------------------------------------------------------


def test_concurrent_captures_never_exceed_the_authorised_amount(tamara_simulator, http):
    order_id = authorised_order(tamara_simulator, http, "100.00")  # 110 SAR
    barrier = threading.Barrier(20)
    local = threading.local()

    def grab(_: int) -> int:
        local.http = getattr(local, "http", None) or session(tamara_simulator)
        barrier.wait()
        return capture(tamara_simulator, local.http, order_id, "10").status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(grab, range(20)))
    assert statuses.count(200) == 11 and all(s in (400, 409) for s in statuses if s != 200)
    order = tamara_simulator.get_order(order_id)
    assert order["captured_amount"] == money("110") and order["status"] == "fully_captured"
    assert len(order["transactions"]["captures"]) == 11


def test_concurrent_checkouts_and_reads(tamara_simulator):
    def work(i: int) -> str:
        http = session(tamara_simulator)
        order_id = http.post(
            f"{tamara_simulator.url}/checkout", json=sample_checkout_payload(order_reference_id=f"C-{i}"), timeout=10
        ).json()["order_id"]
        for _ in range(5):
            assert (
                http.get(f"{tamara_simulator.url}/orders/{order_id}", timeout=10).json()["order_reference_id"]
                == f"C-{i}"
            )
        return order_id

    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(work, range(48)))
    assert len(set(ids)) == 48 and len(tamara_simulator.orders()) == 48


# The journal -----------------------------------------------------------------------------------------


def test_journal_records_api_calls_customer_actions_and_deliveries(
    tamara_simulator, http, tamara_notification_receiver
):
    url = tamara_simulator.url
    payload = sample_checkout_payload(notification_url=f"{tamara_notification_receiver.url}/n")
    order_id = http.post(f"{url}/checkout", json=payload, timeout=10).json()["order_id"]
    http.get(f"{url}/orders/nope", timeout=10)
    tamara_simulator.approve(order_id)
    entries = tamara_simulator.journal()
    kinds = [e["kind"] for e in entries]
    assert kinds == ["api", "api", "customer", "webhook"]
    create, missing, customer, webhook = entries
    assert create["method"] == "POST" and create["path"] == "/checkout" and create["status"] == 200
    assert create["order_id"] == order_id and create["request"]["order_reference_id"] == payload["order_reference_id"]
    assert create["duration_ms"] >= 0 and create["time"].endswith("Z")
    assert missing["status"] == 404 and missing["error_code"] == "order_not_found"
    assert customer["action"] == "approve" and customer["order_status"] == "approved"
    assert webhook["event_type"] == "order_approved" and webhook["status"] == 200 and webhook["order_id"] == order_id
    seqs = [e["seq"] for e in entries]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4
    over_http = requests.get(f"{url}/simulator/journal", params={"since": seqs[1]}, timeout=10).json()
    assert [e["seq"] for e in over_http["entries"]] == seqs[2:] and over_http["last_seq"] == seqs[-1]
    assert tamara_simulator.journal(since=seqs[-1]) == []
    assert requests.get(f"{url}/simulator/journal", params={"since": "x"}, timeout=10).status_code == 400


def test_journal_is_bounded():
    with Simulator(api_token="a" * 32, notification_token="n" * 32, journal_size=5) as sim:
        http = session(sim)
        for _ in range(12):
            http.get(f"{sim.url}/orders/x", timeout=10)
        entries = sim.journal()
        assert len(entries) == 5 and entries[-1]["seq"] == 12
        assert [e["seq"] for e in sim.journal(since=9)] == [10, 11, 12]


def test_reset_forgets_everything(tamara_simulator, http):
    order_id = new_order(tamara_simulator, http)
    tamara_simulator.inject_fault("/x", "error_500")
    tamara_simulator.set_auto_authorise(True)
    tamara_simulator.advance_clock(seconds=60)
    assert requests.post(f"{tamara_simulator.url}/simulator/reset", timeout=10).status_code == 200
    assert http.get(f"{tamara_simulator.url}/orders/{order_id}", timeout=10).status_code == 404
    assert tamara_simulator.faults.list() == [] and tamara_simulator.config()["auto_authorise"] is False
    assert tamara_simulator.clock.offset.total_seconds() == 0
    assert [e["path"] for e in tamara_simulator.journal()] == [f"/orders/{order_id}"]


# Tokens stay secret -------------------------------------------------------------------------------------


def test_tokens_never_appear_in_logs_journal_or_errors(tamara_simulator, http, tamara_notification_receiver, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django_tamara")
    url = tamara_simulator.url
    tamara_notification_receiver.status = 403
    payload = sample_checkout_payload(notification_url=f"{tamara_notification_receiver.url}/n")
    order_id = http.post(f"{url}/checkout", json=payload, timeout=10).json()["order_id"]
    tamara_simulator.approve(order_id)
    http.post(f"{url}/orders/{order_id}/authorise", timeout=10)
    bad = requests.get(
        f"{url}/orders/{order_id}", headers={"Authorization": "Bearer nearly-" + tamara_simulator.api_token}, timeout=10
    )
    tamara_simulator.inject_fault("/payments/capture", "drop_after")
    with pytest.raises(requests.ConnectionError):
        http.post(
            f"{url}/payments/capture",
            timeout=10,
            json={"order_id": order_id, "total_amount": money("1"), "shipping_info": SHIPPING_INFO},
        )
    requests.post(f"{url}/simulator/webhook-faults", json={"mode": "bad_signature"}, timeout=10)
    tamara_simulator.decline(
        http.post(
            f"{url}/checkout", json=sample_checkout_payload(notification_url="http://127.0.0.1:9/down"), timeout=10
        ).json()["order_id"]
    )
    tamara_simulator.wait_for_notifications(5)
    texts = [
        caplog.text,
        json.dumps(tamara_simulator.journal()),
        requests.get(f"{url}/simulator/journal", timeout=10).text,
        json.dumps(tamara_simulator.config()),
        bad.text,
        repr(tamara_simulator),
    ]
    for secret in (tamara_simulator.api_token, tamara_simulator.notification_token):
        for text in texts:
            assert secret not in text
    assert any(r.name == "django_tamara.simulator" for r in caplog.records)  # it did log, at DEBUG
