"""Payment types and their limits, per currency, as the payment-types and pre-check APIs report.

Tamara's limits vary per merchant, country and currency, and the payment-types API reports
them so that shops need not hard-code them; the simulator therefore makes them configurable
(``POST /simulator/config {"limits": ...}``) and checks checkout totals against the same
table it reports.
The defaults are SAR figures, scaled for the other currencies by their rough exchange rate.
"""

from __future__ import annotations

import copy
import threading
from decimal import Decimal
from typing import Any, Mapping

from .errors import SimulatorError
from .money import COUNTRY_OF as CURRENCY_COUNTRIES
from .money import DECIMALS as CURRENCY_EXPONENTS
from .money import Money

__all__ = ["PaymentLimits", "DEFAULT_LIMITS", "PAYMENT_LABELS"]

#: Rough value of one SAR in each currency, used only to scale the default limits.
_SAR_RATE = {"SAR": Decimal(1), "AED": Decimal(1), "BHD": Decimal("0.1"), "KWD": Decimal("0.08"), "OMR": Decimal("0.1")}

_SAR_DEFAULTS: dict[str, dict[str, Any]] = {
    "PAY_BY_INSTALMENTS": {"min": Decimal(10), "max": Decimal(5000), "instalments": [2, 3, 4, 6]},
    "PAY_NOW": {"min": Decimal(1), "max": Decimal(20000), "instalments": []},
}


def _default_limits() -> dict[str, dict[str, dict[str, Any]]]:
    limits: dict[str, dict[str, dict[str, Any]]] = {}
    for currency, rate in _SAR_RATE.items():
        limits[currency] = {
            ptype: {
                "min": Money(spec["min"] * rate, currency).amount,
                "max": Money(spec["max"] * rate, currency).amount,
                "instalments": list(spec["instalments"]),
            }
            for ptype, spec in _SAR_DEFAULTS.items()
        }
    return limits


#: ``{currency: {payment_type: {"min": Decimal, "max": Decimal, "instalments": [int]}}}``.
DEFAULT_LIMITS = _default_limits()

#: Customer-facing descriptions of each option, in English and Arabic.
PAYMENT_LABELS = {
    "PAY_BY_INSTALMENTS": ("Pay in {n} interest-free payments", "قسّمها على {n} دفعات بدون فوائد"),
    "PAY_NOW": ("Pay now in full with Tamara", "ادفع كامل المبلغ الآن مع تمارا"),
}

_COUNTRY_CURRENCY = {country: currency for currency, country in CURRENCY_COUNTRIES.items()}


