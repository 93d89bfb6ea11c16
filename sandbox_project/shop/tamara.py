"""The sandbox's Tamara builders: the worked examples of extending the app by subclassing.

Each of Tamara's four verticals asks for different data. The app ships one builder per
vertical; a shop subclasses the one it is onboarded as and implements the ``get_*`` hooks that
read *its* order. Everything the four have in common here (lines, customer, address, risk
data) is written once in :class:`ShopOrderHooks`, a mixin placed before the app's builder so
its hooks win; each vertical then adds only what its table asks for:

=========================  ====================================  ===========================
Builder                    App base class                        Adds
=========================  ====================================  ===========================
ShopCheckoutBuilder        CheckoutBuilder                       nothing: the plain shop
ShopMarketplaceBuilder     MarketplaceCheckoutBuilder            ``get_sub_merchant``
ShopTelecomBuilder         TelecomCheckoutBuilder                item types of plans, channel
ShopTravelBuilder          TravelCheckoutBuilder                 ``get_travel_data``
=========================  ====================================  ===========================

The checkout view picks one with :func:`builder_for` and calls ``create_session``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest

from django_tamara.builders import (
    CheckoutBuilder,
    MarketplaceCheckoutBuilder,
    TelecomCheckoutBuilder,
    TravelCheckoutBuilder,
)

from .models import OrderLine, Product, ShopOrder

__all__ = [
    "ShopOrderHooks",
    "ShopCheckoutBuilder",
    "ShopMarketplaceBuilder",
    "ShopTelecomBuilder",
    "ShopTravelBuilder",
    "BUILDERS",
    "builder_for",
]


class ShopOrderHooks:
    """The hooks every vertical shares, reading a :class:`ShopOrder`.

    A mixin rather than a base builder, so each shop builder still inherits from exactly one
    of the app's vertical builders (and gets that vertical's serializer and risk keys).
    """

    #: Tamara's item ``type`` per kind of product; a vertical may say it differently.
    item_types: dict[str, str] = {
        Product.Kind.GOODS: "Physical",
        Product.Kind.PLAN: "Digital",
        Product.Kind.FLIGHT: "Digital",
    }

    def get_order_reference_id(self, order: ShopOrder) -> str:
        return order.reference

    def get_description(self, order: ShopOrder) -> str:
        names = ", ".join(line.name for line in order.lines.all())
        return f"Sandbox order {order.reference}: {names}"[:256]

    def get_currency(self, order: ShopOrder) -> str:
        return order.currency

    def get_items(self, order: ShopOrder) -> Iterable[dict[str, Any]]:
        return [self.get_item(order, line) for line in order.lines.select_related("product")]

    def get_item(self, order: ShopOrder, line: OrderLine) -> dict[str, Any]:
        """One line as Tamara's item; the total is ``unit_price × quantity`` (the builder's rule)."""
        item: dict[str, Any] = {
            "reference_id": str(line.pk),
            "type": self.item_types.get(line.product.kind, "Physical"),
            "name": line.name,
            "sku": line.sku,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
        }
        if self.request is not None:  # type: ignore[attr-defined]  # mixed into a CheckoutBuilder
            item["item_url"] = self.absolute_url(line.product.get_absolute_url())  # type: ignore[attr-defined]  # as above
        return item

    def get_consumer(self, order: ShopOrder) -> dict[str, Any]:
        return {
            "first_name": order.first_name,
            "last_name": order.last_name,
            "phone_number": order.phone_number,
            "email": order.email or None,
        }

    def get_shipping_address(self, order: ShopOrder) -> dict[str, Any]:
        # Names and phone default to the consumer's (CheckoutBuilder.build_address).
        return {"line1": order.line1, "city": order.city, "region": order.region, "country_code": order.country_code}

    def get_shipping_amount(self, order: ShopOrder) -> Any:
        return order.shipping_amount

    def get_total_amount(self, order: ShopOrder) -> Any:
        # The shop's own grand total: the builder checks it against the parts.
        return order.total

    def get_risk_assessment(self, order: ShopOrder) -> dict[str, Any]:
        """The four keys every vertical requires. The sandbox has no accounts, so the customer
        is known by phone number: their earlier orders count, their first order dates them."""
        earlier = ShopOrder.objects.filter(phone_number=order.phone_number).exclude(pk=order.pk)
        first = earlier.order_by("created").values_list("created", flat=True).first()
        return {
            "is_premium_customer": False,
            "account_creation_date": (first or order.created or dt.datetime.now()).date(),
            "total_order_count": earlier.count(),
            "risk_score": 0,
            "is_guest_user": True,
        }


class ShopCheckoutBuilder(ShopOrderHooks, CheckoutBuilder):
    """The plain online shop (e-commerce): the common hooks are all it needs."""


class ShopMarketplaceBuilder(ShopOrderHooks, MarketplaceCheckoutBuilder):
    """A marketplace: every product is sold by a vendor, Tamara's *sub-merchant*.

    Tamara's marketplace table takes one sub-merchant per checkout. A basket from several
    vendors is sent with the vendor of the largest share; a marketplace that settles per
    vendor would open one checkout per vendor instead.
    """

    def get_sub_merchant(self, order: ShopOrder) -> dict[str, Any]:
        shares: dict[int, Any] = {}
        vendors = {}
        for line in order.lines.select_related("product__vendor"):
            vendor = line.product.vendor
            vendors[vendor.pk] = vendor
            shares[vendor.pk] = shares.get(vendor.pk, 0) + line.total
        vendor = vendors[max(shares, key=lambda pk: (shares[pk], -pk))]
        return {
            "id": vendor.code,
            "name": vendor.name,
            "category": vendor.category,
            "tier": vendor.tier,
            "joining_date": vendor.joined_on,
        }


class ShopTelecomBuilder(ShopOrderHooks, TelecomCheckoutBuilder):
    """A telecom operator: plans are services (no shipping needed), sold online."""

    item_types = {**ShopOrderHooks.item_types, Product.Kind.PLAN: "mobile_prepaid_plan"}

    def get_sales_channel(self, order: ShopOrder) -> str:
        return "online_eshop"


class ShopTravelBuilder(ShopOrderHooks, TravelCheckoutBuilder):
    """A flight booking: the flight the customer entered at checkout is Tamara's ``travel_data``."""

    def get_travel_data(self, order: ShopOrder) -> dict[str, Any]:
        flight = order.vertical_data or {}
        return {
            "origin": flight.get("origin", "RUH"),
            "destination": flight.get("destination", "JED"),
            "travel_type": flight.get("travel_type", "Domestic"),
            "trip_type": flight.get("trip_type", "OneWay"),
            "class": flight.get("travel_class", "Economy"),
            "number_of_passengers": int(flight.get("passengers", 1)),
            "travel_date": flight.get("travel_date") or (dt.date.today() + dt.timedelta(days=14)).isoformat(),
            "is_refundable_booking": bool(flight.get("refundable", False)),
        }


#: The builder of each vertical the checkout page offers.
BUILDERS: dict[str, type[CheckoutBuilder]] = {
    ShopOrder.Vertical.SHOP: ShopCheckoutBuilder,
    ShopOrder.Vertical.MARKETPLACE: ShopMarketplaceBuilder,
    ShopOrder.Vertical.TELECOM: ShopTelecomBuilder,
    ShopOrder.Vertical.TRAVEL: ShopTravelBuilder,
}


def builder_for(order: ShopOrder, request: HttpRequest | None = None, **kwargs: Any) -> CheckoutBuilder:
    """The builder of ``order.vertical``, bound to the request (for absolute merchant URLs)."""
    return BUILDERS[order.vertical](request, **kwargs)
