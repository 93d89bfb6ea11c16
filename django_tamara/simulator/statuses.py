"""Tamara's order statuses and the moves between them, as the simulator applies them.

Written from Tamara's "Order status" and "Online checkout flow" pages, not shared with the
app's ``states`` module (issue #13), so the two can disagree. The docs say statuses only move
forward; the table below lists, for each status, the statuses it may move to.
"""

from __future__ import annotations

__all__ = ["Status", "S", "NEXT", "FINAL", "ALL", "can_move", "holds_authorisation"]


class Status:
    NEW = "new"
    APPROVED = "approved"
    ON_HOLD = "on_hold"
    DECLINED = "declined"
    AUTHORISED = "authorised"
    CANCELED = "canceled"
    UPDATED = "updated"
    FULLY_CAPTURED = "fully_captured"
    PARTIALLY_CAPTURED = "partially_captured"
    FULLY_REFUNDED = "fully_refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    EXPIRED = "expired"


S = Status

#: Tamara's twelve statuses.
ALL: frozenset[str] = frozenset(v for k, v in vars(Status).items() if k.isupper())

#: Statuses an order never leaves.
FINAL: frozenset[str] = frozenset({S.DECLINED, S.EXPIRED, S.CANCELED, S.FULLY_REFUNDED})

_AFTER_CAPTURE = {S.PARTIALLY_CAPTURED, S.FULLY_CAPTURED, S.PARTIALLY_REFUNDED, S.FULLY_REFUNDED}

#: Where each status may go. A partially refunded order still holding an uncaptured
#: remainder may have it captured (issue #13): the status stays ``partially_refunded`` then,
#: or becomes ``fully_refunded`` only once everything captured is refunded and nothing is left.
NEXT: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.APPROVED, S.ON_HOLD, S.DECLINED, S.EXPIRED, S.FULLY_CAPTURED}),
    S.ON_HOLD: frozenset({S.APPROVED, S.DECLINED, S.EXPIRED}),
    S.APPROVED: frozenset({S.AUTHORISED, S.EXPIRED, S.FULLY_CAPTURED, S.DECLINED}),
    S.AUTHORISED: frozenset({S.UPDATED, S.CANCELED} | _AFTER_CAPTURE),
    S.UPDATED: frozenset({S.CANCELED} | _AFTER_CAPTURE),
    S.PARTIALLY_CAPTURED: frozenset({S.FULLY_CAPTURED, S.PARTIALLY_REFUNDED, S.FULLY_REFUNDED}),
    S.FULLY_CAPTURED: frozenset({S.PARTIALLY_REFUNDED, S.FULLY_REFUNDED}),
    S.PARTIALLY_REFUNDED: frozenset({S.FULLY_REFUNDED}),
    S.FULLY_REFUNDED: frozenset(),
    S.DECLINED: frozenset(),
    S.EXPIRED: frozenset(),
    S.CANCELED: frozenset(),
}


def can_move(current: str, new: str) -> bool:
    """True when an order may go from ``current`` to ``new`` (or stay where it is)."""
    if current == new:
        return current in ALL
    return new in NEXT.get(current, frozenset())


def holds_authorisation(status: str) -> bool:
    """True once the order was authorised and is not dead (canceled, declined, expired)."""
    return status in {S.AUTHORISED, S.UPDATED} | _AFTER_CAPTURE