class PaymentLimits:
    """The configurable limits table; thread-safe, replaced wholesale on update."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()  # serialises read-modify-write updates
        self._limits = copy.deepcopy(DEFAULT_LIMITS)

    def reset(self) -> None:
        with self._lock:
            self._limits = copy.deepcopy(DEFAULT_LIMITS)

    def update(self, changes: Mapping[str, Any]) -> None:
        """Merge ``{currency: {payment_type: {min?, max?, instalments?} | None}}``.

        ``None`` for a payment type removes it (the option is then unavailable in that
        currency). Amounts must have the currency's decimals at most.
        """
        if not isinstance(changes, Mapping):
            raise SimulatorError(400, "limits must be an object keyed by currency", "invalid_limits")
        with self._write_lock:
            self._merge(changes)

    def _merge(self, changes: Mapping[str, Any]) -> None:
        new = copy.deepcopy(self.snapshot())
        for currency, types in changes.items():
            if currency not in CURRENCY_EXPONENTS or not isinstance(types, Mapping):
                raise SimulatorError(400, f"limits: unknown currency {currency!r}", "invalid_limits")
            table = new.setdefault(currency, {})
            for ptype, spec in types.items():
                if spec is None:
                    table.pop(ptype, None)
                    continue
                if not isinstance(spec, Mapping):
                    raise SimulatorError(400, f"limits.{currency}.{ptype} must be an object", "invalid_limits")
                entry = table.setdefault(ptype, {"min": Decimal(0), "max": Decimal(0), "instalments": []})
                try:
                    for key in ("min", "max"):
                        if key in spec:
                            entry[key] = Money.parse(spec[key], currency, strict=True).amount
                    if "instalments" in spec:
                        entry["instalments"] = sorted({int(n) for n in spec["instalments"]})
                except (ValueError, TypeError) as exc:
                    raise SimulatorError(400, f"limits.{currency}.{ptype}: {exc}", "invalid_limits") from None
                if entry["min"] > entry["max"]:
                    raise SimulatorError(400, f"limits.{currency}.{ptype}: min is above max", "invalid_limits")
        with self._lock:
            self._limits = new

    def snapshot(self) -> dict[str, dict[str, dict[str, Any]]]:
        with self._lock:
            return self._limits

    def for_currency(self, currency: str) -> dict[str, dict[str, Any]]:
        return self.snapshot().get(currency, {})

    @staticmethod
    def currency_of(country: str | None, currency: str | None = None) -> str | None:
        """The currency of ``country`` (or ``currency`` when it is that country's)."""
        expected = _COUNTRY_CURRENCY.get((country or "").upper())
        if currency is None:
            return expected
        currency = currency.upper()
        return currency if expected == currency else None

    # Answers of the merchant API ---------------------------------------------------------

    def payment_types(self, currency: str | None, order_value: Decimal | None = None) -> list[dict[str, Any]]:
        """``GET /checkout/payment-types``: every option of ``currency`` with its limits.

        With ``order_value``, only the options whose limits include it (the ``order_value``
        filter of Tamara's "Payment Types" page).
        """
        if not currency:
            return []
        answer = []
        for ptype, spec in self.for_currency(currency).items():
            if order_value is not None and not spec["min"] <= order_value <= spec["max"]:
                continue
            low, high = Money(spec["min"], currency).to_api(), Money(spec["max"], currency).to_api()
            answer.append(
                {
                    "name": ptype,
                    "description": _type_description(ptype, spec),
                    "min_limit": low,
                    "max_limit": high,
                    "supported_instalments": [
                        {"instalments": n, "min_limit": low, "max_limit": high} for n in spec["instalments"]
                    ],
                }
            )
        return answer

    def available_labels(self, value: Money) -> list[dict[str, Any]]:
        """The options whose limits include ``value`` (the pre-check's ``available_payment_labels``)."""
        labels = []
        for ptype, spec in self.for_currency(value.currency).items():
            if not spec["min"] <= value.amount <= spec["max"]:
                continue
            english, arabic = PAYMENT_LABELS.get(ptype, (ptype, ptype))
            counts = spec["instalments"] or [0]
            for n in counts:
                labels.append(
                    {
                        "payment_type": ptype,
                        "instalment": n,
                        "description_en": english.format(n=n),
                        "description_ar": arabic.format(n=n),
                    }
                )
        return labels

    def check(self, total: Money, payment_type: str, instalments: int | None) -> None:
        """Refuse a checkout whose total is outside the limits of its payment type."""
        spec = self.for_currency(total.currency).get(payment_type)
        if spec is None:
            raise SimulatorError(
                400,
                f"payment_type {payment_type} is not available in {total.currency}",
                "payment_type_not_available",
                {"field": "payment_type"},
            )
        if instalments and spec["instalments"] and instalments not in spec["instalments"]:
            raise SimulatorError(
                400,
                f"instalments: {instalments} instalments are not available (supported: "
                f"{', '.join(map(str, spec['instalments']))})",
                "instalments_not_available",
                {"field": "instalments"},
            )
        if not spec["min"] <= total.amount <= spec["max"]:
            low, high = Money(spec["min"], total.currency), Money(spec["max"], total.currency)
            raise SimulatorError(
                400,
                f"total_amount {total} is outside the limits of {payment_type} ({low} to {high})",
                "total_amount_invalid_limit",
                {"field": "total_amount", "min_limit": low.to_api(), "max_limit": high.to_api()},
            )


def _type_description(ptype: str, spec: Mapping[str, Any]) -> str:
    """The payment type's description, naming the instalment counts it really offers."""
    english = PAYMENT_LABELS.get(ptype, (ptype, ptype))[0]
    counts = sorted(set(spec["instalments"]))
    if "{n}" not in english:
        return english
    if not counts:
        return PAYMENT_LABELS["PAY_NOW"][0]  # no instalment count configured: one payment
    if len(counts) == 1:
        return english.format(n=counts[0])
    return english.format(n=", ".join(map(str, counts[:-1])) + f" or {counts[-1]}")


def serialise_limits(limits: Mapping[str, Any]) -> dict[str, Any]:
    """The limits table as JSON (amounts as numbers)."""
    return {
        currency: {
            ptype: {"min": float(spec["min"]), "max": float(spec["max"]), "instalments": list(spec["instalments"])}
            for ptype, spec in types.items()
        }
        for currency, types in limits.items()
    }
