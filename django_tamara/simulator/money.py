"""The simulator's own money, written from Tamara's documentation (not shared with the app).

Tamara sends amounts as JSON numbers in ``{"amount": ..., "currency": ...}`` objects. The
docs' money pages give 2 decimals by default and 3 for BHD and KWD; OMR has 3 under ISO 4217.
Amounts here are ``Decimal`` quantised to their currency, never float except at the JSON edge
(:meth:`Money.to_api`). Kept apart from ``django_tamara.money`` on purpose (issue #13): if the
app's rules drift from Tamara's, the simulator disagrees and a test shows it.
"""

from __future__ import annotations

import decimal
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Mapping

__all__ = ["DECIMALS", "COUNTRY_OF", "CURRENCY_OF", "Money", "MoneyError", "exponent"]

#: Decimal places per currency (Tamara's telecom and marketplace pages; ISO 4217 for OMR).
DECIMALS: dict[str, int] = {"SAR": 2, "AED": 2, "KWD": 3, "BHD": 3, "OMR": 3}

#: The one country each currency is sold in (Tamara refuses other pairs with
#: ``total_amount_invalid_currency``).
COUNTRY_OF: dict[str, str] = {"SAR": "SA", "AED": "AE", "KWD": "KW", "BHD": "BH", "OMR": "OM"}

#: Country code to currency.
CURRENCY_OF: dict[str, str] = {country: currency for currency, country in COUNTRY_OF.items()}

_INTEGER_DIGITS = 12  # amounts beyond this are refused, as no shop sells such orders


class MoneyError(ValueError):
    """An amount or currency that cannot be money."""


def exponent(currency: Any) -> int:
    if not isinstance(currency, str) or currency not in DECIMALS:
        raise MoneyError(f"unknown currency {currency!r}: Tamara supports {', '.join(DECIMALS)}")
    return DECIMALS[currency]


def _exact(value: Any) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise MoneyError(f"amount must be a number, got {value!r}")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # 7.35 stays 7.35
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except decimal.InvalidOperation:
            raise MoneyError(f"amount {value!r} is not a number") from None
    else:
        raise MoneyError(f"amount must be a number, got {type(value).__name__}")
    if not number.is_finite():
        raise MoneyError(f"amount {value!r} is not a finite number")
    if number and number.adjusted() >= _INTEGER_DIGITS:
        raise MoneyError(f"amount {value!r} is too large")
    return number


class Money:
    """An immutable amount of one currency, quantised half-up to the currency's decimals."""

    __slots__ = ("amount", "currency")

    amount: Decimal
    currency: str

    def __init__(self, amount: Any, currency: str) -> None:
        currency = currency.upper() if isinstance(currency, str) else currency
        places = exponent(currency)
        object.__setattr__(self, "currency", currency)
        object.__setattr__(self, "amount", _exact(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Money is immutable")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def parse(cls, amount: Any, currency: str, *, strict: bool = False) -> Money:
        """With ``strict``, refuse more decimals than the currency has instead of rounding."""
        exact = _exact(amount)
        money = cls(exact, currency)
        if strict and money.amount != exact:
            raise MoneyError(
                f"amount {amount} has more than {exponent(money.currency)} decimal places allowed for {money.currency}"
            )
        return money

    @classmethod
    def from_api(cls, data: Any, *, strict: bool = False) -> Money:
        if isinstance(data, Money):
            return data
        if not isinstance(data, Mapping):
            raise MoneyError(f"money must be an object with amount and currency, got {data!r}")
        for key in ("amount", "currency"):
            if key not in data:
                raise MoneyError(f"money object is missing {key!r}")
        return cls.parse(data["amount"], data["currency"], strict=strict)

    def to_api(self) -> dict[str, Any]:
        return {"amount": float(self.amount), "currency": self.currency}

    # Arithmetic: only with Money of the same currency (any object with ``amount`` and
    # ``currency`` counts, so a test may compare with the app's Money).

    def _other(self, other: Any) -> Decimal:
        amount, currency = getattr(other, "amount", None), getattr(other, "currency", None)
        if not isinstance(amount, Decimal) or not isinstance(currency, str):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {currency}")
        return amount

    def __add__(self, other: Any) -> Money:
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self  # sum() starts from 0
        return Money(self.amount + self._other(other), self.currency)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Money:
        return Money(self.amount - self._other(other), self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Any) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, (int, Decimal)):
            raise TypeError("Money can only be multiplied by an int or a Decimal")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __eq__(self, other: Any) -> bool:
        amount, currency = getattr(other, "amount", None), getattr(other, "currency", None)
        if not isinstance(amount, Decimal) or not isinstance(currency, str):
            return NotImplemented
        return currency == self.currency and amount == self.amount

    def __hash__(self) -> int:
        return hash((self.amount, self.currency))

    def __lt__(self, other: Any) -> bool:
        return self.amount < self._other(other)

    def __le__(self, other: Any) -> bool:
        return self.amount <= self._other(other)

    def __gt__(self, other: Any) -> bool:
        return self.amount > self._other(other)

    def __ge__(self, other: Any) -> bool:
        return self.amount >= self._other(other)

    def __bool__(self) -> bool:
        return bool(self.amount)

    def is_zero(self) -> bool:
        return not self.amount

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def __repr__(self) -> str:
        return f"Money('{self.amount}', '{self.currency}')"
