"""The app's models, one module per concern (issue #14).

- :mod:`.orders`: :class:`TamaraOrder`, the local mirror of a Tamara order;
- :mod:`.ledger`: :class:`Capture`, :class:`Refund`, :class:`Cancellation`;
- :mod:`.attempts`: :class:`Intent` (an attempt committed before Tamara is called) and
  :class:`OrderAction` (the admin's audit);
- :mod:`.events`: :class:`WebhookEvent`, a delivery stored before it is processed.
"""

from ..states import OrderStatus, PaymentType
from .attempts import Intent, OrderAction
from .events import WebhookEvent
from .ledger import Cancellation, Capture, LedgerRow, Refund, Transaction
from .orders import AmountField, TamaraOrder

__all__ = [
    "AmountField",
    "Cancellation",
    "Capture",
    "Intent",
    "LedgerRow",
    "OrderAction",
    "OrderStatus",
    "PaymentType",
    "Refund",
    "TamaraOrder",
    "Transaction",
    "WebhookEvent",
]
