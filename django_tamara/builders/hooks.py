"""The questions a builder asks of a shop's order, each with the answer most shops want.

A shop overrides only the hooks whose default does not fit it, so every default here reads
``settings.TAMARA``, the request or the order's own fields before it gives up; a hook that
cannot have a default (the items, the consumer) says which method to write. Kept apart from
the payload assembly so a shop reading what it may override sees nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urljoin

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from ..conf import tamara_settings
from ..money import CURRENCY_COUNTRIES, Money
from .payload_rules import CheckoutSerializer
from .shop_order import order_currency

__all__ = ["CheckoutHooks"]


class CheckoutHooks:
    """The ``get_*`` hooks of :class:`~django_tamara.builders.CheckoutBuilder` and their defaults."""

    #: The DRF serializer of this vertical's payload (read by :meth:`get_serializer_class`).
    serializer_class: type[CheckoutSerializer] = CheckoutSerializer

    #: Defaults of the payload; ``None`` reads ``settings.TAMARA`` (see each ``get_*``).
    locale: str | None = None
    platform: str | None = None
    payment_type: str | None = None
    instalments: int | None = None
    expires_in_minutes: int | None = None

    #: Where Tamara sends the customer back, as URL names of ``django_tamara.urls``.
    merchant_url_names: Mapping[str, str] = {
        "success": "tamara:success",
        "failure": "tamara:failure",
        "cancel": "tamara:cancel",
        "notification": "tamara:webhook",
    }

    def __init__(self, request: HttpRequest | None = None, *, base_url: str | None = None) -> None:
        self.request = request
        self.base_url = base_url

    # Serializer (DRF generics style) ---------------------------------------------------------

    def get_serializer_class(self) -> type[CheckoutSerializer]:
        assert self.serializer_class is not None, f"{type(self).__name__} must set serializer_class"
        return self.serializer_class

    def get_serializer_context(self) -> dict[str, Any]:
        return {"request": self.request, "builder": self}

    # Hooks a shop implements -----------------------------------------------------------------

    def get_order_reference_id(self, order: Any) -> Any:
        """The shop's unique id of the order (used in Tamara's settlement); default ``order.pk``."""
        for attr in ("order_reference_id", "pk", "id"):
            value = getattr(order, attr, None)
            if value is not None:
                return value
        raise NotImplementedError(f"{type(self).__name__} must implement get_order_reference_id(order)")

    def get_order_number(self, order: Any) -> Any:
        """The number the customer sees; defaults to the reference id, as Tamara does."""
        return self.get_order_reference_id(order)

    def get_items(self, order: Any) -> Iterable[Any]:
        """The order's lines: dicts or objects with ``reference_id, type, name, sku, quantity,
        total_amount`` (and optionally ``unit_price, tax_amount, discount_amount, item_url,
        image_url``). Amounts may be ``Money`` or plain numbers in the order's currency; a
        missing ``total_amount`` is ``unit_price × quantity − discount_amount``."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_items(order)")

    def get_consumer(self, order: Any) -> Any:
        """The customer: ``first_name, last_name, phone_number`` and optionally ``email``
        (a dict or an object such as your customer model)."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_consumer(order)")

    def get_shipping_address(self, order: Any) -> Any:
        """``first_name, last_name, line1, line2, region, postal_code, city, country_code,
        phone_number``; names and phone default to the consumer's. ``None`` only if every
        item is digital."""
        return None

    def get_billing_address(self, order: Any) -> Any:
        """Same keys as the shipping address, all optional; ``None`` leaves it out."""
        return None

    def get_shipping_amount(self, order: Any) -> Money | Decimal | int | None:
        return None

    def get_tax_amount(self, order: Any) -> Money | Decimal | int | None:
        """The order's tax. When items carry their own ``tax_amount`` those count instead
        (see :func:`django_tamara.amounts.expected_total`)."""
        return None

    def get_discount(self, order: Any) -> Any:
        """A coupon: ``None``, an amount (sent with :attr:`discount_name`) or ``{name, amount}``."""
        return None

    def get_total_amount(self, order: Any) -> Money | Decimal | int | None:
        """The shop's grand total, checked against the parts; ``None`` adds the parts up."""
        return None

    def get_currency(self, order: Any) -> str:
        """The order's own currency (its ``currency`` or ``currency_code``, or its ``Money``
        total's) where it has one, else ``settings.TAMARA["CURRENCY"]``."""
        return order_currency(order) or tamara_settings.CURRENCY

    def get_country_code(self, order: Any) -> str:
        """``settings.TAMARA["COUNTRY_CODE"]``, or the country of the order's currency when the
        order is not in the settings' currency (each currency is accepted in one country)."""
        currency = self.get_currency(order)
        if currency != tamara_settings.CURRENCY and currency in CURRENCY_COUNTRIES:
            return CURRENCY_COUNTRIES[currency]
        return tamara_settings.COUNTRY_CODE

    def get_description(self, order: Any) -> str:
        return f"Order {self.get_order_number(order)}"

    def get_risk_assessment(self, order: Any) -> Any:
        """Risk data (a dict, or an object read for the serializer's risk keys); ``None`` for none."""
        return None

    def get_additional_data(self, order: Any) -> Mapping[str, Any] | None:
        return None

    def get_merchant_urls(self, order: Any) -> Mapping[str, str]:
        """Absolute ``success``, ``failure``, ``cancel`` and ``notification`` URLs.

        Reversed from :attr:`merchant_url_names` and made absolute with the request (or the
        ``base_url`` the builder was given).
        """
        urls = {}
        for key, name in self.merchant_url_names.items():
            try:
                path = reverse(name)
            except NoReverseMatch:
                raise ImproperlyConfigured(
                    f"Cannot reverse the URL name {name!r} for merchant_url.{key}. Include "
                    "path('tamara/', include('django_tamara.urls')) in your URLconf, or override "
                    f"{type(self).__name__}.get_merchant_urls()."
                ) from None
            urls[key] = self.absolute_url(path)
        return urls

    # Defaults from settings (rarely overridden) --------------------------------------------

    def get_locale(self, order: Any) -> str:
        """The class attribute, else the request's language if Arabic or English, else settings."""
        if self.locale:
            return self.locale
        language = (getattr(self.request, "LANGUAGE_CODE", "") or "").lower()
        if language.startswith("ar"):
            return "ar_SA"
        if language.startswith("en"):
            return "en_US"
        return tamara_settings.LOCALE

    def get_platform(self, order: Any) -> str:
        return self.platform or tamara_settings.PLATFORM

    def get_is_mobile(self, order: Any) -> bool:
        """Whether the request's User-Agent is a mobile browser's (``Mobi``, per MDN's advice)."""
        agent = self.request.META.get("HTTP_USER_AGENT", "") if self.request is not None else ""
        return "Mobi" in agent

    def get_payment_type(self, order: Any) -> str | None:
        return self.payment_type or tamara_settings.PAYMENT_TYPE

    def get_instalments(self, order: Any) -> int | None:
        return self.instalments if self.instalments is not None else tamara_settings.INSTALMENTS

    def get_expires_in_minutes(self, order: Any) -> int | None:
        if self.expires_in_minutes is not None:
            return self.expires_in_minutes
        return tamara_settings.CHECKOUT_EXPIRY_MINUTES

    # URLs ----------------------------------------------------------------------------------

    def absolute_url(self, path: str) -> str:
        """``path`` made absolute with the request, else with ``base_url``."""
        if self.request is not None:
            return self.request.build_absolute_uri(path)
        if self.base_url:
            return urljoin(self.base_url, path)
        raise ImproperlyConfigured(
            f"{type(self).__name__} needs a request or a base_url to build absolute merchant URLs: "
            f"{type(self).__name__}(request) or {type(self).__name__}(base_url='https://shop.example')."
        )
