"""The queued path: webhook processing in a separate RQ worker process on Redis.

RQ's backend (django-tasks-rq) builds on the django-tasks backport, so these run on Django 5.2
and are skipped on Django 6 (a version cell, docs/tasks.md); tests/test_worker_celery.py is the
same test on Celery for Django 6. Redis is the test's own (``private_redis``), never the
machine's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from django_tamara.models import TamaraOrder, WebhookEvent

from .services import PrivateRedis, approve_orders, engine_cell, none_running, running, stop_process

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def rq_cell() -> None:
    engine_cell("rq")


@pytest.fixture
def rq_backend(settings, queue_mode, private_redis: PrivateRedis) -> str:
    """This test's web side enqueues on its own Redis, where its worker listens."""
    settings.RQ_QUEUES = {"default": {"URL": private_redis.url, "DEFAULT_TIMEOUT": 300}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    return private_redis.url


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
    try:
        yield process
    finally:
        stop_process(process)  # the work horse too, if it does not stop


def wait_for(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_webhooks_are_processed_by_a_separate_worker(worker, queue_mode, rq_backend, tamara_simulator, live_server):
    import redis
    import rq.job
    import rq.registry

    orders = approve_orders(live_server.url, tamara_simulator, count=5)
    # The web process only stored the events; the worker authorises.
    assert WebhookEvent.objects.filter(event_type="order_approved").count() == 5
    done = wait_for(lambda: set(TamaraOrder.objects.values_list("status", flat=True)) == {"authorised"})
    if not done:
        worker.terminate()
        pytest.fail("worker did not process the events:\n" + (worker.communicate(timeout=20)[0] or "")[-3000:])
    assert set(WebhookEvent.objects.filter(event_type="order_approved").values_list("state", flat=True)) == {"done"}
    finished = rq.registry.FinishedJobRegistry("default", connection=redis.Redis.from_url(rq_backend))
    task = "process_pending_events" if queue_mode == "drain" else "process_webhook_event"

    def ran() -> set[str]:
        return {rq.job.Job.fetch(job_id, connection=finished.connection).func_name for job_id in finished.get_job_ids()}

    # RQ files a job as finished after the job's own commit: on a loaded machine the orders
    # can show "authorised" a moment before the registry shows the job.
    assert wait_for(lambda: any(task in name for name in ran()), timeout=30), ran()
    journal = tamara_simulator.journal()
    for order in orders:
        assert (
            sum(1 for e in journal if e.get("kind") == "api" and e["path"].endswith(f"{order.order_id}/authorise")) == 1
        )


def test_supervisord_starts_a_killed_worker_again(private_redis, tmp_path):
    """The worker runs under sandbox_project/supervisord.conf (docs/scale.md, "Keep the worker
    running"): killed with SIGKILL, it is started again at once and takes jobs again."""
    import redis
    import rq

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
    assert none_running([first, second]), [pid for pid in (first, second) if running(pid)]
