"""The simulator's memory and Tamara's rules for one merchant account, as one object.

The HTTP layer and the :class:`~.core.Simulator` want one thing to call; the rules are kept
apart by who acts (``customer_actions.py``, ``merchant_actions.py``, ``refunds.py``) on top
of ``orderbook.py``, which owns the maps, the locks and the deadlines.
"""

from __future__ import annotations

from .customer_actions import CustomerActions
from .merchant_actions import MerchantActions
from .refunds import Refunds

__all__ = ["Store"]


class Store(CustomerActions, MerchantActions, Refunds):
    """All simulated state of one merchant account."""
