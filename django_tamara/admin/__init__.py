"""Django admin for Tamara: orders (with actions), webhook events, and the log of staff actions.

Importing this package registers the three model admins with the default site; see
docs/admin.md for the operator's guide.
"""

from .audit import OrderActionAdmin
from .events import WebhookEventAdmin
from .orders import TamaraOrderAdmin

__all__ = ["TamaraOrderAdmin", "WebhookEventAdmin", "OrderActionAdmin"]
