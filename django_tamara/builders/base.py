"""``CheckoutBuilder``: a shop's order in, Tamara's create-checkout-session payload out.

A shop subclasses a builder and implements the few ``get_*`` hooks that read *its* order
(items, consumer, addresses, amounts, risk data). Everything else is done here: money in the
order's currency and quantised to its places, defaults from ``settings.TAMARA``, the total by
the one rule of :func:`django_tamara.amounts.expected_total`, merchant URLs from the app's URL
names, and validation by the vertical's ``serializer_class`` (DRF generics style: a class
attribute read by :meth:`CheckoutBuilder.get_serializer_class`).

Two layers, so a hook never has to know the payload's shape:

- ``get_*(order)`` read the shop's order and may return plain Python: dicts or objects,
  ``Money``/``Decimal``/``int`` amounts, ``date``, ``bool``; ``None`` means "not available".
- ``build_*(order)`` turn those answers into payload parts; override one only to change the
  translation itself.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from ..amounts import expected_total
from ..conf import tamara_settings
from ..exceptions import PayloadInvalid
from ..money import CURRENCY_COUNTRIES, Money, MoneyError
from .availability import Availability, is_available
from .serializers import CheckoutSerializer, field_names, validate_payload

if TYPE_CHECKING:
    from ..checkout import CheckoutSessionResult

__all__ = ["CheckoutBuilder", "HookNeeded", "pick"]

#: Where the defaults look for the shop order's own currency and grand total (issue #13).
ORDER_CURRENCY_NAMES = ("currency", "currency_code")
ORDER_TOTAL_NAMES = ("total_amount", "grand_total", "total")


class HookNeeded(PayloadInvalid):
    """The builder's defaults would send something the shop's order does not say (another
    currency, another total): ``hook`` names the ``get_*`` method to write. A
    :class:`~django_tamara.exceptions.PayloadInvalid`, so views that show payload errors show it."""

    def __init__(self, hook: str, field: str, message: str) -> None:
        self.hook = hook
        super().__init__({field: [message]})


def _shop_value(order: Any, names: Iterable[str]) -> Any:
    """The first of ``names`` the shop's order has (attribute or key; a callable is called)."""
    for name in names:
        try:
            value = order.get(name) if isinstance(order, Mapping) else getattr(order, name, None)
            if callable(value) and not isinstance(value, type):
                value = value()
        except Exception:  # a property or method that needs more than the order: not ours to read
            continue
        if value is not None:
            return value
    return None


def order_currency(order: Any) -> str | None:
    """The shop order's own currency: a ``currency`` (or ``currency_code``) it holds, else the
    currency of a ``Money`` total; ``None`` when it says none."""
    value = _shop_value(order, ORDER_CURRENCY_NAMES)
    if isinstance(value, str) and len(value) == 3 and value.isalpha():
        return value.upper()  # one Tamara does not take is refused by the serializer, at its path
    total = _shop_value(order, ORDER_TOTAL_NAMES)
    return total.currency if isinstance(total, Money) else None


def order_total(order: Any, currency: str) -> Money | None:
    """The shop order's own grand total (``total_amount``, ``grand_total`` or ``total``), as
    Money in ``currency`` unless it is Money already; ``None`` when it has no such number."""
    value = _shop_value(order, ORDER_TOTAL_NAMES)
    if isinstance(value, Money):
        return value
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float, str)):
        return None
    try:
        return Money(value, currency)
    except (MoneyError, ValueError, ArithmeticError):
        return None

#: The amount keys of an item; plain numbers there are read in the order's currency.
ITEM_MONEY_KEYS = ("unit_price", "tax_amount", "discount_amount", "total_amount")


