"""The history of one order as one list: Tamara's transactions, webhooks and staff actions.

Built from one query per source (never one per row), merged in Python and sorted by time,
so the change page costs the same whatever the order's history or the table's size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from django.utils.translation import gettext as _

from ..models import Cancellation, Capture, OrderAction, Refund, TamaraOrder, WebhookEvent
from .display import money

#: Rows read per source; an order with more has a runaway integration, and the inlines and
#: the event list still show everything.
PER_SOURCE = 200


@dataclass
class Entry:
    when: dt.datetime | None
    kind: str
    title: str
    detail: str = ""
    tone: str = "neutral"
    who: str = ""


def _sort_key(entry: Entry) -> tuple[int, dt.datetime]:
    if entry.when is None:
        return (1, dt.datetime.min.replace(tzinfo=dt.timezone.utc))
    return (0, entry.when)


def build(order: TamaraOrder, loaded: Mapping[type, Iterable[Any]] | None = None) -> list[Entry]:
    """The order's history, oldest first.

    ``loaded`` maps a model to the rows of this order already read (the change page's
    inlines read the captures, refunds, cancellations and events): those are reused, not
    queried again.
    """
    loaded = loaded or {}

    def rows(model: type, related: Any) -> Iterable[Any]:
        return loaded[model] if model in loaded else related.all()[:PER_SOURCE]

    c = order.currency
    entries: list[Entry] = []
    if order.created_at:
        entries.append(Entry(order.created_at, "created", _("Order created at Tamara"), money(order.total_amount, c)))
    entries.append(Entry(order.date_created, "mirrored", _("Order first recorded here")))
    for row in rows(Capture, order.captures):
        entries.append(
            Entry(
                row.created_at or row.date_created,
                "capture",
                _("Captured %(amount)s") % {"amount": money(row.amount, row.currency)},
                _("capture %(id)s") % {"id": row.capture_id},
                "success",
            )
        )
    for row in rows(Refund, order.refunds):
        detail = _("refund %(id)s") % {"id": row.refund_id}
        if row.comment:
            detail += f" - {row.comment}"
        entries.append(
            Entry(
                row.created_at or row.date_created,
                "refund",
                _("Refunded %(amount)s") % {"amount": money(row.amount, row.currency)},
                detail,
                "warning",
            )
        )
    for row in rows(Cancellation, order.cancellations):
        entries.append(
            Entry(
                row.created_at or row.date_created,
                "cancel",
                _("Canceled %(amount)s") % {"amount": money(row.amount, row.currency)},
                _("cancel %(id)s") % {"id": row.cancel_id},
                "muted",
            )
        )
    events = (
        loaded.get(WebhookEvent)
        or (
            WebhookEvent.objects.filter(order=order)
            .only("pk", "event_type", "received_at", "state", "error")
            .order_by("-received_at")[:PER_SOURCE]
        )
    )
    for event in events:
        detail = event.get_state_display()
        if event.error:
            detail += f": {event.error[:200]}"
        entries.append(
            Entry(
                event.received_at,
                "webhook",
                _("Webhook %(event)s received") % {"event": event.event_type},
                detail,
                {"failed": "danger", "done": "info"}.get(event.state, "neutral"),
            )
        )
    actions = OrderAction.objects.filter(order=order).select_related("user").order_by("-created_at")[:PER_SOURCE]
    for action in actions:
        title = _("%(action)s by %(user)s: %(outcome)s") % {
            "action": action.get_action_display(),
            "user": action.user.get_username() if action.user else _("someone"),
            "outcome": action.get_outcome_display(),
        }
        entries.append(
            Entry(
                action.created_at,
                "action",
                title,
                action.message,
                {"done": "success", "skipped": "warning", "failed": "danger"}.get(action.outcome, "neutral"),
                action.user.get_username() if action.user else "",
            )
        )
    if order.synced_at:
        entries.append(Entry(order.synced_at, "synced", _("Last synced from Tamara"), order.get_status_display()))
    return sorted(entries, key=_sort_key)


def context(order: TamaraOrder, loaded: Mapping[type, Iterable[Any]] | None = None) -> dict[str, Any]:
    return {"timeline": build(order, loaded)}
