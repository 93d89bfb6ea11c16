"""The one table of Tamara's webhook events: what each means and what it reports.

The intake (which events are processed), processing (which events are the echo of what the
order already holds), the admin's event-type filter and ``tamara_webhooks register`` all read
:data:`EVENTS`; nothing else keeps a list of event names (issues #13 and #14). Adding an event
Tamara starts sending is one entry here, plus the simulator (which keeps its own table on
purpose: it checks the app) and the docs. The events and their meanings are those of
Tamara's "Webhooks" page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..states import OrderStatus

__all__ = ["EVENTS", "EVENT_TYPE", "KNOWN_EVENTS", "TAMARA_EVENTS", "Event"]


@dataclass(frozen=True)
class Event:
    """One of Tamara's webhook events."""

    #: What the event tells the shop, for the docs and the admin.
    meaning: str
    #: The order holds everything the event can report once it reached this status (an
    #: ``order_authorised`` for an order authorised already is the echo of the app's own call).
    known_from: str | None = None
    #: The transaction the event names: the key of its id in the event's ``data``, and the
    #: order's ledger (related name) where an id already recorded shows the event is an echo.
    transaction: tuple[str, str] | None = None


EVENTS: dict[str, Event] = {
    "order_approved": Event(
        "the customer approved the order at checkout; it waits to be authorised",
        known_from=OrderStatus.AUTHORISED,
    ),
    "order_declined": Event("Tamara declined the order (the payload may name the reason)"),
    "order_authorised": Event(
        "the order is authorised: the shop may ship and capture", known_from=OrderStatus.AUTHORISED
    ),
    "order_canceled": Event(
        "the authorisation, or part of it, was canceled", transaction=("cancel_id", "cancellations")
    ),
    "order_updated": Event("the order changed after authorisation (part of it canceled, items or amounts updated)"),
    "order_captured": Event("a capture was made", transaction=("capture_id", "captures")),
    "order_refunded": Event("a refund was made", transaction=("refund_id", "refunds")),
    "order_expired": Event("the order was not authorised in time and expired"),
}

#: The event names, in the table's order (what ``tamara_webhooks register`` registers by default).
TAMARA_EVENTS: tuple[str, ...] = tuple(EVENTS)

#: Events that are processed; others (disputes, future events) are stored as ignored.
KNOWN_EVENTS = frozenset(EVENTS)

#: What an event type may be: Tamara's are lower-case words joined by underscores, and the
#: column holds 64 characters. Anything else (upper case, spaces, NUL, a lone surrogate) is
#: refused before it reaches the database or the admin's filters.
EVENT_TYPE = re.compile(r"[a-z_]{1,64}")
