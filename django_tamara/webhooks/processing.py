"""Processing a stored webhook event: bring its order to the state Tamara reports.

The event is a hint: the order is re-fetched (the token does not sign the body), so events
arriving twice, late or out of order all end in Tamara's current state, through
:func:`django_tamara.lifecycle.settle` like every other path. The task wrappers that run this
code on a worker are in :mod:`django_tamara.tasks`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from typing import Any, Callable

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Now
from django.utils import timezone

from .. import lifecycle
from ..compiled import CompiledQuery, CompiledUpdate
from ..conf import tamara_settings
from ..models import Intent, TamaraOrder, WebhookEvent
from ..states import RANK
from . import gate
from .events import EVENTS

logger = logging.getLogger("django_tamara.tasks")

__all__ = ["already_known", "process_event", "process_pending", "reprocess", "retry_failed_events"]


#: The event, its order, and the question :func:`already_known` asks first, in one query
#: compiled once: each delivery runs it, and compiling it cost ten times running it (#17).
_EVENT = CompiledQuery(
    lambda pk: (
        WebhookEvent.objects.select_related("order")
        .annotate(order_held=Exists(Intent.objects.filter(order_id=OuterRef("order__pk"), state__in=Intent.UNSETTLED)))
        .filter(pk=pk)
        .order_by()
    )
)


#: An event processed: every delivery ends with it, so it is built once too (#17). The time is
#: the database's (``Now()``: the statement's, not the transaction's, on PostgreSQL), so that
#: the statement has no value but the event's pk.
_DONE = CompiledUpdate(
    lambda pk: WebhookEvent.objects.filter(pk=pk),
    {
        "state": WebhookEvent.State.DONE,
        "attempts": F("attempts") + 1,
        "error": "",
        "traceback": "",
        "processed_at": Now(),
    },
)


def process_event(event_pk: int, *, refetch: bool = False) -> str:
    """Bring the event's order to the state Tamara reports, authorising it if approved.

    An event that reports what the order already holds (:func:`already_known`), most often
    the echo of the app's own authorise or capture, costs no call to Tamara unless
    ``refetch`` is given: re-fetching it could teach nothing. A failure is kept on the event
    (reason and traceback) for :func:`retry_failed_events`.
    """
    try:
        event = _EVENT.get(event_pk)
    except WebhookEvent.DoesNotExist:
        return "skipped"
    if event.state in (WebhookEvent.State.DONE, WebhookEvent.State.IGNORED):
        return "skipped"

    def mark_done() -> None:
        # Shares the authorisation's commit; without one it is a single UPDATE in autocommit.
        _DONE.run(event.pk)

    try:
        lifecycle.settle(event.order, fetch=refetch or not already_known(event.order, event), and_then=mark_done)
    except Exception as error:  # kept on the event, not lost: retried later
        logger.warning("webhook event %s failed: %s", event.pk, error)
        WebhookEvent.objects.filter(pk=event.pk).update(
            state=WebhookEvent.State.FAILED,
            attempts=F("attempts") + 1,
            error=f"{type(error).__name__}: {error}"[:2000],
            traceback=traceback.format_exc()[-10000:],
            processed_at=timezone.now(),
        )
        return "failed"
    return "done"


def already_known(order: TamaraOrder, event: WebhookEvent) -> bool:
    """True when the event reports nothing the order does not already hold (by :data:`~.events.EVENTS`).

    - an event whose ``known_from`` status the order has reached (``order_approved`` or
      ``order_authorised`` for an order already authorised or past it);
    - an event naming a transaction (``order_captured``, ``order_refunded``,
      ``order_canceled``) of this order that is already recorded (the app made it).

    Anything else, an unknown id or none at all included, is re-fetched, and so is every event
    of an order with an attempt Tamara has not confirmed yet. Tamara sends an event for every
    change, so a change made beside one we already know has an event of its own, and
    reconciliation catches any that is lost.
    """
    held = getattr(event, "order_held", None)  # annotated by process_event's query
    if held is None:
        held = order.intents.filter(state__in=Intent.UNSETTLED).exists()
    if held:
        return False  # Tamara's answer to our own call may be in this event: always look (#12)
    kind = EVENTS.get(event.event_type)
    if kind is None:
        return False
    if kind.known_from is not None:
        return RANK.get(order.status, -1) >= RANK[kind.known_from]
    if kind.transaction is None:
        return False
    key, related = kind.transaction
    try:
        payload = event.payload
    except ValueError:
        return False
    data = payload.get("data") if isinstance(payload, dict) else None
    tamara_id = data.get(key) if isinstance(data, dict) else None
    if not tamara_id or not isinstance(tamara_id, str):
        return False
    ledger: Any = TamaraOrder._meta.get_field(related).related_model  # Capture, Refund, Cancellation
    row = ledger.objects.by_tamara_id(tamara_id)  # Tamara's ids are unique: one compiled query (#17)
    return row is not None and row.order_id == order.pk


def process_pending(*, share: Callable[[], Any] | None = None, linger: float = 0.0) -> dict[str, int]:
    """Process every pending webhook event, oldest first (the drain of :mod:`.gate`).

    Opens the gate before looking, so a delivery stored from now on queues a new drain, or
    (from a process that saw the gate closed just before) is found by this drain, which goes on
    looking until ``linger`` seconds have passed since it opened the gate (:mod:`.gate`).
    Finding a full batch means a backlog: ``share()`` (which queues one more drain for another
    worker) is called once, when given.
    """
    cache = gate.gate_cache()
    if cache is not None:
        gate.open_gate(cache)
    opened = time.monotonic()
    counts: dict[str, int] = {}
    while True:
        looked_at = time.monotonic()  # a row committed before this is seen by the claim below
        pks = gate.claim_pending()
        if not pks:
            if looked_at - opened >= linger:
                break
            time.sleep(gate.LINGER_POLL_SECONDS)
            continue
        if share is not None and len(pks) == gate.BATCH_SIZE:
            share()
            share = None  # one helper per drain; it shares further if the backlog lasts
        for pk in pks:
            outcome = process_event(pk)
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def retry_failed_events(limit: int = 100, *, stale_after: dt.timedelta | None = None) -> dict[str, int]:
    """Process failed events again, and pending or claimed ones whose task never ran or never
    finished (a worker died between the commit and the enqueue, or mid-drain; after
    ``STALE_EVENT_SECONDS`` by default); oldest first. Returns how many ended in each state."""
    if stale_after is None:
        stale_after = dt.timedelta(seconds=tamara_settings.STALE_EVENT_SECONDS)
    stale = timezone.now() - stale_after
    unfinished = (WebhookEvent.State.PENDING, WebhookEvent.State.PROCESSING)
    pks = list(
        WebhookEvent.objects.filter(Q(state=WebhookEvent.State.FAILED) | Q(state__in=unfinished, received_at__lt=stale))
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for pk in pks:
        WebhookEvent.objects.filter(pk=pk).update(state=WebhookEvent.State.PENDING)
        outcome = process_event(pk)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def reprocess(event: WebhookEvent) -> str:
    """Run a stored event again now (the admin's "reprocess" action)."""
    WebhookEvent.objects.filter(pk=event.pk).update(state=WebhookEvent.State.PENDING)
    return process_event(event.pk, refetch=True)  # staff asked for it: always ask Tamara
