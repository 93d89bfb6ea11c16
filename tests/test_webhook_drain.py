"""One drain task per burst of webhooks (TAMARA["WEBHOOK_QUEUE_CACHE"]), and why none is lost.

The task backend is the tasks framework's Dummy backend (from django_tamara.background), so
the tests see exactly which tasks a delivery queued and run them when they choose: the
interleavings of a delivery and a drain are played out step by step. The real workers (RQ on
Redis, Celery on RabbitMQ) run in test_worker_rq, test_worker_celery and test_scale.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid

import pytest
from django.db import connections
from django.test import Client

from django_tamara import lifecycle
from django_tamara.background import DUMMY_BACKEND, IMMEDIATE_BACKEND, default_task_backend
from django_tamara.client import get_client
from django_tamara.models import TamaraOrder, WebhookEvent
from django_tamara.tasks import drain_runs_on_a_worker, process_pending_events, process_webhook_event
from django_tamara.testing import make_notification_token
from django_tamara.webhooks import gate as drain
from django_tamara.webhooks.processing import retry_failed_events

from .payloads import checkout_payload

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/tamara/webhooks/"
QUEUE_CACHE = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tamara-drain-tests"}


@pytest.fixture
def queued(settings):
    """Deliveries share one drain through a gate in a cache; tasks are only recorded."""
    settings.TASKS = {"default": {"BACKEND": DUMMY_BACKEND}}
    settings.CACHES = {**settings.CACHES, "tamara": QUEUE_CACHE}
    settings.TAMARA = {**settings.TAMARA, "WEBHOOK_QUEUE_CACHE": "tamara"}
    drain.open_gate(drain.gate_cache())
    default_task_backend.clear()
    yield default_task_backend
    drain.open_gate(drain.gate_cache())
    default_task_backend.clear()


def queued_tasks(backend) -> list[str]:
    return [result.task.name for result in backend.results]


def run_queued(backend) -> None:
    """What a worker does: run every queued task (and those they queue) in order."""
    while backend.results:
        result = backend.results.pop(0)
        result.task.call(*result.args, **result.kwargs)


def approved_order(sim, receiver) -> tuple[TamaraOrder, bytes]:
    """An order the customer approved on the simulator, and the body Tamara sent for it."""
    payload = checkout_payload(("100.00",), notification_url=receiver.url)
    session = get_client().create_checkout_session(payload)
    order, _ = lifecycle.sync_by_id(session.order_id)
    receiver.clear()
    sim.approve(str(order.order_id))
    body = next(b for b in receiver.bodies() if b.get("order_id") == str(order.order_id))
    return order, json.dumps(body).encode()


def deliver(settings, body: bytes) -> int:
    token = make_notification_token(settings.TAMARA["NOTIFICATION_TOKEN"])
    response = Client().post(URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    return response.status_code


def test_a_burst_of_deliveries_queues_one_drain_that_processes_them_all(
    queued, settings, tamara_simulator, tamara_notification_receiver
):
    orders = []
    for _ in range(3):
        order, body = approved_order(tamara_simulator, tamara_notification_receiver)
        assert deliver(settings, body) == 200
        orders.append(order)
    assert queued_tasks(queued) == [process_pending_events.name]
    assert set(WebhookEvent.objects.values_list("state", flat=True)) == {"pending"}

    run_queued(queued)
    assert set(WebhookEvent.objects.values_list("state", flat=True)) == {"done"}
    for order in orders:
        order.refresh_from_db()
        assert order.status == "authorised"
    # The drain opened the gate: the next delivery queues a new drain.
    _, body = approved_order(tamara_simulator, tamara_notification_receiver)
    deliver(settings, body)
    assert queued_tasks(queued) == [process_pending_events.name]


def test_a_delivery_while_the_drain_is_queued_is_seen_by_that_drain(
    queued, settings, tamara_simulator, tamara_notification_receiver
):
    first, body = approved_order(tamara_simulator, tamara_notification_receiver)
    deliver(settings, body)
    (drain_task,) = queued.results
    second, body = approved_order(tamara_simulator, tamara_notification_receiver)
    deliver(settings, body)  # gate closed: nothing new queued, the row waits for the drain
    assert len(queued.results) == 1

    run_queued(queued)
    assert drain_task.task.name == process_pending_events.name
    assert {o.status for o in TamaraOrder.objects.filter(pk__in=[first.pk, second.pk])} == {"authorised"}


def test_a_delivery_after_the_drain_opened_the_gate_queues_another(
    queued, settings, tamara_simulator, tamara_notification_receiver
):
    """The drain opens the gate before it looks, so a row it may miss has queued a new drain."""
    _, body = approved_order(tamara_simulator, tamara_notification_receiver)
    deliver(settings, body)
    queued.clear()
    drain.open_gate(drain.gate_cache())  # the drain has started and opened the gate...
    late, body = approved_order(tamara_simulator, tamara_notification_receiver)
    drain.forget(drain.gate_cache())  # ...and a process that has not seen the gate closed...
    deliver(settings, body)  # ...stores a delivery before the drain claims anything
    assert queued_tasks(queued) == [process_pending_events.name]
    process_pending_events.call()
    run_queued(queued)
    late.refresh_from_db()
    assert late.status == "authorised"
    assert set(WebhookEvent.objects.values_list("state", flat=True)) == {"done"}


def test_a_process_that_just_saw_the_gate_closed_skips_the_cache_and_the_lingering_drain_finds_its_delivery(
    queued, settings, tamara_simulator, tamara_notification_receiver, monkeypatch
):
    """The gate's memory (#17): one cache call per process per moment, and nothing left behind.

    The second delivery comes from the process that closed the gate an instant before, so it
    asks the cache nothing and queues nothing; the drain, which opened the gate after that
    sighting, is still looking when the row lands, and processes it.
    """
    monkeypatch.setattr(drain, "MEMORY_SECONDS", 2.0)  # wide, so a slow machine cannot leave it
    first, first_body = approved_order(tamara_simulator, tamara_notification_receiver)
    second, second_body = approved_order(tamara_simulator, tamara_notification_receiver)
    asked = []
    real_close = drain.close_gate
    monkeypatch.setattr(drain, "close_gate", lambda cache: asked.append(1) or real_close(cache))

    assert deliver(settings, first_body) == 200
    assert len(asked) == 1 and queued_tasks(queued) == [process_pending_events.name]
    queued.clear()
    outcome: dict[str, int] = {}

    def worker() -> None:
        try:
            outcome.update(process_pending_events.call())
        finally:
            connections.close_all()

    started = time.monotonic()
    thread = threading.Thread(target=worker)
    thread.start()  # the drain opens the gate and processes the first delivery...
    assert deliver(settings, second_body) == 200  # ...while the second skips the cache
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert len(asked) == 1 and queued.results == []  # no cache call, no second drain
    assert outcome == {"done": 2}
    assert time.monotonic() - started >= drain.MEMORY_SECONDS  # it lingered
    assert {o.status for o in TamaraOrder.objects.filter(pk__in=[first.pk, second.pk])} == {"authorised"}


def test_the_memory_of_a_closed_gate_lasts_only_memory_seconds(queued, settings, monkeypatch):
    monkeypatch.setattr(drain, "MEMORY_SECONDS", 1.0)  # wide, so a slow machine cannot leave it early
    cache = drain.gate_cache()
    calls = []
    drain.queue_drain(cache, lambda: calls.append(1), drain_lingers=True)
    drain.open_gate(cache)  # a drain started: it lingers for MEMORY_SECONDS
    drain.queue_drain(cache, lambda: calls.append(1), drain_lingers=True)
    assert calls == [1]  # remembered: the lingering drain will see this delivery's row
    time.sleep(drain.MEMORY_SECONDS)
    drain.queue_drain(cache, lambda: calls.append(1), drain_lingers=True)
    assert calls == [1, 1]  # forgotten: the gate was open, so a new drain is queued


def test_a_failed_queue_is_not_remembered(queued, settings):
    cache = drain.gate_cache()

    def broken() -> None:
        raise ConnectionError("Redis is down")

    drain.queue_drain(cache, broken, drain_lingers=True)
    calls = []
    drain.queue_drain(cache, lambda: calls.append(1), drain_lingers=True)
    assert calls == [1]  # no drain was queued, so the next delivery tries again


def test_a_drain_in_the_request_does_not_linger_and_is_not_relied_on(settings, monkeypatch):
    """With the Immediate backend the drain runs inside the delivery's request: no memory, no wait."""
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE_BACKEND}}
    settings.CACHES = {**settings.CACHES, "tamara": QUEUE_CACHE}
    settings.TAMARA = {**settings.TAMARA, "WEBHOOK_QUEUE_CACHE": "tamara"}
    drain.open_gate(drain.gate_cache())
    waits: list[float] = []
    monkeypatch.setattr("django_tamara.webhooks.processing.time.sleep", waits.append)
    assert process_pending_events.enqueue().return_value == {}
    assert waits == []
    assert not drain_runs_on_a_worker()
    calls = []
    for _ in range(2):
        drain.queue_drain(drain.gate_cache(), lambda: calls.append(1), drain_lingers=drain_runs_on_a_worker())
        drain.open_gate(drain.gate_cache())  # the drain ran in the request
    assert calls == [1, 1]  # nothing remembered: each delivery asks the cache


