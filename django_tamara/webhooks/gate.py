"""One drain task at a time for a burst of webhooks, instead of one task per delivery.

Queueing a task on RQ costs a webhook delivery about twice what storing it does (building the
job, then a Redis round trip), which caps how many deliveries a flash sale can land per
second. With ``TAMARA["WEBHOOK_QUEUE_CACHE"]`` naming a cache that every process shares
(Redis, Memcached), a delivery instead *closes a gate*: one atomic ``cache.add``. Only the
delivery that closed it queues :func:`~django_tamara.tasks.process_pending_events`, which
opens the gate again and then processes every pending event it can claim
(:func:`.processing.process_pending`).

Why nothing is lost: a delivery commits its row *before* it tries the gate, and the drain
opens the gate *before* it looks for pending rows. So either the delivery found the gate
closed, and the drain, which has not yet looked, will see its row; or it found the gate
open, and it queues a drain of its own. The gate expires after :data:`GATE_SECONDS`, so a
drain task lost with a dead worker delays processing, and the retry sweep
(``tamara_sync --retry-events``) still finds what it left.

Drains may overlap (an expired gate, or a backlog shared between workers): each claims its
events with ``SELECT ... FOR UPDATE SKIP LOCKED`` and marks them ``processing``, so no
event is processed by two drains at once.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from django.core.cache import BaseCache, caches
from django.db import transaction

from ..conf import tamara_settings
from ..models import WebhookEvent

logger = logging.getLogger("django_tamara.tasks")

#: The cache key of the gate; present while a drain task is queued and has not started.
GATE_KEY = "django_tamara:webhook-drain-queued"

#: How long a closed gate lasts if its drain never runs (a worker killed with the job).
GATE_SECONDS = 60

#: Events a drain claims at a time. A drain that finds a full batch queues one more drain,
#: so several workers share a backlog.
BATCH_SIZE = 50


def gate_cache() -> BaseCache | None:
    """The shared cache of the gate, or None when every delivery queues its own task."""
    alias = tamara_settings.WEBHOOK_QUEUE_CACHE
    return caches[alias] if alias else None


def close_gate(cache: BaseCache) -> bool:
    """Close the gate; True when this caller closed it and so must queue the drain."""
    client = _redis_client(cache)
    if client is not None:
        return bool(client.set(cache.make_and_validate_key(GATE_KEY), b"1", nx=True, ex=GATE_SECONDS))
    return bool(cache.add(GATE_KEY, 1, timeout=GATE_SECONDS))


def open_gate(cache: BaseCache) -> None:
    """Open the gate: the next delivery queues a new drain."""
    cache.delete(GATE_KEY)


def _redis_client(cache: BaseCache) -> Any:
    """One redis-py client per Django ``RedisCache``, kept for the process.

    Django's ``RedisCache`` builds a new ``redis.Redis`` around its pool for every call, which
    is most of what ``cache.add`` costs a delivery; the gate keeps one and calls ``SET NX EX``
    itself (the key made by the cache, so ``KEY_PREFIX`` and ``VERSION`` still apply).
    """
    if type(cache).__module__ != "django.core.cache.backends.redis":
        return None
    client = getattr(cache, "_tamara_gate_client", None)
    if client is None:
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]  # RedisCache's private client
        cache._tamara_gate_client = client  # type: ignore[attr-defined]  # kept on the cache for the process
    return client


def claim_pending(limit: int = BATCH_SIZE) -> list[int]:
    """Mark up to ``limit`` pending events ``processing`` and return their pks, oldest first.

    Rows another drain is claiming at this moment are skipped, not waited for. (SQLite has
    no row locks and serialises writers, which gives the same result.)
    """
    with transaction.atomic():
        pks = list(
            WebhookEvent.objects.filter(state=WebhookEvent.State.PENDING)
            .order_by("pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if pks:
            WebhookEvent.objects.filter(pk__in=pks).update(state=WebhookEvent.State.PROCESSING)
    return pks


def queue_drain(cache: BaseCache, queue: Callable[[], Any]) -> None:
    """Close the gate and, if this call closed it, run ``queue()`` (which queues the drain).

    Never raises. The delivery is already stored, so neither a gate that cannot be closed nor
    a queue that fails (Redis down) may fail it: Tamara would deliver again, and the answer
    would claim a delivery we hold was lost. Either counts as "could not queue": the events
    stay pending, and the next delivery's drain or the retry sweep
    (``tamara_sync --retry-events``) processes them (#12).
    """
    try:
        if not close_gate(cache):
            return
    except Exception as error:  # the cache is down: nobody is sure to queue a drain now
        logger.warning(
            "could not close the webhook drain gate (%s: %s); the events stay pending", type(error).__name__, error
        )
        return
    try:
        queue()
    except Exception as error:  # the row is committed: the sweep or the next delivery gets it
        logger.warning(
            "could not queue the webhook drain (%s: %s); the events stay pending", type(error).__name__, error
        )
        try:
            open_gate(cache)
        except Exception as reopen_error:  # it expires after GATE_SECONDS on its own
            logger.warning(
                "could not open the webhook drain gate again (%s: %s); it expires in %s s",
                type(reopen_error).__name__,
                reopen_error,
                GATE_SECONDS,
            )
