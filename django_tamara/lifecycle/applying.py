"""Apply Tamara's order JSON to the local models, idempotently.

Every path that learns something from Tamara (a sync, a webhook's re-fetch, an admin action's
answer) and every checkout payload the shop sends ends here, so "what an order JSON says"
has one translation (:func:`order_fields`). Applying the same JSON twice
writes nothing the second time, and the :class:`SyncResult` says exactly what changed, which
is what the lifecycle service turns into signals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .. import compiled
from ..models import Cancellation, Capture, LedgerRow, Refund, TamaraOrder
from ..money import Money, MoneyError
from ..states import follows
from ..wire import parse_dmy, plain_json

__all__ = ["SyncResult", "apply_order_data", "is_stale", "order_fields", "sync_order"]


@dataclass
class SyncResult:
    """What applying one order JSON changed."""

    created: bool = False
    changed_fields: list[str] = field(default_factory=list)
    old_status: str = ""
    new_status: str = ""
    stale: bool = False  # the JSON would have moved the status backwards: only new rows applied
    new_captures: list[Capture] = field(default_factory=list)
    new_refunds: list[Refund] = field(default_factory=list)
    new_cancellations: list[Cancellation] = field(default_factory=list)

    @property
    def status_changed(self) -> bool:
        return self.old_status != self.new_status

    @property
    def changed(self) -> bool:
        return bool(
            self.created or self.changed_fields or self.new_captures or self.new_refunds or self.new_cancellations
        )


def _datetime(value: Any) -> dt.datetime | None:
    if not value or not isinstance(value, str):
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        day = _date(value)
        parsed = dt.datetime.combine(day, dt.time()) if day else None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, dt.timezone.utc)
    return parsed


def _date(value: Any) -> dt.date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return parse_date(value) or parse_dmy(value)
    except ValueError:
        return None


def _amount(data: Mapping[str, Any], key: str, currency: str) -> Decimal:
    value = data.get(key)
    if isinstance(value, Mapping) and "amount" in value and "currency" not in value:
        value = {**value, "currency": currency}  # discount_amount: {name, amount}
    if isinstance(value, Mapping) and isinstance(value.get("amount"), Mapping):
        value = value["amount"]
    if value in (None, {}):
        return Decimal("0")
    money = Money.from_api(value)
    if money.currency != currency:
        raise MoneyError(f"{key} is in {money.currency} but the order is in {currency}")
    return money.amount


def _str(value: Any, limit: int = 255) -> str:
    return "" if value is None else str(value)[:limit]


def order_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The model field values ``data`` (Tamara's order JSON) describes."""
    currency = Money.from_api(data["total_amount"]).currency
    consumer = data.get("consumer") or {}
    discount = data.get("discount_amount") or data.get("discount") or {}
    settlement: Mapping[str, Any] = data["settlement"] if isinstance(data.get("settlement"), Mapping) else {}
    fields: dict[str, Any] = {
        "order_reference_id": _str(data.get("order_reference_id")),
        "order_number": _str(data.get("order_number") or data.get("order_reference_id")),
        "status": _str(data.get("status"), 32),
        "payment_type": _str(data.get("payment_type"), 32),
        "instalments": data.get("instalments") if isinstance(data.get("instalments"), int) else None,
        "description": _str(data.get("description"), 10_000),
        "locale": _str(data.get("locale"), 16),
        "platform": _str(data.get("platform")),
        "is_mobile": data.get("is_mobile") if isinstance(data.get("is_mobile"), bool) else None,
        "currency": currency,
        "total_amount": _amount(data, "total_amount", currency),
        "tax_amount": _amount(data, "tax_amount", currency),
        "shipping_amount": _amount(data, "shipping_amount", currency),
        "discount_amount": _amount({"d": discount}, "d", currency) if discount else Decimal("0"),
        "discount_name": _str(discount.get("name")) if isinstance(discount, Mapping) else "",
        "captured_amount": _amount(data, "captured_amount", currency),
        "refunded_amount": _amount(data, "refunded_amount", currency),
        "canceled_amount": _amount(data, "canceled_amount", currency),
        "paid_amount": _amount(data, "paid_amount", currency),
        "consumer_first_name": _str(consumer.get("first_name")),
        "consumer_last_name": _str(consumer.get("last_name")),
        "consumer_phone_number": _str(consumer.get("phone_number"), 32),
        "consumer_email": _str(consumer.get("email"), 128),
        "consumer_date_of_birth": _date(consumer.get("date_of_birth")),
        "items": plain_json(data.get("items") or []),
        "shipping_address": plain_json(data.get("shipping_address")),
        "billing_address": plain_json(data.get("billing_address")),
        "created_at": _datetime(data.get("created_at")),
        "order_expiry_time": _datetime(data.get("order_expiry_time")),
        "settlement_status": _str(data.get("settlement_status") or settlement.get("status"), 64),
        "settlement_date": _datetime(data.get("settlement_date") or settlement.get("date")),
        "settlement": plain_json(settlement) or None,
        "raw": plain_json(dict(data)),
    }
    return fields


def _transactions(data: Mapping[str, Any], *names: str) -> list[Mapping[str, Any]]:
    txs = data.get("transactions") or {}
    for name in names:
        rows = txs.get(name)
        if rows:
            return [row for row in rows if isinstance(row, Mapping)]
    return []


