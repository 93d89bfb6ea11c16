"""Reconciliation: catch up with Tamara when webhooks were missed.

Tamara's deadlines make a missed webhook costly (an approved order expires after 72 hours if
nobody authorises it), so shops run ``tamara_sync`` periodically. Orders are walked by primary
key in bounded batches (keyset pagination), so memory stays flat however many orders there are.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterator

from django.db import close_old_connections, connections
from django.db.models import Q, QuerySet
from django.utils import timezone

from . import lifecycle
from .conf import tamara_settings
from .exceptions import TamaraError
from .models import Intent, OrderAction, TamaraOrder, WebhookEvent
from .states import FINAL, OrderStatus
from .webhooks.processing import retry_failed_events

logger = logging.getLogger("django_tamara.reconcile")

S = OrderStatus

#: Tamara auto-captures an authorised order after 21 days; look at it a few days before.
AUTO_CAPTURE_WATCH = dt.timedelta(days=18)


@dataclass
class Progress:
    total: int = 0
    done: int = 0
    changed: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, *, changed: bool = False, error: str | None = None) -> None:
        with self._lock:
            self.done += 1
            self.changed += int(changed)
            if error:
                self.failed += 1
                if len(self.errors) < 50:
                    self.errors.append(error)


def unfinished_orders() -> QuerySet[TamaraOrder]:
    """Every order Tamara may still change."""
    return TamaraOrder.objects.exclude(status__in=FINAL)


def stuck_orders(now: dt.datetime | None = None) -> QuerySet[TamaraOrder]:
    """Every order that may be wrong here, so a run every minute puts it right within two (#12).

    - an attempt (capture, refund, cancel) Tamara has not confirmed, or an admin attempt with
      no outcome (the process or the database died mid-call);
    - a webhook event that failed, or is still pending or processing after
      ``STALE_EVENT_SECONDS`` (its task or its worker was lost);
    - new or approved here ``STUCK_ORDER_SECONDS`` after it was created (its webhook may have
      been refused while the database or the web processes were down);
    - holding an authorisation (some of it not captured yet) and close to Tamara's 21-day
      auto-capture.
    """
    now = now or timezone.now()
    stale_event = now - dt.timedelta(seconds=tamara_settings.STALE_EVENT_SECONDS)
    events = WebhookEvent.objects.filter(
        Q(state=WebhookEvent.State.FAILED)
        | Q(state__in=[WebhookEvent.State.PENDING, WebhookEvent.State.PROCESSING], received_at__lt=stale_event)
    )
    return TamaraOrder.objects.filter(
        Q(pk__in=Intent.objects.filter(state__in=Intent.UNSETTLED).values("order_id"))
        | Q(
            pk__in=OrderAction.objects.filter(outcome=OrderAction.Outcome.PENDING, order__isnull=False).values(
                "order_id"
            )
        )
        | Q(order_id__in=events.values("order_id"))
        | Q(
            status__in=[S.NEW, S.APPROVED],
            date_created__lt=now - dt.timedelta(seconds=tamara_settings.STUCK_ORDER_SECONDS),
        )
        # Any remainder of an authorisation is auto-captured, after a partial refund too (#13).
        | Q(
            status__in=[S.AUTHORISED, S.UPDATED, S.PARTIALLY_CAPTURED, S.PARTIALLY_REFUNDED],
            date_created__lt=now - AUTO_CAPTURE_WATCH,
        )
    )


def iterate_batches(queryset: QuerySet[TamaraOrder], batch_size: int) -> Iterator[list[TamaraOrder]]:
    """Orders in ascending primary-key batches, one query each; never more than one batch in
    memory, and no OFFSET that slows down as the walk goes on."""
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk")[:batch_size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def _sync_one(order: TamaraOrder, progress: Progress) -> None:
    try:
        result = lifecycle.settle(order)
        progress.add(changed=result.changed)
    except TamaraError as error:
        logger.warning("could not sync order %s: %s", order.order_id, error)
        progress.add(error=f"{order.order_id}: {error}")


def _sync_chunk(orders: list[TamaraOrder], progress: Progress) -> None:
    try:
        for order in orders:
            _sync_one(order, progress)
    finally:
        connections.close_all()  # this worker thread's connection; the pool thread may idle


def sync_orders(
    queryset: QuerySet[TamaraOrder],
    *,
    batch_size: int | None = None,
    concurrency: int = 1,
    on_progress: Callable[[Progress], None] | None = None,
) -> Progress:
    """Sync every order of ``queryset`` with Tamara, ``concurrency`` calls at a time."""
    batch_size = batch_size or tamara_settings.SYNC_BATCH_SIZE
    progress = Progress(total=queryset.count())
    if concurrency <= 1:
        for batch in iterate_batches(queryset, batch_size):
            for order in batch:
                _sync_one(order, progress)
            if on_progress:
                on_progress(progress)
        return progress
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="tamara-sync") as pool:
        for batch in iterate_batches(queryset, batch_size):
            chunks = [batch[i::concurrency] for i in range(concurrency)]
            list(pool.map(lambda chunk: _sync_chunk(chunk, progress), [c for c in chunks if c]))
            if on_progress:
                on_progress(progress)
    close_old_connections()
    return progress


def run(*, concurrency: int = 1) -> dict[str, int]:
    """One reconciliation pass (the ``reconcile_task``): sync the stuck orders, retry failed events."""

    def report(progress: Progress) -> None:
        logger.info(
            "reconcile: %s/%s orders synced, %s changed, %s failed",
            progress.done,
            progress.total,
            progress.changed,
            progress.failed,
        )

    progress = sync_orders(stuck_orders(), concurrency=concurrency, on_progress=report)
    retried = retry_failed_events()
    return {"synced": progress.done, "changed": progress.changed, "failed": progress.failed, **retried}
