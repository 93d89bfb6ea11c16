"""Keep each Oscar Source in step with its Tamara order, whoever moved the money.

A capture from Oscar's dashboard, from the app's admin, a webhook Tamara sent or a sync that
found a change all end in the app's signals, sent once per real change after it commits
(:mod:`django_tamara.signals`); each receiver here re-projects the order's Source
(:func:`.sources.project`), which is idempotent, so a signal heard twice changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError

from ... import signals
from ...models import TamaraOrder
from . import sources

logger = logging.getLogger("django_tamara.contrib.oscar")

__all__ = ["connect", "follow"]

#: The signals after which a Source's amounts or ledger may differ from its Tamara order.
SIGNALS = {
    "order_captured": signals.order_captured,
    "order_refunded": signals.order_refunded,
    "order_updated": signals.order_updated,
    "order_canceled": signals.order_canceled,
}


def follow(sender: Any, order: TamaraOrder, **kwargs: Any) -> None:
    """Re-project ``order``'s Source. A failure is logged, not raised: the change it follows is
    committed already, and the next signal (or placing the order) projects it again."""
    try:
        sources.project(order)
    except DatabaseError:
        logger.exception("could not bring the Oscar source of Tamara order %s up to date", order.order_id)


def connect() -> None:
    for name, signal in SIGNALS.items():
        signal.connect(follow, sender=TamaraOrder, dispatch_uid=f"tamara_oscar.follow.{name}")
