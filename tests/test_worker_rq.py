"""The queued path: webhook processing in a separate RQ worker process on Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import rq
import rq.job
import rq.registry
from django.db import connection

from django_tamara import lifecycle
from django_tamara.client import get_client
from django_tamara.models import TamaraOrder, WebhookEvent

from .payloads import checkout_payload

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["drain", "per-event"])
def queue_mode(request, settings) -> str:
    """Both ways of queueing webhook processing: one drain per burst, or one task per delivery."""
    if request.param == "drain":
        settings.CACHES = {
            **settings.CACHES,
            "tamara": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.REDIS_URL},
        }
        settings.TAMARA = {**settings.TAMARA, "WEBHOOK_QUEUE_CACHE": "tamara"}
    return request.param


@pytest.fixture
def rq_backend(settings, queue_mode):
    redis_url = settings.REDIS_URL
    redis.Redis.from_url(redis_url).ping()  # Redis must be there: a failure, not a skip
    for key in redis.Redis.from_url(redis_url).keys("rq:*") + redis.Redis.from_url(redis_url).keys("*webhook-drain*"):
        redis.Redis.from_url(redis_url).delete(key)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    return redis_url


@pytest.fixture
def worker(rq_backend, queue_mode, tamara_simulator, settings):
    db = connection.settings_dict
    env = {
        **os.environ,
        "TASKS_BACKEND": "rq",
        "TAMARA_WEBHOOK_QUEUE": queue_mode,
        "REDIS_URL": rq_backend,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "TAMARA_API_URL": tamara_simulator.url,
        "TAMARA_API_TOKEN": tamara_simulator.api_token,
        "TAMARA_NOTIFICATION_TOKEN": tamara_simulator.notification_token,
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "default", "--job-class", "django_tasks_rq.Job"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_for(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_webhooks_are_processed_by_a_separate_worker(worker, queue_mode, rq_backend, tamara_simulator, live_server):
    orders = []
    for _ in range(5):
        payload = checkout_payload(("80.00",), notification_url=f"{live_server.url}/tamara/webhooks/")
        session = get_client().create_checkout_session(payload)
        order, _ = lifecycle.sync_by_id(session.order_id)
        orders.append(order)
    for order in orders:
        tamara_simulator.approve(str(order.order_id))
    # The web process only stored the events; the worker authorises.
    assert WebhookEvent.objects.filter(event_type="order_approved").count() == 5
    done = wait_for(lambda: set(TamaraOrder.objects.values_list("status", flat=True)) == {"authorised"})
    if not done:
        worker.terminate()
        pytest.fail("worker did not process the events:\n" + (worker.communicate(timeout=20)[0] or "")[-3000:])
    assert set(WebhookEvent.objects.filter(event_type="order_approved").values_list("state", flat=True)) == {"done"}
    finished = rq.registry.FinishedJobRegistry("default", connection=redis.Redis.from_url(rq_backend))
    ran = {rq.job.Job.fetch(job_id, connection=finished.connection).func_name for job_id in finished.get_job_ids()}
    task = "process_pending_events" if queue_mode == "drain" else "process_webhook_event"
    assert any(task in name for name in ran), ran
    journal = tamara_simulator.journal()
    for order in orders:
        assert (
            sum(1 for e in journal if e.get("kind") == "api" and e["path"].endswith(f"{order.order_id}/authorise")) == 1
        )


def test_supervisord_starts_a_killed_worker_again(private_redis, tmp_path):
    """The worker runs under sandbox_project/supervisord.conf (docs/scale.md, "Keep the worker
    running"): killed with SIGKILL, it is started again at once and takes jobs again."""
    from .services import SupervisedWorker

    env = {**os.environ, "TASKS_BACKEND": "rq", "REDIS_URL": private_redis.url}
    worker = SupervisedWorker(env, tmp_path / "supervisor")
    try:
        first = worker.start().wait_running()
        worker.kill_worker()
        second = worker.wait_restarted(first, timeout=10)
        assert worker.wait_running(timeout=30) == second != first
        # The new worker registered itself with Redis: it is listening again.
        assert wait_for(
            lambda: any(w.pid == second for w in rq.Worker.all(connection=redis.Redis.from_url(private_redis.url))),
            timeout=20,
        )
    finally:
        worker.stop()
    assert not any(Path(f"/proc/{pid}").exists() for pid in (first, second))