def _tx_common(row: Mapping[str, Any], currency: str) -> dict[str, Any]:
    return {
        "amount": _amount(row, "total_amount", currency),
        "currency": currency,
        "items": plain_json(row.get("items") or []),
        "created_at": _datetime(row.get("created_at")),
        "raw": plain_json(dict(row)),
    }


def _apply_transactions(order: TamaraOrder, data: Mapping[str, Any], result: SyncResult) -> None:
    currency = order.currency
    for row in _transactions(data, "captures"):
        values = {
            **_tx_common(row, currency),
            "refunded_amount": _amount(row, "refunded_amount", currency),
            "shipping_info": plain_json(row.get("shipping_info") or {}),
        }
        _upsert(Capture, "capture_id", row.get("capture_id"), order, values, result.new_captures)
    for row in _transactions(data, "refunds"):
        values = {
            **_tx_common(row, currency),
            "capture_id": _str(row.get("capture_id"), 64),
            "comment": _str(row.get("comment"), 10_000),
            "merchant_refund_id": _str(row.get("merchant_refund_id")),
        }
        _upsert(Refund, "refund_id", row.get("refund_id"), order, values, result.new_refunds)
    for row in _transactions(data, "cancels", "cancellations"):
        _upsert(
            Cancellation, "cancel_id", row.get("cancel_id"), order, _tx_common(row, currency), result.new_cancellations
        )


def _upsert(
    model: type[LedgerRow], key: str, tamara_id: Any, order: TamaraOrder, values: dict[str, Any], new: list[Any]
) -> None:
    """Insert the row Tamara describes, or update the fields that changed (never duplicates)."""
    if not tamara_id:
        return
    existing = model.objects.by_tamara_id(str(tamara_id))
    if existing is None:
        obj, created = model.objects.get_or_create(**{key: str(tamara_id)}, defaults={"order": order, **values})
        if created:
            new.append(obj)
            return
        existing = obj
    changed = [name for name, value in values.items() if getattr(existing, name) != value]
    if changed:
        for name in changed:
            setattr(existing, name, values[name])
        existing.save(update_fields=changed)


#: Tamara's running totals only ever grow.
MONOTONIC_AMOUNTS = ("captured_amount", "refunded_amount", "canceled_amount")


def is_stale(order: TamaraOrder, fields: Mapping[str, Any]) -> bool:
    """True when ``fields`` describe an older state than ``order`` holds. Such JSON (a late
    webhook, a slow concurrent fetch) is not applied.

    Decided by the totals that never go down (captured, refunded, canceled; issue #13): JSON
    with any of them below ours is older; JSON with one above ours is newer, whatever its
    status says (capture part, refund part, capture the rest may move Tamara's status from
    ``partially_refunded`` back to ``partially_captured``). With the same totals, a status
    behind ours is older (:func:`~.states.follows`).
    """
    if any(fields[name] < getattr(order, name) for name in MONOTONIC_AMOUNTS):
        return True
    grew = any(fields[name] > getattr(order, name) for name in MONOTONIC_AMOUNTS)
    return not follows(order.status, fields["status"], amounts_grew=grew)


def apply_order_data(order: TamaraOrder, data: Mapping[str, Any], *, defer: list[str] | None = None) -> SyncResult:
    """Bring ``order`` (already saved or not) up to ``data``; write only what differs.

    With ``defer``, a saved order's changed fields are set on it and their names added to
    ``defer`` instead of written: the caller, holding the lock, writes them in its own UPDATE
    with what it changes next (:func:`~.syncing.settle`: the sync and the authorisation of an
    approved order are one UPDATE, not two, #17).
    """
    fields = order_fields(data)
    result = SyncResult(old_status=order.status, new_status=order.status)
    if order.pk and order.raw == fields["raw"]:
        return result  # the JSON we applied last time: nothing can have changed
    # All or nothing, but no savepoint: the lifecycle calls this inside its own transaction,
    # where two SAVEPOINT/RELEASE round trips per sync buy nothing (an error aborts it all).
    with transaction.atomic(savepoint=False):
        if order.pk and is_stale(order, fields):
            result.stale = True
        else:
            result.new_status = fields["status"]
            if order.pk is None:
                for name, value in fields.items():
                    setattr(order, name, value)
                order.synced_at = timezone.now()
                order.save()
                result.created = True
            else:
                changed = [name for name, value in fields.items() if getattr(order, name) != value]
                for name in changed:
                    setattr(order, name, fields[name])
                if changed:
                    order.synced_at = timezone.now()
                    if defer is not None:
                        defer.extend([*changed, "synced_at", "date_updated"])
                    else:
                        compiled.save_fields(order, [*changed, "synced_at", "date_updated"])
                result.changed_fields = changed
        _apply_transactions(order, data, result)
    return result


def sync_order(data: Mapping[str, Any], **extra: Any) -> tuple[TamaraOrder, SyncResult]:
    """Create or update the mirror of ``data["order_id"]``; ``extra`` sets fields on creation."""
    order = TamaraOrder.objects.filter(order_id=data["order_id"]).first()
    if order is None:
        order = TamaraOrder(order_id=data["order_id"], **extra)
    return order, apply_order_data(order, data)
