"""Running at scale: two gunicorn web processes and one RQ worker on one PostgreSQL.

200 orders are approved on the simulator; their webhooks land on either web process, which
only store them and queue the work; the worker authorises. Every order must end authorised,
and Tamara (the simulator's journal) must have seen exactly one authorise per order.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
import rq
import rq.job
import rq.registry
import requests
from django.db import connection

from django_tamara import lifecycle
from django_tamara.client import get_client
from django_tamara.models import TamaraOrder, WebhookEvent

from .payloads import checkout_payload

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
ORDERS = 200
REDIS_URL = "redis://127.0.0.1:6379/13"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def stack(tamara_simulator):
    """Two web processes and a worker, configured like a production deployment of the sandbox."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CONN_MAX_AGE": "60",
        "DEBUG": "False",
        "TASKS_BACKEND": "rq",
        "REDIS_URL": REDIS_URL,
        "TAMARA_API_URL": tamara_simulator.url,
        "TAMARA_API_TOKEN": tamara_simulator.api_token,
        "TAMARA_NOTIFICATION_TOKEN": tamara_simulator.notification_token,
        "TAMARA_LOG_LEVEL": "WARNING",
    }
    ports = [free_port(), free_port()]
    commands = [
        [sys.executable, "-m", "gunicorn", "sandbox_project.wsgi:application", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
        for port in ports
    ] + [[sys.executable, "manage.py", "rqworker", "default", "--job-class", "django_tasks_rq.Job"]]
    processes = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for cmd in commands]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url in urls:
            deadline = time.monotonic() + 30
            while True:
                try:
                    requests.get(f"{url}/admin/login/", timeout=2)
                    break
                except requests.RequestException:
                    if time.monotonic() > deadline:
                        pytest.fail(f"{url} did not start")
                    time.sleep(0.2)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        redis.Redis.from_url(REDIS_URL).flushdb()


def test_two_web_processes_and_a_worker_authorise_every_order_once(stack, tamara_simulator):
    orders = []
    for i in range(ORDERS):
        web = stack[i % 2]
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
    assert statuses == {"authorised": ORDERS}, statuses

    journal = tamara_simulator.journal()
    authorises = Counter(e["path"] for e in journal if e.get("kind") == "api" and e["path"].endswith("/authorise"))
    assert len(authorises) == ORDERS and set(authorises.values()) == {1}
    deliveries = [e for e in journal if e.get("kind") == "webhook"]
    assert deliveries and all(e.get("delivered") for e in deliveries), [e for e in deliveries if not e.get("delivered")][:3]
    assert WebhookEvent.objects.filter(event_type="order_approved").count() == ORDERS
    # The web processes queued drains (the sandbox's TASKS_BACKEND=rq turns them on), not a job each.
    finished = rq.registry.FinishedJobRegistry("default", connection=redis.Redis.from_url(REDIS_URL))
    ran = Counter(rq.job.Job.fetch(job_id, connection=finished.connection).func_name
                  for job_id in finished.get_job_ids())
    assert ran and all("process_pending_events" in name for name in ran), ran
    assert sum(ran.values()) < WebhookEvent.objects.count(), ran
