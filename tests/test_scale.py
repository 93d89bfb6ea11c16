"""Running at scale: two gunicorn web processes and one supervised worker on one PostgreSQL.

On both engines (issue #15, docs/tasks.md): an RQ worker on Redis (Django 5.2) and a Celery
worker on RabbitMQ (Django 6), each skipped on the Django that cannot run it.

200 orders are approved on the simulator; their webhooks land on either web process, which
only store them and queue the work; the worker, run by supervisord with the config that
docs/scale.md shows, authorises. Every order must end authorised, and Tamara (the
simulator's journal) must have seen exactly one authorise per order. The web processes write
gunicorn's access log through ``django_tamara.gunicorn.Logger``, which must keep every
delivery's ``tamaraToken`` out of it.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from django.db import connection

from django_tamara import lifecycle
from django_tamara.client import get_client
from django_tamara.models import TamaraOrder, WebhookEvent

from .payloads import checkout_payload
from .services import (
    PrivateRabbitVhost,
    PrivateRedis,
    engine_cell,
    rabbitmq_vhost_if,
    shop_env,
    shop_stack,
    web_log_tail,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ORDERS = 200
#: A tamaraToken value left in a log line: anything after "tamaraToken=" but the mask, or a JWT.
TOKEN_LEFT = re.compile(r"tamaraToken=(?!\*\*\*)|eyJ[\w-]{10,}\.", re.IGNORECASE)


@pytest.fixture(params=["rq", "celery"])
def engine(request) -> str:
    engine_cell(request.param)
    return request.param


@pytest.fixture
def rabbitmq(engine) -> Iterator[PrivateRabbitVhost | None]:
    """A vhost of the test's own for Celery (an unreachable RabbitMQ fails the test)."""
    with rabbitmq_vhost_if(engine == "celery") as vhost:
        yield vhost


def tasks_run(engine: str, redis_server: PrivateRedis) -> Counter[str]:
    """The names of the tasks the worker finished: RQ's finished registry, or Celery's
    (extended) results, both in the test's Redis."""
    if engine == "rq":
        import redis
        import rq.job
        import rq.registry

        finished = rq.registry.FinishedJobRegistry("default", connection=redis.Redis.from_url(redis_server.url))
        return Counter(
            rq.job.Job.fetch(job_id, connection=finished.connection).func_name for job_id in finished.get_job_ids()
        )
    with redis_server.client() as client:
        metas = [json.loads(client.get(key)) for key in client.keys("celery-task-meta-*")]
    return Counter(meta.get("name") or "" for meta in metas if meta.get("status") == "SUCCESS")


@pytest.fixture
def stack(engine, rabbitmq, tamara_simulator, private_redis, tmp_path):
    """Two web processes and a supervised worker, configured like a production deployment of the sandbox."""
    db = connection.settings_dict
    env = shop_env(
        database_url=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        redis_url=private_redis.url,
        simulator=tamara_simulator,
        rabbitmq=rabbitmq,
    )
    with shop_stack(
        env,
        tmp_path / "stack",
        access_log=tmp_path / "access.log",
        logger_class="django_tamara.gunicorn.Logger",
        scheduler_interval=None,
    ) as running:
        yield running


def test_two_web_processes_and_a_worker_authorise_every_order_once(
    engine, stack, tamara_simulator, private_redis, tmp_path
):
    orders = []
    for i in range(ORDERS):
        web = stack.urls[i % 2]
        session = get_client().create_checkout_session(
            checkout_payload(("100.00",), notification_url=f"{web}/tamara/webhooks/")
        )
        order, _ = lifecycle.sync_by_id(session.order_id)
        orders.append(order)
    for order in orders:
        tamara_simulator.approve(str(order.order_id))

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if TamaraOrder.objects.filter(status="authorised").count() == ORDERS:
            break
        time.sleep(0.5)
    statuses = Counter(TamaraOrder.objects.values_list("status", flat=True))
    assert statuses == {"authorised": ORDERS}, (statuses, stack.worker.log_tail(), web_log_tail(tmp_path / "stack"))

    journal = tamara_simulator.journal()
    authorises = Counter(e["path"] for e in journal if e.get("kind") == "api" and e["path"].endswith("/authorise"))
    assert len(authorises) == ORDERS and set(authorises.values()) == {1}
    deliveries = [e for e in journal if e.get("kind") == "webhook"]
    assert deliveries and all(e.get("delivered") for e in deliveries), [
        e for e in deliveries if not e.get("delivered")
    ][:3]
    assert WebhookEvent.objects.filter(event_type="order_approved").count() == ORDERS
    # The web processes queued drains (the sandbox's TASKS_BACKEND=rq or celery turns them on), not a job each.
    ran = tasks_run(engine, private_redis)
    assert ran and all("process_pending_events" in name for name in ran), ran
    assert sum(ran.values()) < WebhookEvent.objects.count(), ran

    # gunicorn's access log: a line for each delivery, and not one tamaraToken in it.
    tamara_simulator.wait_for_notifications(timeout=15)
    deliveries = [e for e in tamara_simulator.journal(kind="webhook") if e.get("status")]
    time.sleep(1)  # gunicorn writes the line just after it answers
    lines = (tmp_path / "access.log").read_text(errors="replace").splitlines()
    webhook_lines = [line for line in lines if "/tamara/webhooks/" in line]
    assert len(webhook_lines) == len(deliveries), (len(webhook_lines), len(deliveries))
    leaked = [line for line in lines if TOKEN_LEFT.search(line)]
    assert len(leaked) == 0, f"{len(leaked)} access-log lines carry a tamaraToken value"
    assert all("tamaraToken=***" in line for line in webhook_lines)
