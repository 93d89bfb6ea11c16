"""A delivery that is stored is answered 2xx, one that is not gets a JSON 5xx (#12).

Tamara retries a delivery until it gets a 2xx. Answering 500 for a stored delivery makes it
deliver again for nothing; answering 2xx for one that was never stored loses it. So the
answer follows the database, never the cache or the queue: Redis refusing connections
(a real refused connection, on a port nothing listens on) leaves the event ``pending`` for
the retry sweep, and a database that fails answers 503 in JSON, not Django's HTML page.
"""

from __future__ import annotations

import json
import logging
import socket
import sqlite3
import uuid
from unittest import mock

import django
import pytest
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.test import Client

from django_tamara.background import BUILT_IN, DUMMY_BACKEND
from django_tamara.models import TamaraOrder, WebhookEvent
from django_tamara.testing import make_notification_token
from django_tamara.webhooks import gate as drain

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/tamara/webhooks/"


def closed_port() -> int:
    """A port of 127.0.0.1 that nothing listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_down() -> str:
    return f"redis://127.0.0.1:{closed_port()}/0"


@pytest.fixture
def order() -> TamaraOrder:
    return TamaraOrder.objects.create(
        order_id=uuid.uuid4(), order_reference_id="OUT-1", currency="SAR", total_amount=100, status="new"
    )


def deliver(settings, order: TamaraOrder, event_type: str = "order_approved"):
    body = {
        "order_id": str(order.order_id),
        "order_reference_id": order.order_reference_id,
        "event_type": event_type,
        "data": {},
    }
    token = make_notification_token(settings.TAMARA["NOTIFICATION_TOKEN"])
    return Client(raise_request_exception=False).post(
        URL, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def use_gate(settings, cache: dict) -> None:
    settings.CACHES = {**settings.CACHES, "tamara": cache}
    settings.TAMARA = {**settings.TAMARA, "WEBHOOK_QUEUE_CACHE": "tamara"}


def use_rq(settings, url: str) -> None:
    if BUILT_IN:  # a version cell, not a missing service (docs/tasks.md)
        pytest.skip(f"django-tasks-rq runs the django-tasks backport's tasks, not Django {django.get_version()}'s")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": url, "DEFAULT_TIMEOUT": 300}}


# The cache and the queue fail: the delivery is stored, answered 200, and waits -------------------


def test_a_gate_on_a_redis_that_refuses_connections_still_answers_200(settings, order, redis_down, caplog):
    settings.TASKS = {"default": {"BACKEND": DUMMY_BACKEND}}
    use_gate(settings, {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_down})
    with caplog.at_level(logging.WARNING, logger="django_tamara"):
        response = deliver(settings, order)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "received"
    assert WebhookEvent.objects.get().state == "pending"  # the retry sweep processes it
    assert "could not close the webhook drain gate" in caplog.text and "ConnectionError" in caplog.text


def test_a_drain_queue_on_a_redis_that_refuses_connections_still_answers_200(settings, order, redis_down, caplog):
    use_gate(settings, {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "outage-gate"})
    use_rq(settings, redis_down)
    drain.open_gate(drain.gate_cache())
    with caplog.at_level(logging.WARNING, logger="django_tamara"):
        response = deliver(settings, order)
    assert response.status_code == 200, response.content
    assert WebhookEvent.objects.get().state == "pending"
    assert "could not queue the webhook drain" in caplog.text
    assert drain.close_gate(drain.gate_cache())  # opened again for the next delivery
    drain.open_gate(drain.gate_cache())


def test_a_task_per_delivery_on_a_redis_that_refuses_connections_still_answers_200(settings, order, redis_down, caplog):
    settings.TAMARA = {**settings.TAMARA, "WEBHOOK_QUEUE_CACHE": None}
    use_rq(settings, redis_down)
    with caplog.at_level(logging.WARNING, logger="django_tamara"):
        response = deliver(settings, order)
    assert response.status_code == 200, response.content
    assert WebhookEvent.objects.get().state == "pending"
    assert "could not queue webhook event" in caplog.text


def test_queue_drain_never_raises_even_when_the_gate_cannot_be_opened_again(caplog):
    class DownCache:
        def add(self, *args, **kwargs):
            raise ConnectionError("cache down")

        delete = add

    with caplog.at_level(logging.WARNING, logger="django_tamara"):
        drain.queue_drain(DownCache(), lambda: None)  # type: ignore[arg-type]  # a failing stand-in cache
    assert "could not close the webhook drain gate" in caplog.text

    class OpenOnlyCache(DownCache):
        def add(self, *args, **kwargs):
            return True

    def queue() -> None:
        raise ConnectionError("queue down")

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="django_tamara"):
        drain.queue_drain(OpenOnlyCache(), queue)  # type: ignore[arg-type]  # a failing stand-in cache
    assert "could not queue the webhook drain" in caplog.text
    assert "could not open the webhook drain gate again" in caplog.text


# The database fails: nothing is stored, the answer is a JSON 503 that Tamara retries -------------


@pytest.mark.parametrize(
    "failure",
    [
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
        DatabaseError("could not serialize access"),
    ],
)
def test_a_database_error_while_storing_answers_a_json_503(settings, order, failure, caplog):
    # Only the mapping of the error to the answer is tested here; a real database outage is
    # played out below on SQLite and, on PostgreSQL, by the fault tests.
    with (
        mock.patch("django_tamara.webhooks.intake.insert_event", side_effect=failure),
        caplog.at_level(logging.WARNING, logger="django_tamara"),
    ):
        response = deliver(settings, order)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "could not store the delivery; try again"}
    assert "could not store a order_approved delivery" in caplog.text and type(failure).__name__ in caplog.text
    assert WebhookEvent.objects.count() == 0


def test_a_locked_sqlite_database_answers_a_json_503_and_the_retry_is_stored(settings, order, caplog):
    """Another process holds SQLite's write lock longer than the connection waits for it."""
    if connection.vendor != "sqlite":
        pytest.skip(
            "needs SQLite (CI's SQLite pass runs it); PostgreSQL outages are played out by tests/test_faults_outages.py"
        )
    options = connection.settings_dict["OPTIONS"]
    saved = options.get("timeout")
    connection.close()
    options["timeout"] = 0.2
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=5, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        with caplog.at_level(logging.WARNING, logger="django_tamara"):
            response = deliver(settings, order)
        assert response.status_code == 503
        assert response.json() == {"error": "could not store the delivery; try again"}
        assert "database is locked" in caplog.text
        other.execute("ROLLBACK")
    finally:
        other.close()
        connection.close()
        options["timeout"] = saved
    # Tamara retries the 503; the database is back and this time the delivery is stored.
    settings.TASKS = {"default": {"BACKEND": DUMMY_BACKEND}}
    assert deliver(settings, order).status_code == 200
    assert WebhookEvent.objects.get().state == "pending"
