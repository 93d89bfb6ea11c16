"""The one projection of a Tamara order onto Oscar's payment records: a ``Source`` and its ``Transaction`` rows.

Oscar tracks a payment as a ``Source`` (allocated, debited and refunded amounts) and its
``Transaction`` ledger (django-oscar's ``oscar/apps/payment/abstract_models.py``). Its own
``Source.debit()`` and ``refund()`` *add* to the amounts, so calling them once per signal would
count a repeated or out-of-order webhook twice. Here the Source is instead *computed* from the
Tamara order's totals and ledger, under the Source's row lock, and written only where it
differs; each transaction is keyed by Tamara's capture, refund or cancel id. Running it twice,
or fifty times at once, leaves the same rows as running it once.

Nothing here writes a Tamara order or its ledger (issue #14): those are only read.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from oscar.core.loading import get_model

from ...models import TamaraOrder
from ...money import Money

__all__ = ["CANCEL", "SOURCE_TYPE_CODE", "SOURCE_TYPE_NAME", "new_source", "project", "source_for", "source_type"]

Source = get_model("payment", "Source")
SourceType = get_model("payment", "SourceType")
Transaction = get_model("payment", "Transaction")

SOURCE_TYPE_NAME = "Tamara"
SOURCE_TYPE_CODE = "tamara"
#: Oscar names Authorise, Debit and Refund; a cancellation (the authorised amount going down)
#: is Tamara's own kind of transaction.
CANCEL = "Cancel"
#: Oscar's dashboard lists a source's transactions by amount, reference and status (not type),
#: so the status says what each one was at Tamara.
STATUS = {Transaction.DEBIT: "captured", Transaction.REFUND: "refunded", CANCEL: "canceled"}


def source_type() -> Any:
    """Oscar's ``SourceType`` "Tamara" (made after every migrate by :mod:`.event_types`, or here on first use)."""
    found, _ = SourceType._default_manager.get_or_create(code=SOURCE_TYPE_CODE, defaults={"name": SOURCE_TYPE_NAME})
    return found


def _amount(value: Any, currency: str) -> Any:
    return Money(value, currency).amount


def new_source(order: TamaraOrder) -> Any:
    """The unsaved Source of a Tamara order about to become an Oscar order, with its "Authorise"
    transaction deferred until the order exists (``Source.create_deferred_transaction``)."""
    total = _amount(order.total_amount, order.currency)
    source = Source(
        source_type=source_type(),
        currency=order.currency,
        amount_allocated=total,
        reference=str(order.order_id),
        label=SOURCE_TYPE_NAME,
    )
    source.create_deferred_transaction(Transaction.AUTHORISE, total, reference=str(order.order_id), status=order.status)
    return source


def _sources_of(order: TamaraOrder) -> Any:
    return Source._default_manager.filter(source_type__code=SOURCE_TYPE_CODE, reference=str(order.order_id))


def source_for(oscar_order: Any) -> Any:
    """The Tamara Source of an Oscar order, or ``None`` when it was not paid with Tamara."""
    return oscar_order.sources.filter(source_type__code=SOURCE_TYPE_CODE).order_by("pk").first()


def project(order: TamaraOrder) -> Any:
    """Bring the Source of ``order`` to what the Tamara order holds; returns it (``None`` when
    no Oscar order has been placed for it yet: placing it projects then)."""
    found = _sources_of(order).order_by("pk").values_list("pk", flat=True).first()
    if found is None:
        return None
    with transaction.atomic():
        # Lock the Source row alone (a join would lock the shared SourceType row as well).
        source = Source._default_manager.select_for_update().get(pk=found)
        # Read after the lock: whoever held it has committed, so these totals are at least as new.
        fresh = TamaraOrder.objects.get(pk=order.pk)
        _amounts(source, fresh)
        _ledger(source, fresh)
    return source


def _amounts(source: Any, order: TamaraOrder) -> None:
    currency = order.currency
    wanted = {
        "amount_allocated": _amount(order.total_amount - order.canceled_amount, currency),
        "amount_debited": _amount(order.captured_amount, currency),
        "amount_refunded": _amount(order.refunded_amount, currency),
    }
    changed = [name for name, value in wanted.items() if getattr(source, name) != value]
    if changed:
        for name in changed:
            setattr(source, name, wanted[name])
        source.save(update_fields=changed)


def _ledger(source: Any, order: TamaraOrder) -> None:
    """One Oscar Transaction per Tamara capture, refund and cancellation, never a second."""
    recorded = set(source.transactions.values_list("txn_type", "reference"))
    rows = [
        *((Transaction.DEBIT, row.capture_id, row) for row in order.captures.all()),
        *((Transaction.REFUND, row.refund_id, row) for row in order.refunds.all()),
        *((CANCEL, row.cancel_id, row) for row in order.cancellations.all()),
    ]
    Transaction._default_manager.bulk_create(
        [
            Transaction(
                source=source,
                txn_type=kind,
                amount=_amount(row.amount, row.currency),
                reference=tamara_id,
                status=STATUS[kind],
            )
            for kind, tamara_id, row in rows
            if (kind, tamara_id) not in recorded
        ]
    )
