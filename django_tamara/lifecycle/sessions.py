"""Open a Tamara checkout session for a shop's order and remember it locally.

The payload is validated *before* any HTTP call, so a payload that breaks a rule of Tamara's
tables never reaches Tamara; then ``POST /checkout`` opens the session and a
:class:`~django_tamara.models.TamaraOrder` is stored in status ``new`` with its checkout id
and URL. Builders build and validate; this module imports none of them (issue #14): a builder
hands its payload over (``builder.create_session(order)`` calls :func:`create_session`), and a
hand-made payload dict is validated by the builder the caller names or by
``TAMARA["BUILDER_CLASS"]``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import IntegrityError, models, transaction
from django.http import HttpResponseRedirect

from .. import compiled
from ..client import CheckoutSession, TamaraClient, get_client
from ..conf import tamara_settings
from ..models import TamaraOrder
from ..states import OrderStatus
from ..wire import plain_json
from .applying import order_fields

logger = logging.getLogger("django_tamara.checkout")

__all__ = ["CheckoutSessionResult", "PayloadBuilder", "create_session"]


class PayloadBuilder(Protocol):
    """What :func:`create_session` needs of a builder (:class:`~django_tamara.builders.CheckoutBuilder`)."""

    def build(self, order: Any) -> dict[str, Any]: ...

    def validate(self, payload: Mapping[str, Any]) -> dict[str, Any]: ...


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


def _store(order_id: Any, fields: dict[str, Any], content_object: models.Model | None) -> TamaraOrder | None:
    """INSERT the new order (linked to the shop's order), or ``None`` if the row exists already.

    The INSERT comes first, not a SELECT: Tamara made the order id a moment ago, so the row
    is almost never there, and a checkout is one statement instead of four (#17). Inside the
    shop's own transaction the INSERT gets a savepoint, so a refused one leaves it usable.
    """
    extra = {"shop_order": content_object} if content_object is not None else {}
    order = TamaraOrder(order_id=order_id, **fields, **extra)
    try:
        if transaction.get_connection(TamaraOrder.objects.db).in_atomic_block:
            with transaction.atomic():
                compiled.insert(order)
        else:
            compiled.insert(order)  # what create() does, with the INSERT built once (#17)
    except IntegrityError:
        return None
    return order


def create_session(
    source: PayloadBuilder | Mapping[str, Any],
    shop_order: Any = None,
    *,
    client: TamaraClient | None = None,
    builder: PayloadBuilder | None = None,
    content_object: models.Model | None = None,
    validated: bool = False,
) -> CheckoutSessionResult:
    """Validate, open the session at Tamara and store a ``TamaraOrder`` in status ``new``.

    ``source`` is a builder (then ``shop_order`` is the shop's order it reads) or a payload
    dict, validated by ``builder`` (a vertical's, say) or else by the builder of
    ``settings.TAMARA["BUILDER_CLASS"]``, unless ``validated`` says a builder already did.
    Raises :class:`~django_tamara.exceptions.PayloadInvalid` before any call when the payload
    breaks a rule, and the client's errors when Tamara refuses it. ``content_object`` (by
    default the shop order, when it is a saved model instance) is linked through the generic
    relation.
    """
    if isinstance(source, Mapping):
        payload = dict(source) if validated else (builder or tamara_settings.BUILDER_CLASS()).validate(source)
    elif callable(getattr(source, "build", None)):
        if shop_order is None:
            raise TypeError("create_session(builder, shop_order): the builder needs the shop's order")
        payload = source.build(shop_order)
    else:
        raise TypeError(f"create_session() takes a CheckoutBuilder or a payload dict, not {type(source).__name__}")

    if content_object is None and isinstance(shop_order, models.Model) and shop_order.pk is not None:
        content_object = shop_order

    session = (client or get_client()).create_checkout_session(payload)
    fields = order_fields(payload)
    fields.update(
        status=session.status if session.status in OrderStatus.values else OrderStatus.NEW,
        checkout_id=session.checkout_id,
        checkout_url=session.checkout_url,
        raw=plain_json(dict(session.raw or {})),
    )
    order = _store(session.order_id, fields, content_object)
    if order is None:
        # A notification got here first and its sync created the row: keep what Tamara said
        # since, add what only this answer knows.
        order = TamaraOrder.objects.get(order_id=session.order_id)
        order.checkout_id, order.checkout_url = session.checkout_id, session.checkout_url
        order.save(update_fields=["checkout_id", "checkout_url", "date_updated"])
        if content_object is not None and order.object_id is None:
            order.shop_order = content_object
            order.save(update_fields=["content_type", "object_id", "date_updated"])
    logger.info("Tamara checkout %s opened for %s", session.order_id, payload["order_reference_id"])
    return CheckoutSessionResult(order=order, checkout_url=session.checkout_url, session=session, payload=payload)
