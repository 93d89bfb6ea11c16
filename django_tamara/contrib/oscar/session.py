"""Which Tamara order this browser is paying with, kept in its Django session.

Tamara appends ``orderId`` to the URLs it sends the customer back to, but anyone can type a
URL; the return, failure and cancel views read the order from here only, so an ``orderId``
naming somebody else's order changes nothing (issue #16). The frozen basket is found the
same way, through Oscar's own checkout session (``CheckoutSessionData.get_submitted_basket_id``).
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest

from ...models import TamaraOrder

__all__ = ["SESSION_KEY", "forget", "remember", "remembered"]

SESSION_KEY = "tamara_oscar_order_id"


def remember(request: HttpRequest, order: TamaraOrder) -> None:
    request.session[SESSION_KEY] = str(order.order_id)


def remembered(request: HttpRequest) -> TamaraOrder | None:
    """The Tamara order this session opened, or ``None`` (never one named by the query string)."""
    try:
        order_id = uuid.UUID(str(request.session.get(SESSION_KEY, "")))
    except ValueError:
        return None
    return TamaraOrder.objects.filter(order_id=order_id).first()


def forget(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
