"""Tamara's create-checkout rules, checked all at once so one answer lists every problem.

A merchant fixing an integration should not discover its mistakes one request at a time, so
the presence and shape of every field is checked in one pass and each problem goes into the
same 400. The checks that need a well-formed payload (money, totals, payment type, limits)
follow and stop at the first problem; the consumer and the addresses are again collected.
Body-field parsing shared with the other endpoints lives in ``body_fields.py``, the phone
rules in ``phone_numbers.py`` and the totals rule in ``totals.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from .body_fields import field_code, get_path, is_blank, missing, parse_money, require_object
from .errors import FieldError, SimulatorError
from .limits import PaymentLimits
from .money import COUNTRY_OF as CURRENCY_COUNTRIES
from .money import Money, MoneyError
from .orders import DEFAULT_EXPIRES_IN_MINUTES
from .phone_numbers import is_decline_phone, phone_is_plausible
from .totals import accepted_totals

__all__ = ["CheckoutRequest", "PAYMENT_TYPES", "validate_checkout"]

#: Payment types the simulator knows (the limits table decides which are available).
PAYMENT_TYPES = ("PAY_BY_INSTALMENTS", "PAY_NOW", "PAY_BY_LATER", "PAY_NEXT_MONTH")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")

_REQUIRED_TEXT = (
    "order_reference_id",
    "country_code",
    "description",
    "consumer.first_name",
    "consumer.last_name",
    "consumer.phone_number",
    "merchant_url.success",
    "merchant_url.failure",
    "merchant_url.cancel",
)
_OPTIONAL_TEXT = ("order_number", "locale", "platform", "payment_type", "consumer.email")
_REQUIRED_MONEY = ("total_amount", "shipping_amount", "tax_amount")
_ITEM_TEXT = ("reference_id", "type", "name", "sku")
_MAX_LENGTH = {"consumer.email": 128, "consumer.phone_number": 32, "name": 255, "sku": 128}


@dataclass
class CheckoutRequest:
    """A checkout payload that passed every rule, with its money parsed."""

    payload: dict[str, Any]
    total_amount: Money
    tax_amount: Money
    shipping_amount: Money
    discount_name: str
    discount_amount: Money
    payment_type: str
    instalments: int | None
    expires_in_minutes: int
    decline_on_approve: bool


def validate_checkout(body: Any, limits: PaymentLimits, *, strict_totals: bool = False) -> CheckoutRequest:
    """Apply Tamara's create-checkout rules; raise one 400 listing every problem found."""
    payload = require_object(body)
    errors: list[FieldError] = []

    # 1. Presence and shape of the required fields.
    for path in _REQUIRED_TEXT:
        value = get_path(payload, path)
        if is_blank(value):
            errors.append(missing(path))
        elif not isinstance(value, str):
            errors.append(FieldError(field_code(path, "invalid"), f"{path} must be a string", {"field": path}))
    for path in _OPTIONAL_TEXT:
        value = get_path(payload, path)
        if value is not None and not isinstance(value, str):
            errors.append(FieldError(field_code(path, "invalid"), f"{path} must be a string", {"field": path}))
    for path in _REQUIRED_MONEY:
        if payload.get(path) in (None, {}):
            errors.append(missing(path))
    items = payload.get("items")
    if not isinstance(items, list) or not items:
        errors.append(missing("items"))
        items = []
    for i, item in enumerate(items):
        where = f"items[{i}]"
        if not isinstance(item, Mapping):
            errors.append(FieldError("items_invalid", f"{where} must be an object", {"field": where}))
            continue
        for key in _ITEM_TEXT:
            if is_blank(item.get(key)):
                errors.append(missing(f"{where}.{key}"))
        if item.get("total_amount") in (None, {}):
            errors.append(missing(f"{where}.total_amount"))
        quantity = item.get("quantity")
        if quantity is None:
            errors.append(missing(f"{where}.quantity"))
        elif isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            errors.append(
                FieldError(
                    "items_invalid_quantity",
                    f"{where}.quantity must be a positive integer",
                    {"field": f"{where}.quantity"},
                )
            )
        for key in ("name", "sku"):
            value = item.get(key)
            if isinstance(value, str) and len(value) > _MAX_LENGTH[key]:
                errors.append(
                    FieldError(
                        field_code(f"items.{key}", "too_long"),
                        f"{where}.{key} is longer than {_MAX_LENGTH[key]} characters",
                        {"field": f"{where}.{key}"},
                    )
                )
    for key in ("success", "failure", "cancel", "notification"):
        url = get_path(payload, f"merchant_url.{key}")
        if isinstance(url, str) and url and not url.startswith(("http://", "https://")):
            errors.append(
                FieldError(
                    f"merchant_url_{key}_invalid",
                    f"merchant_url.{key} must be an http(s) URL",
                    {"field": f"merchant_url.{key}"},
                )
            )
    if errors:
        raise SimulatorError.from_fields(errors)

    # 2. Money: currency supported, decimals, one currency, the country pair.
    total = parse_money(payload["total_amount"], "total_amount")
    currency = total.currency
    country = payload["country_code"].upper()
    if CURRENCY_COUNTRIES[currency] != country:
        raise SimulatorError(
            400,
            f"total_amount: {currency} is not accepted in country_code {country} "
            f"(expected {CURRENCY_COUNTRIES[currency]})",
            "total_amount_invalid_currency",
            {"field": "total_amount"},
        )
    tax = parse_money(payload["tax_amount"], "tax_amount", currency)
    shipping = parse_money(payload["shipping_amount"], "shipping_amount", currency)
    for i, item in enumerate(items):
        for key in ("total_amount", "unit_price", "tax_amount", "discount_amount"):
            if item.get(key) not in (None, {}):
                parse_money(item[key], f"items[{i}].{key}", currency)
    discount = payload.get("discount")
    discount_name, discount_amount = "", Money.zero(currency)
    if discount not in (None, {}):
        if not isinstance(discount, Mapping):
            raise SimulatorError(
                400, "discount must be an object with name and amount", "discount_invalid", {"field": "discount"}
            )
        discount_name = str(discount.get("name") or "")
        if discount.get("amount") not in (None, {}):
            discount_amount = parse_money(discount["amount"], "discount.amount", currency)

    # 3. The amounts must add up, by one of the conventions Tamara's clients use (totals.py).
    try:
        accepted = accepted_totals(payload, currency, strict=strict_totals)
    except (MoneyError, KeyError, TypeError, AttributeError) as exc:
        raise SimulatorError(
            400, f"total_amount cannot be checked: {exc}", "total_amount_invalid", {"field": "total_amount"}
        ) from None
    if total not in accepted.values():
        figures = " or ".join(f"{rule} = {value}" for rule, value in accepted.items())
        expected = next(iter(accepted.values()))
        raise SimulatorError(
            400,
            f"total_amount {total} does not equal {figures}",
            "total_amount_invalid",
            {"field": "total_amount", "expected": expected.to_api(), "received": total.to_api()},
        )

    # 4. Payment type, instalments, expiry and limits.
    payment_type = payload.get("payment_type") or "PAY_BY_INSTALMENTS"
    if payment_type not in PAYMENT_TYPES:
        raise SimulatorError(
            400, f"payment_type {payment_type!r} is not supported", "payment_type_invalid", {"field": "payment_type"}
        )
    instalments = payload.get("instalments")
    if instalments is not None and (
        isinstance(instalments, bool) or not isinstance(instalments, int) or instalments < 1
    ):
        raise SimulatorError(
            400, "instalments must be a positive integer", "instalments_invalid", {"field": "instalments"}
        )
    expires = payload.get("expires_in_minutes")
    if expires is None:
        expires = DEFAULT_EXPIRES_IN_MINUTES
    elif isinstance(expires, bool) or not isinstance(expires, int) or expires < 1:
        raise SimulatorError(
            400,
            "expires_in_minutes must be a positive integer",
            "expires_in_minutes_invalid",
            {"field": "expires_in_minutes"},
        )
    limits.check(total, payment_type, instalments)

    # 5. The consumer and the addresses.
    errors = []
    consumer = payload["consumer"]
    if len(consumer["phone_number"]) > _MAX_LENGTH["consumer.phone_number"] or not phone_is_plausible(
        consumer["phone_number"], country
    ):
        errors.append(
            FieldError(
                "consumer_invalid_phone_number",
                f"consumer.phone_number {consumer['phone_number']!r} is not a valid phone number for {country}",
                {"field": "consumer.phone_number"},
            )
        )
    email = consumer.get("email")
    if not is_blank(email) and (not isinstance(email, str) or len(email) > 128 or not _EMAIL.match(email)):
        errors.append(
            FieldError(
                "consumer_invalid_email", "consumer.email is not a valid e-mail address", {"field": "consumer.email"}
            )
        )
    for kind in ("shipping_address", "billing_address"):
        address = payload.get(kind)
        if not isinstance(address, Mapping):
            continue
        phone = address.get("phone_number")
        address_country = address.get("country_code")
        address_country = address_country.upper() if isinstance(address_country, str) and address_country else country
        if not is_blank(phone) and not phone_is_plausible(phone, address_country):
            errors.append(
                FieldError(
                    f"{kind}_invalid_phone_number",
                    f"{kind}.phone_number is not a valid phone number",
                    {"field": f"{kind}.phone_number"},
                )
            )
        code = address.get("country_code")
        if (
            kind == "shipping_address"
            and isinstance(code, str)
            and code
            and code.upper() not in CURRENCY_COUNTRIES.values()
        ):
            errors.append(
                FieldError(
                    "not_supported_delivery_country",
                    f"shipping_address.country_code {code!r} is not a country Tamara delivers to",
                    {"field": "shipping_address.country_code"},
                )
            )
    if errors:
        raise SimulatorError.from_fields(errors)

    return CheckoutRequest(
        payload=payload,
        total_amount=total,
        tax_amount=tax,
        shipping_amount=shipping,
        discount_name=discount_name,
        discount_amount=discount_amount,
        payment_type=payment_type,
        instalments=instalments,
        expires_in_minutes=expires,
        decline_on_approve=is_decline_phone(consumer["phone_number"]),
    )