def test_a_backlog_is_shared_with_another_worker(queued, settings):
    order = TamaraOrder.objects.create(
        order_id=uuid.uuid4(), order_reference_id="B-1", currency="SAR", total_amount=100, status="authorised"
    )
    WebhookEvent.objects.bulk_create(
        WebhookEvent(dedupe_key=f"{i:064d}", order=order, event_type="order_updated", body="{}")
        for i in range(drain.BATCH_SIZE + 5)
    )
    claimed = drain.claim_pending()
    assert len(claimed) == drain.BATCH_SIZE
    assert WebhookEvent.objects.filter(state="processing").count() == drain.BATCH_SIZE
    # A second drain claims only what the first did not.
    assert set(drain.claim_pending()).isdisjoint(claimed)
    assert WebhookEvent.objects.filter(state="pending").count() == 0

    WebhookEvent.objects.update(state="pending")
    queued.clear()
    settings.TAMARA = {**settings.TAMARA, "API_URL": "http://127.0.0.1:9"}  # no Tamara: events fail
    settings.TAMARA = {**settings.TAMARA, "MAX_RETRIES": 0, "CONNECT_TIMEOUT": 0.2}
    outcome = process_pending_events.call()
    assert outcome == {"failed": drain.BATCH_SIZE + 5}
    assert queued_tasks(queued) == [process_pending_events.name]  # one more drain for the backlog


