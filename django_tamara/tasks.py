"""Background work, on django-tasks: the in-process Immediate backend by default, a real queue
(``django_tasks_rq.RQBackend`` with a worker) at scale. Tasks take ids, not objects, so any
backend can serialise them, and each re-reads the database before acting.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task
from django_tasks.backends.immediate import ImmediateBackend

from . import drain, lifecycle
from .conf import tamara_settings
from .models import Intent, TamaraOrder, WebhookEvent
from .states import RANK, OrderStatus

logger = logging.getLogger("django_tamara.tasks")


def enqueue_event(event_pk: int) -> None:
    """Queue processing once the transaction that stored the event commits.

    Before commit a worker could not see the row; on rollback there is nothing to process.
    With ``WEBHOOK_QUEUE_CACHE`` set, a burst of deliveries shares one drain task
    (:mod:`django_tamara.drain`); without it, each delivery queues its own task.
    """
    transaction.on_commit(lambda: _dispatch(event_pk))


def _dispatch(event_pk: int) -> None:
    cache = drain.gate_cache()
    if cache is not None:
        drain.queue_drain(cache, process_pending_events.enqueue)
        return
    try:
        process_webhook_event.enqueue(event_pk)
    except Exception as error:  # the event is stored: the retry sweep processes it
        logger.warning("could not queue webhook event %s (%s: %s); it stays pending",
                       event_pk, type(error).__name__, error)


@task()
def process_pending_events() -> dict[str, int]:
    """Process every pending webhook event, oldest first (the drain of :mod:`~django_tamara.drain`).

    Opens the gate before looking, so a delivery stored from now on queues a new drain.
    Finding a full batch means a backlog: one more drain is queued for another worker.
    """
    cache = drain.gate_cache()
    if cache is not None:
        drain.open_gate(cache)
    counts: dict[str, int] = {}
    # A backend that runs tasks in the caller (Immediate) has no other worker to share with:
    # queueing there would only nest drains inside drains.
    may_share = not isinstance(process_pending_events.get_backend(), ImmediateBackend)
    while pks := drain.claim_pending():
        if may_share and len(pks) == drain.BATCH_SIZE:
            may_share = False  # one helper per drain; it shares further if the backlog lasts
            process_pending_events.enqueue()
        for pk in pks:
            outcome = process_event(pk)
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts


@task()
def process_webhook_event(event_pk: int) -> str:
    return process_event(event_pk)


def process_event(event_pk: int, *, refetch: bool = False) -> str:
    """Bring the event's order to the state Tamara reports, authorising it if approved.

    The event is a hint: the order is re-fetched (the token does not sign the body), so events
    arriving twice, late or out of order all end in Tamara's current state. The one exception
    is an event that reports what the order already holds (:func:`already_known`), most often
    the echo of the app's own authorise or capture: re-fetching it could teach nothing, so
    unless ``refetch`` is given it costs no call to Tamara. A failure is kept on the event
    (reason and traceback) for :func:`retry_failed_events`.
    """
    try:  # get(), not first(): no ORDER BY to compile for a row found by its key
        event = WebhookEvent.objects.select_related("order").get(pk=event_pk)
    except WebhookEvent.DoesNotExist:
        return "skipped"
    if event.state in (WebhookEvent.State.DONE, WebhookEvent.State.IGNORED):
        return "skipped"
    events = WebhookEvent.objects.filter(pk=event.pk)
    try:
        order = event.order
        if refetch or not already_known(order, event):
            lifecycle.sync(order)  # commits what it learnt on its own, even if authorising fails
        done = {"state": WebhookEvent.State.DONE, "attempts": F("attempts") + 1, "error": "", "traceback": "",
                "processed_at": timezone.now()}
        if order.status == OrderStatus.APPROVED and tamara_settings.AUTO_AUTHORISE:
            # Every commit is a disk flush, and a flash sale is thousands of these: the
            # authorisation and the event's "done" share one.
            with transaction.atomic():
                lifecycle.authorise(order)
                events.update(**done)
        else:
            events.update(**done)  # one statement in autocommit, no BEGIN/COMMIT around it
    except Exception as error:  # kept on the event, not lost: retried later
        logger.warning("webhook event %s failed: %s", event.pk, error)
        events.update(
            state=WebhookEvent.State.FAILED,
            attempts=F("attempts") + 1,
            error=f"{type(error).__name__}: {error}"[:2000],
            traceback=traceback.format_exc()[-10000:],
            processed_at=timezone.now(),
        )
        return "failed"
    return "done"


#: For each event, the transactions whose id in the event's ``data`` shows it is already held.
_EVENT_TRANSACTIONS = {
    "order_captured": ("capture_id", "captures"),
    "order_refunded": ("refund_id", "refunds"),
    "order_canceled": ("cancel_id", "cancellations"),
}


def already_known(order: TamaraOrder, event: WebhookEvent) -> bool:
    """True when the event reports nothing the order does not already hold.

    - ``order_approved`` or ``order_authorised`` for an order already authorised or past it
      (the app authorised it, or the event is late);
    - ``order_captured``, ``order_refunded`` or ``order_canceled`` naming a capture, refund or
      cancellation of this order that is already recorded (the app made it).

    Anything else, an unknown id or none at all included, is re-fetched, and so is every event
    of an order with an attempt Tamara has not confirmed yet. Tamara sends an event
    for every change, so a change made beside one we already know has an event of its own,
    and reconciliation catches any that is lost.
    """
    if order.intents.filter(state__in=Intent.UNSETTLED).exists():
        return False  # Tamara's answer to our own call may be in this event: always look (#12)
    if event.event_type in ("order_approved", "order_authorised"):
        return RANK.get(order.status, -1) >= RANK[OrderStatus.AUTHORISED]
    if event.event_type not in _EVENT_TRANSACTIONS:
        return False
    key, related = _EVENT_TRANSACTIONS[event.event_type]
    try:
        payload = event.payload
    except ValueError:
        return False
    data = payload.get("data") if isinstance(payload, dict) else None
    tamara_id = data.get(key) if isinstance(data, dict) else None
    if not tamara_id or not isinstance(tamara_id, str):
        return False
    return getattr(order, related).filter(**{key: tamara_id}).exists()


def retry_failed_events(limit: int = 100, *, stale_after: dt.timedelta | None = None) -> dict[str, int]:
    """Process failed events again, and pending or claimed ones whose task never ran or never
    finished (a worker died between the commit and the enqueue, or mid-drain; after
    ``STALE_EVENT_SECONDS`` by default); oldest first. Returns how many ended in each state."""
    if stale_after is None:
        stale_after = dt.timedelta(seconds=tamara_settings.STALE_EVENT_SECONDS)
    stale = timezone.now() - stale_after
    unfinished = (WebhookEvent.State.PENDING, WebhookEvent.State.PROCESSING)
    pks = list(
        WebhookEvent.objects.filter(
            Q(state=WebhookEvent.State.FAILED) | Q(state__in=unfinished, received_at__lt=stale)
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for pk in pks:
        WebhookEvent.objects.filter(pk=pk).update(state=WebhookEvent.State.PENDING)
        outcome = process_event(pk)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


@task()
def reconcile_task(concurrency: int = 1) -> dict[str, int]:
    """Sync the orders whose webhook is overdue and retry failed events (schedule it every minute)."""
    from . import reconcile

    def report(progress: reconcile.Progress) -> None:
        logger.info("reconcile: %s/%s orders synced, %s changed, %s failed",
                    progress.done, progress.total, progress.changed, progress.failed)

    progress = reconcile.sync_orders(reconcile.stuck_orders(), concurrency=concurrency, on_progress=report)
    retried = retry_failed_events()
    return {"synced": progress.done, "changed": progress.changed, "failed": progress.failed, **retried}


@task()
def sync_order_task(order_pk: int) -> str:
    order = TamaraOrder.objects.filter(pk=order_pk).first()
    if order is None:
        return "missing"
    lifecycle.sync(order)
    if order.status == OrderStatus.APPROVED and tamara_settings.AUTO_AUTHORISE:
        lifecycle.authorise(order)
    return order.status


def reprocess(event: WebhookEvent) -> str:
    """Run a stored event again now (the admin's "reprocess" action)."""
    WebhookEvent.objects.filter(pk=event.pk).update(state=WebhookEvent.State.PENDING)
    return process_event(event.pk, refetch=True)  # staff asked for it: always ask Tamara


__all__: list[Any] = [
    "enqueue_event", "process_webhook_event", "process_pending_events", "process_event", "already_known",
    "retry_failed_events", "reconcile_task", "reprocess",
]
