"""The queued path on Celery: webhook processing in a separate Celery worker on RabbitMQ.

django-tasks-celery is a backend of Django's own tasks framework (``django.tasks``), so these
run on Django 6 and are skipped on Django 5.2 (a version cell, docs/tasks.md);
tests/test_worker_rq.py is the same test on RQ for Django 5.2. Each test has a RabbitMQ vhost
and a Redis of its own (the drain gate and Celery's results), and a RabbitMQ that cannot be
reached fails them: it is a service these tests need, not a reason to skip.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from django_tamara.models import TamaraOrder, WebhookEvent

from .services import (
    PrivateRabbitVhost,
    PrivateRedis,
    SupervisedWorker,
    approve_orders,
    engine_cell,
    none_running,
    private_rabbitmq,
    running,
    stop_process,
    wait_until,
)

__all__ = ["private_rabbitmq"]  # a fixture, found by name

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent

#: The Celery app this test process enqueues with (the backend's OPTIONS["CELERY_APP"]
#: points here), made per test for its own vhost; the worker runs sandbox_project/celery.py.
CELERY_APP: Any = None


@pytest.fixture(autouse=True)
def celery_cell() -> None:
    engine_cell("celery")


def celery_env(rabbitmq: PrivateRabbitVhost, redis: PrivateRedis, **extra: str) -> dict[str, str]:
    """The sandbox's settings for Celery (sandbox_project/settings.py, TASKS_BACKEND=celery)."""
    return {
        **os.environ,
        "TASKS_BACKEND": "celery",
        "CELERY_BROKER_URL": rabbitmq.url,
        "CELERY_TASK_DEFAULT_QUEUE": rabbitmq.queue,
        "REDIS_URL": redis.url,
        **extra,
    }


@pytest.fixture
def celery_backend(
    settings, queue_mode, private_rabbitmq: PrivateRabbitVhost, private_redis: PrivateRedis
) -> Iterator[Any]:
    """This test process enqueues on the test's vhost, into the queue its worker consumes."""
    from celery import Celery

    global CELERY_APP
    app = Celery("tamara-test", set_as_current=False)
    app.conf.update(
        broker_url=private_rabbitmq.url,
        result_backend=private_redis.url,
        result_extended=True,
        task_default_queue=private_rabbitmq.queue,
        broker_connection_retry_on_startup=True,
    )
    CELERY_APP = app
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_celery.CeleryBackend",
            "QUEUES": ["default"],
            "OPTIONS": {"CELERY_APP": f"{__name__}.CELERY_APP"},
        }
    }
    try:
        yield app
    finally:
        app.close()
        CELERY_APP = None


@pytest.fixture
def worker(celery_backend, queue_mode, private_rabbitmq, private_redis, tamara_simulator) -> Iterator[subprocess.Popen]:
    """``celery -A sandbox_project worker``, as docs/tasks.md runs it, on the test database."""
    db = connection.settings_dict
    env = celery_env(
        private_rabbitmq,
        private_redis,
        TAMARA_WEBHOOK_QUEUE=queue_mode,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        TAMARA_API_URL=tamara_simulator.url,
        TAMARA_API_TOKEN=tamara_simulator.api_token,
        TAMARA_NOTIFICATION_TOKEN=tamara_simulator.notification_token,
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "sandbox_project",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "-n",
            f"{private_rabbitmq.name}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        stop_process(process, timeout=30)  # the pool's children too, if it does not stop


def tasks_run(redis: PrivateRedis) -> list[str]:
    """The names of the tasks a worker finished, from Celery's results (extended) in Redis."""
    with redis.client() as client:
        metas = [json.loads(client.get(key)) for key in client.keys("celery-task-meta-*")]
    return [meta.get("name") or "" for meta in metas if meta.get("status") == "SUCCESS"]


def test_webhooks_are_processed_by_a_separate_celery_worker(
    worker, queue_mode, private_redis, tamara_simulator, live_server
):
    orders = approve_orders(live_server.url, tamara_simulator, count=5)
    # The web process only stored the events; the worker authorises.
    assert WebhookEvent.objects.filter(event_type="order_approved").count() == 5
    try:
        wait_until(
            lambda: set(TamaraOrder.objects.values_list("status", flat=True)) == {"authorised"},
            timeout=180,
            interval=0.2,
            what="every order authorised",
        )
    except TimeoutError:
        worker.terminate()
        pytest.fail("worker did not process the events:\n" + (worker.communicate(timeout=30)[0] or "")[-3000:])
    assert set(WebhookEvent.objects.filter(event_type="order_approved").values_list("state", flat=True)) == {"done"}
    task = "process_pending_events" if queue_mode == "drain" else "process_webhook_event"
    wait_until(lambda: any(task in name for name in tasks_run(private_redis)), timeout=10, what=f"a {task} result")
    journal = tamara_simulator.journal()
    for order in orders:
        assert (
            sum(1 for e in journal if e.get("kind") == "api" and e["path"].endswith(f"{order.order_id}/authorise")) == 1
        )


def test_supervisord_starts_a_killed_celery_worker_again(private_rabbitmq, private_redis, tmp_path):
    """The Celery worker runs under sandbox_project/supervisord-celery.conf (docs/tasks.md):
    killed with SIGKILL, pool and all, it is started again and consumes its queue again."""
    env = celery_env(private_rabbitmq, private_redis, DATABASE_URL=f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.db'}")

    def consumers() -> int:
        with private_rabbitmq.connection() as conn, conn.channel() as channel:
            return channel.queue_declare(private_rabbitmq.queue, passive=True).consumer_count

    worker = SupervisedWorker(env, tmp_path / "supervisor")
    try:
        first = worker.start(timeout=120).wait_running()
        wait_until(lambda: consumers() == 1, timeout=30, what=f"a consumer on {private_rabbitmq.queue}")
        worker.kill_worker()
        second = worker.wait_restarted(first, timeout=60)
        assert worker.wait_running(timeout=120) == second != first
        # The new worker consumes the queue again (the killed one's channel is gone).
        time.sleep(1)
        wait_until(lambda: consumers() == 1, timeout=30, what=f"the restarted worker on {private_rabbitmq.queue}")
    finally:
        worker.stop()
    assert none_running([first, second]), [pid for pid in (first, second) if running(pid)]
