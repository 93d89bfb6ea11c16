"""Open a Tamara checkout session for a shop's order and remember it locally.

``create_session(builder, shop_order)`` (or ``create_session(payload_dict)``) builds and
validates the payload *before* any HTTP call, so a payload that breaks a rule of the tables
never reaches Tamara; then it calls ``POST /checkout``, stores a
:class:`~django_tamara.models.TamaraOrder` in status ``new`` with its checkout id and URL, and
returns what the view needs to redirect the customer.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.http import HttpResponseRedirect

from .builders.base import CheckoutBuilder
from .client import CheckoutSession, TamaraClient, get_client
from .conf import tamara_settings
from .mirror import plain_json
from .models import TamaraOrder
from .money import Money
from .states import OrderStatus

logger = logging.getLogger("django_tamara.checkout")

__all__ = ["CheckoutSessionResult", "create_session", "order_fields_from_payload"]


@dataclass(frozen=True)
class CheckoutSessionResult:
    """The stored order and where to send the customer."""

    order: TamaraOrder
    checkout_url: str
    session: CheckoutSession | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def checkout_id(self) -> str:
        return self.order.checkout_id

    def redirect(self) -> HttpResponseRedirect:
        """The response a checkout view returns: off to Tamara's hosted page."""
        return HttpResponseRedirect(self.checkout_url)


def create_session(
    source: CheckoutBuilder | Mapping[str, Any],
    shop_order: Any = None,
    *,
    client: TamaraClient | None = None,
    builder: CheckoutBuilder | None = None,
    content_object: models.Model | None = None,
) -> CheckoutSessionResult:
    """Validate, open the session at Tamara and store a ``TamaraOrder`` in status ``new``.

    ``source`` is a builder (then ``shop_order`` is the shop's order it reads) or a payload
    dict, validated by ``builder`` (a vertical's, say) or else by the serializer of
    ``settings.TAMARA["BUILDER_CLASS"]``. Raises
    :class:`~django_tamara.exceptions.PayloadInvalid` before any call when the payload breaks a
    rule, and the client's errors when Tamara refuses it. ``content_object`` (by default the
    shop order, when it is a saved model instance) is linked through the generic relation.
    """
    if isinstance(source, CheckoutBuilder):
        if shop_order is None:
            raise TypeError("create_session(builder, shop_order): the builder needs the shop's order")
        payload = source.build(shop_order)
    elif isinstance(source, Mapping):
        payload = (builder or tamara_settings.BUILDER_CLASS()).validate(source)
    else:
        raise TypeError(f"create_session() takes a CheckoutBuilder or a payload dict, not {type(source).__name__}")

    if content_object is None and isinstance(shop_order, models.Model) and shop_order.pk is not None:
        content_object = shop_order

    session = (client or get_client()).create_checkout_session(payload)
    fields = order_fields_from_payload(payload)
    fields.update(
        status=session.status if session.status in OrderStatus.values else OrderStatus.NEW,
        checkout_id=session.checkout_id,
        checkout_url=session.checkout_url,
        raw=plain_json(dict(session.raw or {})),
    )
    order, created = TamaraOrder.objects.get_or_create(order_id=session.order_id, defaults=fields)
    if not created:
        # A notification got here first and its sync created the row: keep what Tamara said
        # since, add what only this answer knows.
        order.checkout_id, order.checkout_url = session.checkout_id, session.checkout_url
        order.save(update_fields=["checkout_id", "checkout_url", "date_updated"])
    if content_object is not None and order.object_id is None:
        order.shop_order = content_object
        order.save(update_fields=["content_type", "object_id", "date_updated"])
    logger.info("Tamara checkout %s opened for %s", session.order_id, payload["order_reference_id"])
    return CheckoutSessionResult(order=order, checkout_url=session.checkout_url, session=session, payload=payload)


def order_fields_from_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The ``TamaraOrder`` fields a validated checkout payload fills in."""
    total = Money.from_api(payload["total_amount"])

    def amount(value: Any) -> Any:
        return Money.from_api(value).amount if value else Money.zero(total.currency).amount

    consumer = payload.get("consumer") or {}
    discount = payload.get("discount") or {}
    birth = consumer.get("date_of_birth")
    return {
        "order_reference_id": payload["order_reference_id"],
        "order_number": payload.get("order_number") or payload["order_reference_id"],
        "payment_type": payload.get("payment_type", ""),
        "instalments": payload.get("instalments"),
        "description": payload.get("description", ""),
        "locale": payload.get("locale", ""),
        "platform": payload.get("platform", ""),
        "is_mobile": payload.get("is_mobile"),
        "currency": total.currency,
        "total_amount": total.amount,
        "tax_amount": amount(payload.get("tax_amount")),
        "shipping_amount": amount(payload.get("shipping_amount")),
        "discount_amount": amount(discount.get("amount")),
        "discount_name": discount.get("name", ""),
        "consumer_first_name": consumer.get("first_name", ""),
        "consumer_last_name": consumer.get("last_name", ""),
        "consumer_phone_number": consumer.get("phone_number", ""),
        "consumer_email": consumer.get("email", ""),
        "consumer_date_of_birth": dt.datetime.strptime(birth, "%d-%m-%Y").date() if birth else None,
        "items": list(payload.get("items") or []),
        "shipping_address": payload.get("shipping_address"),
        "billing_address": payload.get("billing_address"),
    }
