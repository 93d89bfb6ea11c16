"""Bring an order to what Tamara has: sync it, and authorise it when that is due.

Every path that learns of a change (a webhook's processing, the customer's return from the
hosted checkout, reconciliation, the admin's "Check with Tamara now") ends in :func:`settle`,
so the rule "sync, then authorise an approved order when ``AUTO_AUTHORISE`` is on" is written
once (issue #14).
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Mapping

from django.db import IntegrityError, transaction

from .. import compiled
from ..client import TamaraClient, get_client
from ..conf import tamara_settings
from ..exceptions import Conflict, InvalidTransition, TamaraError, TamaraTimeout
from ..models import Intent, TamaraOrder
from ..states import OrderStatus
from ..wire import plain_json
from . import intents
from .applying import SyncResult, apply_order_data, sync_order
from .locking import locked as lock
from .locking import refresh
from .signalling import emit_on_commit

logger = logging.getLogger("django_tamara.lifecycle")

S = OrderStatus

__all__ = ["authorise", "check_attempt", "settle", "sync", "sync_by_id", "update_reference_id"]


def apply(order: TamaraOrder, data: Mapping[str, Any], *, defer: list[str] | None = None) -> SyncResult:
    """Apply Tamara's JSON to the locked order, then settle any open attempt against its ledger
    (``defer``: as :func:`~.applying.apply_order_data`)."""
    result = apply_order_data(order, data, defer=defer)
    intents.settle_from_ledger(order)
    emit_on_commit(order, result)
    return result


def sync(order: TamaraOrder, *, client: TamaraClient | None = None) -> SyncResult:
    """Fetch the order from Tamara and apply it (forward only). Safe to call any time.

    The fetch happens before the row is locked, so no lock is held across the network, and
    an order Tamara has not changed costs no transaction at all (reconciliation's common
    case). A fetch that lost a race with a newer one is refused as stale by the mirror.
    """
    client = client or get_client()
    data = client.get_order(str(order.order_id))
    if order.pk and order.raw == plain_json(data) and intents.unsettled(order) is None:
        return SyncResult(old_status=order.status, new_status=order.status)
    with transaction.atomic():
        row = lock(order)
        result = apply(row, data)
    refresh(order, row)
    return result


def sync_by_id(order_id: str, *, client: TamaraClient | None = None) -> tuple[TamaraOrder, SyncResult]:
    """Sync the order with Tamara id ``order_id``, creating the local mirror if it is missing."""
    client = client or get_client()
    existing = TamaraOrder.objects.filter(order_id=order_id).first()
    if existing is not None:
        return existing, sync(existing, client=client)
    data = client.get_order(str(order_id))
    try:
        with transaction.atomic():
            order, result = sync_order(data)
            emit_on_commit(order, result)
        return order, result
    except IntegrityError:  # created meanwhile by another worker: sync that one
        existing = TamaraOrder.objects.get(order_id=order_id)
        return existing, sync(existing, client=client)


def authorise(order: TamaraOrder, *, client: TamaraClient | None = None) -> SyncResult:
    """Authorise an approved order (Tamara requires it). Idempotent: an authorised order is left as is.

    A 409 means Tamara no longer sees the order as approved (authorised meanwhile, or
    expired): the order is synced and the result says what Tamara has.
    """
    client = client or get_client()
    # Statuses only move forward, so an instance read past "new" needs no query to know it.
    if order.status == S.NEW and TamaraOrder.objects.filter(pk=order.pk, status=S.NEW).exists():
        sync(order, client=client)  # perhaps approved meanwhile; kept even if we stop below
    with transaction.atomic():
        row = lock(order)
        try:
            result = _authorise_locked(row, client)
        finally:
            refresh(order, row)
    return result


def _write_unwritten(row: TamaraOrder, unwritten: list[str]) -> None:
    """Write the fields a deferred sync changed on the locked ``row`` (once each), if any."""
    if unwritten:
        compiled.save_fields(row, list(dict.fromkeys(unwritten)))
        unwritten.clear()


def _authorise_locked(row: TamaraOrder, client: TamaraClient, *, unwritten: list[str] | None = None) -> SyncResult:
    """Authorise the locked order if it is approved; what :func:`authorise` and :func:`settle`
    do once they hold the row. ``unwritten``: fields a sync changed on ``row`` and left to be
    written (:func:`settle`); the authorisation's UPDATE writes them too, and a sync this
    function makes adds to them."""
    if row.status != S.APPROVED:
        if row.status in (S.NEW, S.ON_HOLD, S.DECLINED, S.EXPIRED):
            raise InvalidTransition(f"order {row.order_id} is {row.status}, not approved: nothing to authorise")
        return SyncResult(old_status=row.status, new_status=row.status)  # already authorised
    try:
        answer = client.authorise_order(str(row.order_id))
    except (Conflict, TamaraTimeout) as error:
        logger.info("order %s: %s; reconciling by fetching the order", row.order_id, type(error).__name__)
        return apply(row, client.get_order(str(row.order_id)), defer=unwritten)
    if answer.auto_captured or answer.status not in (S.AUTHORISED,):
        return apply(row, client.get_order(str(row.order_id)), defer=unwritten)
    old = row.status
    row.status = S.AUTHORISED
    if answer.payment_type:
        row.payment_type = answer.payment_type
    pending = unwritten if unwritten is not None else []
    pending += ["status", "payment_type", "date_updated"]
    _write_unwritten(row, pending)
    result = SyncResult(old_status=old, new_status=S.AUTHORISED, changed_fields=["status"])
    emit_on_commit(row, result)
    return result


def settle(
    order: TamaraOrder,
    *,
    fetch: bool = True,
    and_then: Callable[[], Any] | None = None,
    client: TamaraClient | None = None,
) -> SyncResult:
    """Sync the order, then authorise it if it is approved and ``AUTO_AUTHORISE`` is on.

    One transaction and one lock for both (#17: a webhook's processing and the customer's
    return are each one round of the order's lock, not two). The fetch happens before the
    lock; the authorise call is made holding it, as :func:`authorise` does. What the sync
    learnt is committed even if authorising fails (the error is raised after the commit).
    ``fetch=False`` skips the sync when the caller knows Tamara has nothing new (webhook
    processing's echo of the app's own call). ``and_then``, the caller's own bookkeeping (the
    webhook event's "done"), runs in the same transaction once the order is settled: a flash
    sale is thousands of these, and each commit is a disk flush.
    """
    due = bool(tamara_settings.AUTO_AUTHORISE)
    client = client or get_client()
    data = client.get_order(str(order.order_id)) if fetch else None
    if data is None:  # nothing fetched: authorise what the caller's copy shows approved
        approved = order.status == S.APPROVED
        unchanged = True
    else:
        approved = False  # decided under the lock, from the applied JSON
        unchanged = bool(order.pk) and order.raw == plain_json(data) and intents.unsettled(order) is None
    if unchanged and not (due and order.status == S.APPROVED):  # nothing to write, nothing to authorise
        if and_then is not None:
            and_then()
        return SyncResult(old_status=order.status, new_status=order.status)
    failure: TamaraError | None = None
    unwritten: list[str] = []  # what the sync changed, written with the authorisation's UPDATE
    with transaction.atomic():
        row = lock(order)
        if data is not None:
            result = apply(row, data, defer=unwritten)
        else:
            result = SyncResult(old_status=row.status, new_status=row.status)
        if due and (approved or row.status == S.APPROVED):
            try:
                result = _authorise_locked(row, client, unwritten=unwritten)
            except TamaraError as error:  # keep what the sync learnt: commit, then raise
                failure = error
        _write_unwritten(row, unwritten)
        if failure is None and and_then is not None:
            and_then()
    refresh(order, row)
    if failure is not None:
        raise failure
    return result


def check_attempt(order: TamaraOrder, *, client: TamaraClient | None = None) -> Intent | None:
    """Ask Tamara now about the order's unsettled attempt ("Check with Tamara now").

    Settles the order, which settles the attempt when Tamara's records show it (or when its
    settling window has passed with Tamara showing nothing). Returns the attempt as it
    stands afterwards, or ``None`` when nothing was open.
    """
    intent = intents.unsettled(order)
    if intent is None:
        return None
    settle(order, client=client)
    intent.refresh_from_db()
    return intent


def update_reference_id(order: TamaraOrder, order_reference_id: str, *, client: TamaraClient | None = None) -> None:
    """Give the order a new reference id at Tamara, then here."""
    client = client or get_client()
    with transaction.atomic():
        row = lock(order)
        client.update_reference_id(str(row.order_id), order_reference_id)
        row.order_reference_id = order_reference_id
        row.save(update_fields=["order_reference_id", "date_updated"])
    refresh(order, row)
