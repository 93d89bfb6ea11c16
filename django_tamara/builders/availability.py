"""Whether to offer Tamara for an order, decided before the customer picks it.

The official plugins hide Tamara rather than let a customer fail after the redirect: when the
currency and country do not pair, when the cart holds an excluded product or category, and
when the amount is outside the limits Tamara returns for the merchant (which vary by merchant,
country and currency, so they are fetched, never hard-coded). The limits are cached with
Django's cache for five minutes per (country, currency), as Tamara's Magento plugin caches its
pre-check (tamara-solution/magento, ``Helper/AbstractData.php``); a failed fetch hides Tamara
for a minute (that plugin hides it for 15 after a transport error:
``Model/Adapter/TamaraAdapter.php``), so a Tamara outage neither breaks nor slows down every
checkout page.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext as _

from ..client import get_client
from ..exceptions import TamaraError
from ..money import CURRENCY_COUNTRIES, Money, MoneyError

logger = logging.getLogger("django_tamara.availability")

__all__ = ["Availability", "PaymentLimit", "is_available", "payment_limits", "LIMITS_TTL", "FAILURE_TTL"]

#: Seconds the payment-type limits are cached per (country, currency).
LIMITS_TTL = 5 * 60
#: Seconds Tamara stays hidden after the limits could not be fetched.
FAILURE_TTL = 60

_UNAVAILABLE = "unavailable"


@dataclass(frozen=True, slots=True)
class Availability:
    """The answer, with a reason a shop can log (or show) when it is ``False``."""

    available: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.available


@dataclass(frozen=True, slots=True)
class PaymentLimit:
    """One payment type's range of order amounts."""

    name: str
    min_limit: Money
    max_limit: Money

    def covers(self, amount: Money) -> bool:
        return self.min_limit <= amount <= self.max_limit


def _limit(data: Any, currency: str) -> Money | None:
    if not isinstance(data, dict) or data.get("amount") is None:
        return None
    try:
        return Money(data["amount"], data.get("currency") or currency)
    except MoneyError:
        return None


def _cache_key(*parts: Any) -> str:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]
    return f"django_tamara:availability:{digest}"


def _client(client: Any) -> Any:
    return client if client is not None else get_client()


def payment_limits(country: str, currency: str, *, client: Any = None) -> list[PaymentLimit] | None:
    """The payment types' limits for (country, currency), cached; ``None`` if Tamara failed.

    Cached as plain strings, so any cache backend can store them.
    """
    key = _cache_key("limits", country, currency)
    cached = cache.get(key)
    if cached == _UNAVAILABLE:
        return None
    if cached is None:
        try:
            types = _client(client).payment_types(country, currency)
        except TamaraError as error:
            logger.warning("Tamara payment types for %s/%s failed: %s", country, currency, error)
            cache.set(key, _UNAVAILABLE, FAILURE_TTL)
            return None
        cached = []
        for entry in types or ():
            low, high = _limit(entry.get("min_limit"), currency), _limit(entry.get("max_limit"), currency)
            if low is not None and high is not None and low.currency == high.currency == currency:
                cached.append((str(entry.get("name") or ""), str(low.amount), str(high.amount)))
        cache.set(key, cached, LIMITS_TTL)
    return [
        PaymentLimit(name, Money(Decimal(low), currency), Money(Decimal(high), currency)) for name, low, high in cached
    ]


def _pre_check(amount: Money, country: str, phone_number: str, client: Any) -> bool | None:
    """Tamara's answer for this customer (payment-options pre-check), cached like the limits."""
    key = _cache_key("pre-check", country, amount.currency, amount.amount, phone_number)
    cached = cache.get(key)
    if cached is None:
        try:
            options = _client(client).payment_options_pre_check(country, amount, phone_number=phone_number)
        except TamaraError as error:
            logger.warning("Tamara payment-options pre-check failed: %s", error)
            return None
        has = getattr(options, "has_available_payment_options", None)
        if has is None and isinstance(options, dict):
            has = options.get("has_available_payment_options")
        cached = "yes" if has else "no"
        cache.set(key, cached, LIMITS_TTL)
    return cached == "yes"


def is_available(
    amount: Money,
    country_code: str,
    *,
    items: Iterable[Any] | None = None,
    is_item_excluded: Callable[[Any], bool] | None = None,
    phone_number: str | None = None,
    client: Any = None,
) -> Availability:
    """Whether Tamara can be offered for ``amount`` in ``country_code``.

    In order, cheapest first: the currency's country, excluded items (``is_item_excluded``
    over ``items``), the payment types' limits (any type covering the amount will do) and,
    given a ``phone_number``, Tamara's pre-check for that customer.
    """
    expected = CURRENCY_COUNTRIES.get(amount.currency)
    if expected != country_code:
        return Availability(
            False,
            _("%(currency)s is not accepted in %(country)s.") % {"currency": amount.currency, "country": country_code},
        )
    if is_item_excluded is not None:
        for item in items or ():
            if is_item_excluded(item):
                return Availability(False, _("The order contains an item Tamara is not offered for."))
    limits = payment_limits(country_code, amount.currency, client=client)
    if limits is None:
        return Availability(False, _("Tamara's limits could not be fetched."))
    if not limits:
        return Availability(
            False,
            _("Tamara offers no payment type for %(country)s in %(currency)s.")
            % {"country": country_code, "currency": amount.currency},
        )
    if not any(limit.covers(amount) for limit in limits):
        low = min(limit.min_limit for limit in limits)
        high = max(limit.max_limit for limit in limits)
        return Availability(
            False,
            _("%(amount)s is outside Tamara's limits (%(low)s to %(high)s).")
            % {"amount": amount, "low": low, "high": high},
        )
    if phone_number:
        answer = _pre_check(amount, country_code, phone_number, client)
        if answer is False:
            return Availability(False, _("Tamara has no payment option for this customer."))
        if answer is None:
            return Availability(False, _("Tamara's pre-check could not be reached."))
    return Availability(True)
