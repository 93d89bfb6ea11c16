"""``CheckoutBuilder``: a shop's order in, Tamara's create-checkout-session payload out.

A shop subclasses a builder and implements the few ``get_*`` hooks that read *its* order
(items, consumer, addresses, amounts, risk data); money in the order's currency, defaults
from ``settings.TAMARA``, the total and the merchant URLs come for free, and the vertical's
``serializer_class`` validates the result (DRF generics style: a class attribute read by
:meth:`~CheckoutBuilder.get_serializer_class`).

The class is put together from layers so that a hook never has to know the payload's shape,
and each layer can be read alone:

- :mod:`.hooks`: ``get_*(order)`` read the shop's order and may return plain Python (dicts or
  objects, ``Money``/``Decimal``/``int`` amounts, ``date``, ``bool``); ``None`` means "not
  available".
- :mod:`.assembly`: ``build_*(order)`` turn those answers into payload parts; override one only
  to change the translation itself.
- here: what a shop calls (``build``, ``is_available``, ``create_session``) and the check
  that the payload charges what the shop's order says (issue #13).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from .. import lifecycle
from ..exceptions import PayloadInvalid
from ..money import Money
from .assembly import PayloadAssembly
from .availability import Availability, is_available
from .payload_rules import CheckoutSerializer
from .shop_order import order_currency, order_total, pick
from .validation import validate_payload

if TYPE_CHECKING:
    from ..lifecycle import CheckoutSessionResult

__all__ = ["CheckoutBuilder", "HookNeeded", "pick"]  # pick lives in .shop_order; imported from here too


class HookNeeded(PayloadInvalid):
    """The builder's defaults would send something the shop's order does not say (another
    currency, another total): ``hook`` names the ``get_*`` method to write. A
    :class:`~django_tamara.exceptions.PayloadInvalid`, so views that show payload errors show it."""

    def __init__(self, hook: str, field: str, message: str) -> None:
        self.hook = hook
        super().__init__({field: [message]})


class CheckoutBuilder(PayloadAssembly):
    """The default e-commerce vertical (Tamara's "Create Checkout Session" page).

    Implement at least :meth:`get_items` and :meth:`get_consumer`, usually also
    :meth:`get_shipping_address` and the amount hooks. ``builder.build(order)`` returns the
    validated, JSON-ready payload; ``builder.create_session(order)`` sends it.
    """

    #: Items that make Tamara unavailable (official plugins exclude products and categories).
    excluded_skus: Collection[str] = ()
    excluded_categories: Collection[str] = ()

    # Public API ----------------------------------------------------------------------------

    def build(self, order: Any) -> dict[str, Any]:
        """The validated, normalised payload for ``order``; raises ``PayloadInvalid``, or
        :class:`HookNeeded` when the payload would charge another currency or total than the
        shop's order holds (:meth:`check_against_order`)."""
        payload = self.validate(self.get_payload(order))
        self.check_against_order(order, payload)
        return payload

    def check_against_order(self, order: Any, payload: Mapping[str, Any]) -> None:
        """Refuse a payload that charges what the shop did not mean (issue #13).

        Where the shop's order holds its own currency, the payload must be in it; where it
        holds its own grand total and :meth:`get_total_amount` gives none (the total is added
        up from the parts), the parts must add up to it. Otherwise :class:`HookNeeded` names
        the hook to write: ``get_currency`` or ``get_total_amount``.
        """
        sent = Money.from_api(payload["total_amount"])
        name = type(self).__name__
        own_currency = order_currency(order)
        if own_currency is not None and own_currency != sent.currency:
            raise HookNeeded(
                "get_currency",
                "currency",
                f"The order is in {own_currency} but the payload would be in {sent.currency}: write "
                f"{name}.get_currency(order) to return the order's currency.",
            )
        if self.get_total_amount(order) is not None:
            return  # the shop said what it charges; the serializer checked it against the parts
        own_total = order_total(order, sent.currency)
        if own_total is not None and own_total.currency != sent.currency:
            raise HookNeeded(
                "get_currency",
                "currency",
                f"The order's own total is {own_total} but the payload would be in {sent.currency}: write "
                f"{name}.get_currency(order) to return the order's currency.",
            )
        if own_total is not None and own_total != sent:
            raise HookNeeded(
                "get_total_amount",
                "total_amount",
                f"The order's own total is {own_total} but its items, tax, shipping and discount add up "
                f"to {sent}: write {name}.get_total_amount(order) to return the total you charge (the "
                "parts are then checked against it), or make the amount hooks match it.",
            )

    def validate(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and normalise a payload dict (built here or by hand); raises ``PayloadInvalid``."""
        return validate_payload(payload, self.get_serializer_class(), context=self.get_serializer_context())

    def get_serializer(self, *args: Any, **kwargs: Any) -> CheckoutSerializer:
        kwargs.setdefault("context", self.get_serializer_context())
        return self.get_serializer_class()(*args, **kwargs)

    def create_session(self, order: Any, *, client: Any = None) -> CheckoutSessionResult:
        """Build and validate the payload, then hand it to :func:`django_tamara.lifecycle.create_session`,
        which opens the session at Tamara and stores the ``TamaraOrder``."""
        return lifecycle.create_session(self.build(order), order, client=client, validated=True)

    def is_available(self, order: Any, *, client: Any = None, phone_number: str | None = None) -> Availability:
        """Whether to offer Tamara for ``order`` at all (see :mod:`.availability`)."""
        raw_items = list(self.get_items(order) or ())
        return is_available(
            self.get_order_amount(order, raw_items=raw_items),
            self.get_country_code(order),
            items=raw_items,
            is_item_excluded=self.is_item_excluded,
            phone_number=phone_number,
            client=client,
        )

    def is_item_excluded(self, item: Any) -> bool:
        """Whether one of the shop's items (as :meth:`get_items` returns it) rules Tamara out.

        By default: its ``sku`` is in :attr:`excluded_skus` or its ``category`` (a key or
        attribute of the shop's item; Tamara's items have none) in :attr:`excluded_categories`.
        """
        found = pick(item, ("sku", "category")) or {}
        skus = {str(s) for s in self.excluded_skus}
        return str(found.get("sku", "")) in skus or found.get("category") in set(self.excluded_categories)
