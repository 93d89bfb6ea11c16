"""Money as Tamara counts it: a ``Decimal`` amount in one of the Gulf currencies.

Tamara's API sends amounts as JSON numbers and expects 2 decimals for SAR and AED but 3 for
BHD, KWD and OMR. Plugins that round everything to 2 decimals (or use floats) lose fils on
every Kuwaiti order, so every amount in this package is a :class:`Money`: quantised to its
currency's exponent, never a float except at the JSON boundary (:meth:`Money.to_api`).
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Mapping

from .wire import json_number

__all__ = [
    "CURRENCY_EXPONENTS",
    "CURRENCY_COUNTRIES",
    "MAX_DIGITS",
    "Money",
    "MoneyError",
    "UnknownCurrency",
    "InvalidAmount",
    "CurrencyMismatch",
    "parse_amount",
    "quantize",
    "exponent_for",
]

#: Decimal places per currency: 2 by default, 3 for the dinars and the rial (ISO 4217).
CURRENCY_EXPONENTS: dict[str, int] = {"SAR": 2, "AED": 2, "BHD": 3, "KWD": 3, "OMR": 3}

#: The country each currency is accepted in (Tamara refuses other pairs).
CURRENCY_COUNTRIES: dict[str, str] = {"SAR": "SA", "AED": "AE", "BHD": "BH", "KWD": "KW", "OMR": "OM"}

#: Digits an amount may have in all; matches ``DecimalField(max_digits=15, decimal_places=3)``.
MAX_DIGITS = 15


class MoneyError(ValueError):
    """Base class: an amount or currency that cannot be money."""


class UnknownCurrency(MoneyError):
    pass


class InvalidAmount(MoneyError):
    pass


class CurrencyMismatch(MoneyError):
    pass


def exponent_for(currency: str) -> int:
    """Decimal places of ``currency``; raises :class:`UnknownCurrency` for anything else."""
    try:
        return CURRENCY_EXPONENTS[currency]
    except (KeyError, TypeError):
        supported = ", ".join(CURRENCY_EXPONENTS)
        raise UnknownCurrency(f"unknown currency {currency!r}: Tamara supports {supported}") from None


def parse_amount(value: Any) -> Decimal:
    """Turn a JSON amount (int, float, str or Decimal) into an exact, finite ``Decimal``.

    A float is read through its shortest ``repr`` (``7.35`` becomes ``Decimal("7.35")``, not
    ``7.3499999999999996447...``). Booleans, NaN, infinities and numbers too large for the
    database column are refused.
    """
    if isinstance(value, bool) or value is None:
        raise InvalidAmount(f"amount must be a number, got {value!r}")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except decimal.InvalidOperation:
            raise InvalidAmount(f"amount {value!r} is not a number") from None
    else:
        raise InvalidAmount(f"amount must be a number, got {type(value).__name__}")
    if not number.is_finite():
        raise InvalidAmount(f"amount {value!r} is not a finite number")
    if number.adjusted() >= MAX_DIGITS - 3:
        raise InvalidAmount(f"amount {value!r} is too large (at most {MAX_DIGITS - 3} integer digits)")
    return number


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` half-up to the decimal places of ``currency``."""
    places = exponent_for(currency)
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Money:
    """An immutable amount of one currency, always quantised to that currency's exponent.

    ``Money("1.005", "SAR")`` is 1.01 SAR (half-up); ``Money("1.005", "KWD")`` stays 1.005.
    Use :meth:`parse` with ``strict=True`` where extra decimals must be refused instead.
    """

    amount: Decimal
    currency: str

    def __init__(self, amount: Any, currency: str) -> None:
        currency = currency.upper() if isinstance(currency, str) else currency
        exponent_for(currency)
        object.__setattr__(self, "currency", currency)
        object.__setattr__(self, "amount", quantize(parse_amount(amount), currency))

    # Construction -----------------------------------------------------------------------

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def parse(cls, amount: Any, currency: str, *, strict: bool = False) -> Money:
        """Build Money from a raw amount; with ``strict`` refuse more decimals than allowed."""
        exact = parse_amount(amount)
        money = cls(exact, currency)
        if strict and money.amount != exact:
            raise InvalidAmount(
                f"amount {amount} has more than {exponent_for(money.currency)} decimal places "
                f"allowed for {money.currency}"
            )
        return money

    @classmethod
    def from_api(cls, data: Any, *, strict: bool = False) -> Money:
        """Read Tamara's ``{"amount": 7.35, "currency": "SAR"}`` object."""
        if isinstance(data, Money):
            return data
        if not isinstance(data, Mapping):
            raise InvalidAmount(f"money must be an object with amount and currency, got {data!r}")
        for key in ("amount", "currency"):
            if key not in data:
                raise InvalidAmount(f"money object is missing {key!r}")
        return cls.parse(data["amount"], data["currency"], strict=strict)

    def to_api(self) -> dict[str, Any]:
        """Tamara's JSON shape. The float is exact in text: 15 digits survive ``repr``."""
        return {"amount": json_number(self.amount), "currency": self.currency}

    # Arithmetic -------------------------------------------------------------------------

    def _same(self, other: Any) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")
        return other

    def __add__(self, other: Any) -> Money:
        if other == 0 and not isinstance(other, Money):  # lets sum() start from 0
            return self
        return Money(self.amount + self._same(other).amount, self.currency)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Any) -> Money:
        if isinstance(factor, (Money, float, bool)) or not isinstance(factor, (int, Decimal)):
            raise TypeError("Money can only be multiplied by an int or a Decimal")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Any) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Any) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Any) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Any) -> bool:
        return self.amount >= self._same(other).amount

    def __bool__(self) -> bool:
        return bool(self.amount)

    def is_zero(self) -> bool:
        return not self.amount

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def __repr__(self) -> str:
        return f"Money('{self.amount}', '{self.currency}')"