def pick(source: Any, names: Iterable[str], aliases: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """The ``names`` that ``source`` (a mapping or any object) has, without ``None`` values.

    ``aliases`` maps a payload key to another name to read it from when the key itself is
    missing (an object cannot have an attribute ``class``, so travel data reads ``travel_class``).
    A callable attribute is called, as DRF does, so a model method can stand in for a field.
    """
    if source is None:
        return None
    aliases = aliases or {}
    is_mapping = isinstance(source, Mapping)
    out: dict[str, Any] = {}
    for name in names:
        for attr in (name, aliases.get(name)):
            if attr is None:
                continue
            value = source.get(attr) if is_mapping else getattr(source, attr, None)
            if callable(value) and not isinstance(value, type):
                value = value()
            if value is not None:
                out[name] = value
                break
    return out


class CheckoutBuilder:
    """The default e-commerce vertical (tamara-api.md §3).

    Implement at least :meth:`get_items` and :meth:`get_consumer`, usually also
    :meth:`get_shipping_address` and the amount hooks. ``builder.build(order)`` returns the
    validated, JSON-ready payload; ``builder.create_session(order)`` sends it.
    """

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

    #: Round plain amounts half-up to the currency's places (``Money`` does); ``False`` refuses
    #: an amount with too many places instead, with its path.
    quantize_amounts: bool = True
    #: The ``discount.name`` sent when :meth:`get_discount` returns a bare amount.
    discount_name: str = "Discount"

    #: Items that make Tamara unavailable (official plugins exclude products and categories).
    excluded_skus: Collection[str] = ()
    excluded_categories: Collection[str] = ()

    def __init__(self, request: HttpRequest | None = None, *, base_url: str | None = None) -> None:
        self.request = request
        self.base_url = base_url

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
                "get_currency", "currency",
                f"The order is in {own_currency} but the payload would be in {sent.currency}: write "
                f"{name}.get_currency(order) to return the order's currency.",
            )
        if self.get_total_amount(order) is not None:
            return  # the shop said what it charges; the serializer checked it against the parts
        own_total = order_total(order, sent.currency)
        if own_total is not None and own_total.currency != sent.currency:
            raise HookNeeded(
                "get_currency", "currency",
                f"The order's own total is {own_total} but the payload would be in {sent.currency}: write "
                f"{name}.get_currency(order) to return the order's currency.",
            )
        if own_total is not None and own_total != sent:
            raise HookNeeded(
                "get_total_amount", "total_amount",
                f"The order's own total is {own_total} but its items, tax, shipping and discount add up "
                f"to {sent}: write {name}.get_total_amount(order) to return the total you charge (the "
                "parts are then checked against it), or make the amount hooks match it.",
            )

    def validate(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and normalise a payload dict (built here or by hand); raises ``PayloadInvalid``."""
        return validate_payload(payload, self.get_serializer_class(), context=self.get_serializer_context())

    def get_serializer_class(self) -> type[CheckoutSerializer]:
        assert self.serializer_class is not None, f"{type(self).__name__} must set serializer_class"
        return self.serializer_class

    def get_serializer_context(self) -> dict[str, Any]:
        return {"request": self.request, "builder": self}

    def get_serializer(self, *args: Any, **kwargs: Any) -> CheckoutSerializer:
        kwargs.setdefault("context", self.get_serializer_context())
        return self.get_serializer_class()(*args, **kwargs)

    def create_session(self, order: Any, *, client: Any = None) -> CheckoutSessionResult:
        """Build, validate, call Tamara and store a ``TamaraOrder``; see :func:`django_tamara.checkout.create_session`."""
        from ..checkout import create_session

        return create_session(self, order, client=client)

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
        return (
            str(found.get("sku", "")) in {str(s) for s in self.excluded_skus}
            or found.get("category") in set(self.excluded_categories)
        )

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

    # Translation -----------------------------------------------------------------------------

    def get_payload(self, order: Any) -> dict[str, Any]:
        """The payload before validation, from the hooks (what :meth:`build` validates)."""
        currency = self.get_currency(order)
        items = self.build_items(order, currency)
        shipping = self.to_money(self.get_shipping_amount(order) or 0, currency)
        tax = self.to_money(self.get_tax_amount(order) or 0, currency)
        discount = self.build_discount(order, currency)
        consumer = self.build_consumer(order)
        reference_id = self.get_order_reference_id(order)

        payload: dict[str, Any] = {
            "total_amount": None,
            "shipping_amount": shipping,
            "tax_amount": tax,
            "order_reference_id": reference_id,
            "order_number": self.get_order_number(order),
        }
        if discount:
            payload["discount"] = discount
        risk = self.build_risk_assessment(order)
        if risk or self.get_serializer_class().risk_assessment_required:
            payload["risk_assessment"] = risk or {}
        payload["consumer"] = consumer
        payload["items"] = items
        payload["country_code"] = self.get_country_code(order)
        payload["description"] = self.get_description(order)
        payload["merchant_url"] = dict(self.get_merchant_urls(order))
        billing = self.build_address(self.get_billing_address(order), consumer, fill=False)
        if billing:
            payload["billing_address"] = billing
        shipping_address = self.build_address(self.get_shipping_address(order), consumer)
        if shipping_address:
            payload["shipping_address"] = shipping_address
        payload["locale"] = self.get_locale(order)
        payload["platform"] = self.get_platform(order)
        payload["is_mobile"] = self.get_is_mobile(order)
        payment_type = self.get_payment_type(order)
        if payment_type:
            payload["payment_type"] = payment_type
            instalments = self.get_instalments(order)
            if instalments and payment_type == "PAY_BY_INSTALMENTS":
                payload["instalments"] = instalments
        expires = self.get_expires_in_minutes(order)
        if expires:
            payload["expires_in_minutes"] = expires
        additional = self.get_additional_data(order)
        if additional:
            payload["additional_data"] = dict(additional)

        total = self.get_total_amount(order)
        payload["total_amount"] = (
            self.to_money(total, currency) if total is not None else self._add_up(payload, currency)
        )
        return payload

    def get_order_amount(self, order: Any, *, raw_items: Iterable[Any] | None = None) -> Money:
        """What the customer pays for ``order`` (the shop's total, or the parts added up)."""
        currency = self.get_currency(order)
        total = self.get_total_amount(order)
        if total is not None:
            money = self.to_money(total, currency)
            return money if isinstance(money, Money) else Money.from_api(money)
        parts = {
            "items": self.build_items(order, currency, raw_items=raw_items),
            "shipping_amount": self.to_money(self.get_shipping_amount(order) or 0, currency),
            "tax_amount": self.to_money(self.get_tax_amount(order) or 0, currency),
        }
        discount = self.build_discount(order, currency)
        if discount:
            parts["discount"] = discount
        return self._add_up(parts, currency)

    def build_items(self, order: Any, currency: str, *, raw_items: Iterable[Any] | None = None) -> list[dict[str, Any]]:
        names = self._child_fields("items")
        source = self.get_items(order) if raw_items is None else raw_items
        items = []
        for raw in source or ():
            item = pick(raw, names) or {}
            for key in ITEM_MONEY_KEYS:
                if key in item:
                    item[key] = self.to_money(item[key], currency)
            if "total_amount" not in item and "unit_price" in item:
                line_total = self._line_total(item)
                if line_total is not None:
                    item["total_amount"] = line_total
            items.append(item)
        return items

    def build_consumer(self, order: Any) -> dict[str, Any]:
        return pick(self.get_consumer(order), self._child_fields("consumer")) or {}

    def build_address(self, address: Any, consumer: Mapping[str, Any], *, fill: bool = True) -> dict[str, Any] | None:
        """An address dict; with ``fill``, names and phone default to the consumer's."""
        found = pick(address, self._child_fields("shipping_address"))
        if not found:
            return None
        if fill:
            for key in ("first_name", "last_name", "phone_number"):
                if key not in found and key in consumer:
                    found[key] = consumer[key]
        return found

    def build_discount(self, order: Any, currency: str) -> dict[str, Any] | None:
        discount = self.get_discount(order)
        if discount is None:
            return None
        if isinstance(discount, (Money, Decimal, int, str, float)):
            found = {"name": self.discount_name, "amount": discount}
        else:
            found = pick(discount, ("name", "amount")) or {}
            found.setdefault("name", self.discount_name)
        if "amount" in found:
            found["amount"] = self.to_money(found["amount"], currency)
            if isinstance(found["amount"], Money) and found["amount"].is_zero():
                return None
        return found

    def build_risk_assessment(self, order: Any) -> dict[str, Any]:
        """The shop's risk data; vertical builders add their own parts with ``super()``."""
        risk = self.get_risk_assessment(order)
        if risk is None:
            return {}
        if isinstance(risk, Mapping):
            return {k: v for k, v in risk.items() if v is not None}
        return pick(risk, field_names(self.get_serializer_class(), "risk_assessment")) or {}

    # Helpers ---------------------------------------------------------------------------------

    def to_money(self, value: Any, currency: str) -> Any:
        """``value`` as Money in ``currency``; left for the serializer to refuse (with its path)
        when it cannot be one, or when :attr:`quantize_amounts` is off and it has extra places."""
        if isinstance(value, (Money, Mapping)) or value is None:
            return value
        try:
            return Money(value, currency) if self.quantize_amounts else Money.parse(value, currency, strict=True)
        except MoneyError:
            return {"amount": value, "currency": currency}

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

    def _child_fields(self, name: str) -> tuple[str, ...]:
        return field_names(self.get_serializer_class(), name)

    @staticmethod
    def _line_total(item: Mapping[str, Any]) -> Money | None:
        """``unit_price × quantity − discount_amount``; ``None`` when those are not usable
        (the serializer then reports *them*, not a missing total)."""
        try:
            quantity = int(item.get("quantity", 1))
            # Read leniently: a unit price with too many places is reported at its own path.
            total = Money.from_api(item["unit_price"]) * quantity
            discount = item.get("discount_amount")
            return total - Money.from_api(discount) if discount is not None else total
        except (MoneyError, TypeError, ValueError):
            return None

    @staticmethod
    def _add_up(parts: Mapping[str, Any], currency: str) -> Money:
        """The total by the shared rule; zero if the parts are not yet money (the serializer
        then names what is wrong, so a guessed total never hides the real error)."""
        try:
            return expected_total({**parts, "total_amount": Money.zero(currency)})
        except (MoneyError, KeyError, TypeError, AttributeError):
            return Money.zero(currency)
