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

A web process that has just seen the gate closed does not ask the cache again for a moment
(:data:`MEMORY_SECONDS`): a flash sale's deliveries then cost no cache round trip each, only
one per process per moment (#17). Nothing is lost, because a drain run by a worker *lingers*:
having opened the gate, it keeps looking for pending rows until ``MEMORY_SECONDS`` have passed
since it opened it. A process only skips the cache within ``MEMORY_SECONDS`` of seeing the gate
closed, and the drain that opens that gate does so after that sighting, so it is still looking
when the skipped delivery's row is committed. (The one gate opened by something else is the
one reopened after a failed queueing, below: deliveries that saw it closed wait, as that
delivery does, for the next drain or the sweep.) With the Immediate backend the drain runs
inside the delivery's request, cannot linger, and every delivery asks the cache.

Drains may overlap (an expired gate, or a backlog shared between workers): each claims its
events with ``SELECT ... FOR UPDATE SKIP LOCKED`` and marks them ``processing``, so no
event is processed by two drains at once.
"""

from __future__ import annotations

import logging
import time
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

#: Seconds a process trusts its own sighting of a closed gate, and so seconds a worker's drain
#: goes on looking after it opened the gate. A delivery that skipped the cache is picked up
#: within this long of the drain's start; a drain with nothing to do ends this long after it.
MEMORY_SECONDS = 0.1

#: How often a lingering drain looks again for pending rows.
LINGER_POLL_SECONDS = 0.02


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


def queue_drain(cache: BaseCache, queue: Callable[[], Any], *, drain_lingers: bool = False) -> None:
    """Close the gate and, if this call closed it, run ``queue()`` (which queues the drain).

    ``drain_lingers``: the drain runs on a worker and lingers (module docstring), so a sighting
    of the closed gate is remembered for :data:`MEMORY_SECONDS` and calls within it return at
    once.

    Never raises. The delivery is already stored, so neither a gate that cannot be closed nor
    a queue that fails (Redis down) may fail it: Tamara would deliver again, and the answer
    would claim a delivery we hold was lost. Either counts as "could not queue": the events
    stay pending, and the next delivery's drain or the retry sweep
    (``tamara_sync --retry-events``) processes them (#12).
    """
    if drain_lingers and _remembered(cache):
        return
    seen_at = time.monotonic()  # before asking: the sighting is at least this old
    try:
        if not close_gate(cache):
            if drain_lingers:
                _remember(cache, seen_at)
            return
    except Exception as error:  # the cache is down: nobody is sure to queue a drain now
        logger.warning(
            "could not close the webhook drain gate (%s: %s); the events stay pending", type(error).__name__, error
        )
        return
    try:
        queue()
        if drain_lingers:
            _remember(cache, seen_at)
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


def _remembered(cache: BaseCache) -> bool:
    """Whether this process saw the gate closed less than :data:`MEMORY_SECONDS` ago."""
    seen_at = getattr(cache, "_tamara_gate_seen_closed", None)
    return seen_at is not None and time.monotonic() - seen_at < MEMORY_SECONDS


def _remember(cache: BaseCache, seen_at: float) -> None:
    cache._tamara_gate_seen_closed = seen_at  # type: ignore[attr-defined]  # per cache instance, as the client


def forget(cache: BaseCache) -> None:
    """Forget this process's sighting of the closed gate: its next delivery asks the cache."""
    cache._tamara_gate_seen_closed = None  # type: ignore[attr-defined]
