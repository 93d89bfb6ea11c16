"""What happened to an order, as the notifier needs it to tell the merchant.

Events are built while the order's lock is held (so they see a consistent order) and
delivered after it is released (so a shop that calls back into the simulator while handling
a notification cannot deadlock it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["Event", "EVENT_TYPES"]

EVENT_TYPES = (
    "order_approved",
    "order_declined",
    "order_authorised",
    "order_captured",
    "order_refunded",
    "order_canceled",
    "order_expired",
)


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
            "data": self.data,
        }
