"""Tamara's vocabulary: order statuses (and the rule that they only move forward) and payment types.

Kept apart from the models so the lifecycle service, the mirror and the admin read the same
table. Tamara documents the machine in its order-status page; the ranks below encode it:
without new money a status may only be replaced by itself or by one of higher rank; when a
total that never goes down grew, Tamara's newer status is taken whatever its rank
(:func:`follows`, issue #13); the final statuses are never left.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentType(models.TextChoices):
    """The payment types Tamara offers (its "Payment Types" page); ``PAY_BY_INSTALMENTS`` also
    serves single checkout."""

    PAY_BY_INSTALMENTS = "PAY_BY_INSTALMENTS", _("Pay by instalments")
    PAY_NOW = "PAY_NOW", _("Pay now")
    PAY_BY_LATER = "PAY_BY_LATER", _("Pay later")
    PAY_NEXT_MONTH = "PAY_NEXT_MONTH", _("Pay next month")


class OrderStatus(models.TextChoices):
    NEW = "new", _("New")
    APPROVED = "approved", _("Approved")
    ON_HOLD = "on_hold", _("On hold")
    DECLINED = "declined", _("Declined")
    AUTHORISED = "authorised", _("Authorised")
    CANCELED = "canceled", _("Canceled")
    UPDATED = "updated", _("Updated")
    FULLY_CAPTURED = "fully_captured", _("Fully captured")
    PARTIALLY_CAPTURED = "partially_captured", _("Partially captured")
    FULLY_REFUNDED = "fully_refunded", _("Fully refunded")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    EXPIRED = "expired", _("Expired")


S = OrderStatus

#: Position in the life of an order. Equal ranks are alternatives, not successors.
RANK: dict[str, int] = {
    S.NEW: 0,
    S.APPROVED: 1,
    S.ON_HOLD: 1,
    S.AUTHORISED: 2,
    S.UPDATED: 3,
    S.PARTIALLY_CAPTURED: 4,
    S.FULLY_CAPTURED: 5,
    S.PARTIALLY_REFUNDED: 6,
    S.FULLY_REFUNDED: 7,
    S.DECLINED: 9,
    S.EXPIRED: 9,
    S.CANCELED: 9,
}

#: Statuses an order never leaves.
FINAL: frozenset[str] = frozenset({S.DECLINED, S.EXPIRED, S.CANCELED, S.FULLY_REFUNDED})

#: Statuses of an order Tamara has authorised, and every status an authorised order moves to
#: while it is still open.
AUTHORISED_OR_LATER: frozenset[str] = frozenset(
    {
        S.AUTHORISED,
        S.UPDATED,
        S.PARTIALLY_CAPTURED,
        S.FULLY_CAPTURED,
        S.PARTIALLY_REFUNDED,
    }
)

#: Statuses in which a capture may fit; the amounts decide (total - canceled - captured > 0).
#: ``partially_refunded`` is one: a refund of one shipment leaves the rest of the authorisation
#: to capture (issue #13: ship part, refund it, ship the rest).
CAPTURABLE: frozenset[str] = AUTHORISED_OR_LATER

#: Statuses in which a refund may fit; the amounts decide (captured - refunded > 0).
REFUNDABLE: frozenset[str] = AUTHORISED_OR_LATER

#: Statuses before capture, in which a cancel is allowed (with nothing captured).
CANCELABLE: frozenset[str] = frozenset({S.AUTHORISED, S.UPDATED})


def is_forward(current: str, new: str) -> bool:
    """True when Tamara may move an order from ``current`` to ``new`` (or keep it there)."""
    if current == new:
        return current in RANK
    if current in FINAL or current not in RANK or new not in RANK:
        return False
    return RANK[new] > RANK[current]


def follows(current: str, new: str, *, amounts_grew: bool) -> bool:
    """True when ``new`` may replace ``current``.

    Without new money the status only moves forward (:func:`is_forward`). When a running total
    that never goes down (captured, refunded, canceled) grew, Tamara's answer is newer than
    what we hold whatever its rank: a capture after a refund may report ``partially_captured``
    where ``partially_refunded`` was held (issue #13). A closed order (``FINAL``) stays closed.
    """
    if not amounts_grew or new not in RANK:
        return is_forward(current, new)
    return current == new or current not in FINAL