@pytest.mark.postgres
def test_concurrent_drains_never_claim_the_same_event(queued):
    order = TamaraOrder.objects.create(
        order_id=uuid.uuid4(), order_reference_id="C-1", currency="SAR", total_amount=100, status="authorised"
    )
    WebhookEvent.objects.bulk_create(
        WebhookEvent(dedupe_key=f"{i:064d}", order=order, event_type="order_updated", body="{}") for i in range(400)
    )
    claims: list[list[int]] = [[] for _ in range(4)]
    start = threading.Barrier(4)

    def drainer(mine: list[int]) -> None:
        start.wait()
        try:
            while pks := drain.claim_pending(limit=7):
                mine.extend(pks)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=drainer, args=(claims[i],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [pk for mine in claims for pk in mine]
    assert len(everything) == len(set(everything)) == 400
    assert sum(1 for mine in claims if mine) > 1  # they really ran side by side


def test_a_failed_queue_keeps_the_delivery_and_opens_the_gate(
    queued, settings, tamara_simulator, tamara_notification_receiver, monkeypatch
):
    order, body = approved_order(tamara_simulator, tamara_notification_receiver)

    def broken(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(type(process_pending_events), "enqueue", broken)
    assert deliver(settings, body) == 200  # stored: Tamara must not think it was lost
    assert WebhookEvent.objects.get().state == "pending"
    assert drain.close_gate(drain.gate_cache())  # it was opened again for the next delivery
    drain.open_gate(drain.gate_cache())
    # The retry sweep finds the event, like one whose drain died mid-way ("processing").
    WebhookEvent.objects.update(state="processing")
    assert retry_failed_events(stale_after=dt.timedelta(0)) == {"done": 1}
    order.refresh_from_db()
    assert order.status == "authorised"


def test_without_a_queue_cache_each_delivery_queues_its_own_task(
    settings, tamara_simulator, tamara_notification_receiver
):
    settings.TASKS = {"default": {"BACKEND": DUMMY_BACKEND}}
    default_task_backend.clear()
    for _ in range(2):
        _, body = approved_order(tamara_simulator, tamara_notification_receiver)
        deliver(settings, body)
    assert queued_tasks(default_task_backend) == [process_webhook_event.name] * 2
    default_task_backend.clear()


def test_with_the_immediate_backend_a_backlog_is_drained_in_place(settings):
    """No other worker to share with: the drain works through the backlog without nesting."""
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE_BACKEND}}
    settings.CACHES = {**settings.CACHES, "tamara": QUEUE_CACHE}
    settings.TAMARA = {
        **settings.TAMARA,
        "WEBHOOK_QUEUE_CACHE": "tamara",
        "API_URL": "http://127.0.0.1:9",
        "MAX_RETRIES": 0,
    }
    order = TamaraOrder.objects.create(
        order_id=uuid.uuid4(), order_reference_id="I-1", currency="SAR", total_amount=100, status="authorised"
    )
    WebhookEvent.objects.bulk_create(
        WebhookEvent(dedupe_key=f"{i:064d}", order=order, event_type="order_updated", body="{}")
        for i in range(drain.BATCH_SIZE * 3)
    )
    result = process_pending_events.enqueue()
    assert result.return_value == {"failed": drain.BATCH_SIZE * 3}  # one drain did it all
