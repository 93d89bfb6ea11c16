"""Django admin for Tamara: orders (with actions), webhook events, money attempts, and the log of staff actions.

Importing this package registers the four model admins with the default site; see
docs/admin.md for the operator's guide.
"""

from .audit import OrderActionAdmin
from .events import WebhookEventAdmin
from .intents import IntentAdmin
from .orders import TamaraOrderAdmin

__all__ = ["TamaraOrderAdmin", "WebhookEventAdmin", "IntentAdmin", "OrderActionAdmin"]
