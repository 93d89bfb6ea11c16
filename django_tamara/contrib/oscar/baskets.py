"""The basket being paid for: frozen while the customer is at Tamara, locked while it becomes an order.

Oscar freezes the basket before a payment that leaves the site and remembers its id in the
checkout session (``PaymentDetailsView.submit`` in django-oscar's
``oscar/apps/checkout/views.py``), as its PayPal integration does; the customer's next
request then gets a fresh basket. Two things Oscar leaves to the integration are done here:

- placing the order happens under the basket row's lock and only while the basket is still
  frozen, so a reloaded or doubled return request places it once (Oscar's unique order
  number is the backstop);
- giving the basket back after a decline or cancel thaws it only if it is still frozen, never
  a basket an order was placed from (``restore_frozen_basket`` would reopen that one too).
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.http import HttpRequest
from oscar.core.loading import get_model

from ...models import TamaraOrder

__all__ = ["Basket", "give_back", "locked", "paid_with"]

Basket = get_model("basket", "Basket")


def paid_with(order: TamaraOrder, checkout_session: Any) -> Any:
    """The basket of this checkout that ``order`` was opened for, or ``None`` if they differ.

    Both must agree: the basket Oscar's checkout session submitted, and the basket the Tamara
    order was opened for (its ``shop_order``), so a Tamara order of another basket is never
    placed as this one.
    """
    basket_id = checkout_session.get_submitted_basket_id()
    if basket_id is None or order.content_type_id != ContentType.objects.get_for_model(Basket).pk:
        return None
    if str(order.object_id) != str(basket_id):
        return None
    return Basket._default_manager.filter(pk=basket_id).first()


def locked(basket_id: Any) -> Any:
    """The basket row, locked until the surrounding transaction ends (call inside ``atomic``)."""
    return Basket._default_manager.select_for_update().get(pk=basket_id)


def give_back(request: HttpRequest, checkout_session: Any) -> Any:
    """Thaw the submitted basket, if it is still frozen, and make it the request's basket again.

    As Oscar's ``OrderPlacementMixin.restore_frozen_basket``: a basket the customer started
    meanwhile is merged into it. Returns the basket, or ``None`` when there was none to thaw.
    """
    basket_id = checkout_session.get_submitted_basket_id()
    if basket_id is None:
        return None
    current: Any = getattr(request, "basket", None)
    with transaction.atomic():
        basket = Basket._default_manager.select_for_update().filter(pk=basket_id, status=Basket.FROZEN).first()
        if basket is None:
            return None
        basket.thaw()
        if current is not None:
            if current.id and current.id != basket.id:
                basket.merge(current)
            basket.strategy = current.strategy
    request.basket = basket  # type: ignore[attr-defined]  # Oscar's BasketMiddleware sets it
    return basket
