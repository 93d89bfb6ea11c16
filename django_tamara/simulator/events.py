"""What happened to an order, as the notifier needs it to tell the merchant.

Events are built while the order's lock is held (so they see a consistent order) and
delivered after it is released (so a shop that calls back into the simulator while handling
a notification cannot deadlock it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["Event", "EVENT_TYPES", "REGISTRABLE_EVENTS"]

EVENT_TYPES = (
    "order_approved",
    "order_declined",
    "order_authorised",
    "order_captured",
    "order_refunded",
    "order_canceled",
    "order_expired",
)

#: Events a webhook can be registered for: Tamara's seven, and ``order_updated`` (part of the
#: authorisation canceled), which the app knows and a merchant may register (issue #13).
REGISTRABLE_EVENTS = (*EVENT_TYPES, "order_updated")

#: Events whose payload Tamara's "Getting Started with Webhooks" page shows with ``"data": []``.
EMPTY_LIST_DATA = frozenset({"order_approved", "order_authorised", "order_expired"})

#: The decline fields of that page's ``order_declined`` sample, as the simulator fills them
#: (Tamara does not document their values; these stand for its risk decline).
DECLINE_DATA = {
    "declined_reason": "The customer did not pass Tamara's risk assessment",
    "declined_code": "risk_declined",
    "decline_type": "risk",
}


@dataclass(frozen=True)
class Event:
    event_type: str
    order_id: str
    order_reference_id: str
    order_number: str
    #: The order's status right after the event (the legacy payload's ``order_status``).
    status: str
    notification_url: str | None
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)

    def body(self, shape: str) -> dict[str, Any]:
        """The JSON Tamara posts: the webhook shape, or the legacy ``order_status`` one."""
        if shape == "order_status":
            return {
                "order_id": self.order_id,
                "order_reference_id": self.order_reference_id,
                "order_status": self.status,
                "data": [],
            }
        return {
            "order_id": self.order_id,
            "order_reference_id": self.order_reference_id,
            "order_number": self.order_number,
            "event_type": self.event_type,
            "data": self.webhook_data(),
        }

    def webhook_data(self) -> dict[str, Any] | list[Any]:
        """``data`` as Tamara's "Getting Started with Webhooks" page shows it for the event."""
        if self.event_type == "order_declined":
            return {**DECLINE_DATA, **self.data}
        if self.event_type in EMPTY_LIST_DATA and not self.data:
            return []
        return dict(self.data)
