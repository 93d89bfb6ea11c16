"""The app's background tasks: thin wrappers that run the work of other modules on a worker.

Tasks take ids, not objects, so any backend can serialise them, and the work each wraps
re-reads the database before acting. They are made with :mod:`django_tamara.background`
(``django.tasks`` on Django 6, the django-tasks backport on 5.2), and the shop's ``TASKS``
setting picks who runs them: the in-process Immediate backend by default, a real queue with a
worker at scale (RQ or Celery, docs/tasks.md).
"""

from __future__ import annotations

from . import reconcile
from .background import ImmediateBackend, task
from .webhooks import gate, processing

__all__ = ["drain_runs_on_a_worker", "process_pending_events", "process_webhook_event", "reconcile_task"]


@task()
def process_webhook_event(event_pk: int) -> str:
    """Process one stored webhook event (:func:`~django_tamara.webhooks.processing.process_event`)."""
    return processing.process_event(event_pk)


@task()
def process_pending_events() -> dict[str, int]:
    """Drain every pending webhook event (:func:`~django_tamara.webhooks.processing.process_pending`).

    A backend that runs tasks in the caller (Immediate) has no other worker to share a backlog
    with: queueing there would only nest drains inside drains.
    """
    on_a_worker = drain_runs_on_a_worker()
    return processing.process_pending(
        share=process_pending_events.enqueue if on_a_worker else None,
        linger=gate.MEMORY_SECONDS if on_a_worker else 0.0,  # a request must not wait for it
    )


def drain_runs_on_a_worker() -> bool:
    """Whether :func:`process_pending_events` runs on a worker (and lingers), not in the caller."""
    return not isinstance(process_pending_events.get_backend(), ImmediateBackend)


@task()
def reconcile_task(concurrency: int = 1) -> dict[str, int]:
    """Sync the orders that may be wrong here and retry failed events (schedule it every minute)."""
    return reconcile.run(concurrency=concurrency)
