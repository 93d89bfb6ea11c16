"""Reading one field of a request body the way Tamara refuses it: 400, code, field named.

Every endpoint (checkout, capture, refund, cancel, webhooks, the control API) reads its body
through these helpers, so a missing or malformed field gets the same answer everywhere: one
``errors[]`` entry whose ``data.field`` names the field (``items[0].sku``) and a message that
names it too, so a failing integration says what to fix. Codes Tamara answers with are used
where they are known; the others follow the ``<field>_<problem>`` pattern listed in
docs/simulator.md. The checkout-session rules built on them live in ``validation.py``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Mapping

from .errors import FieldError, SimulatorError
from .money import DECIMALS as CURRENCY_EXPONENTS
from .money import Money, MoneyError

__all__ = [
    "field_code",
    "get_path",
    "missing",
    "is_blank",
    "require_object",
    "parse_money",
    "optional_money",
    "required_money",
    "required_text",
    "parse_shipping_info",
]

#: Documented codes for missing fields; the rest are ``<field>_required``.
_MISSING_CODES = {
    "consumer.first_name": "consumer_empty_first_name",
    "consumer.last_name": "consumer_empty_last_name",
    "consumer.phone_number": "consumer_empty_phone_number",
    "items": "items_is_empty",
}


def field_code(path: str, problem: str) -> str:
    """The ``<field>_<problem>`` code for a path: ``items[0].sku`` -> ``items_sku_<problem>``."""
    return re.sub(r"\[\d+\]", "", path).replace(".", "_") + "_" + problem


def get_path(data: Any, path: str) -> Any:
    """The value at a dotted path (``consumer.first_name``), or None where any step is missing."""
    for part in path.split("."):
        if not isinstance(data, Mapping):
            return None
        data = data.get(part)
    return data


def missing(path: str) -> FieldError:
    """The error for a required field that is absent or blank."""
    return FieldError(_MISSING_CODES.get(path, field_code(path, "required")), f"{path} is required", {"field": path})


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def require_object(body: Any) -> dict[str, Any]:
    """The JSON body as an object, or a 400 naming what arrived instead."""
    if not isinstance(body, dict):
        raise SimulatorError(400, "The request body must be a JSON object", "invalid_request_body")
    return body


def parse_money(value: Any, path: str, currency: str | None = None) -> Money:
    """Strictly parse a Money object (no extra decimals) and, if given, check its currency."""
    if not isinstance(value, Mapping) or "amount" not in value or "currency" not in value:
        raise SimulatorError(
            400, f"{path} must be an object with amount and currency", field_code(path, "invalid"), {"field": path}
        )
    if not isinstance(value["currency"], str) or value["currency"] not in CURRENCY_EXPONENTS:
        raise SimulatorError(
            400,
            f"{path}: currency {value['currency']!r} is not supported",
            "currency_unsupported",
            {"field": path},
        )
    try:
        money = Money.from_api(value, strict=True)
    except MoneyError as exc:
        raise SimulatorError(400, f"{path}: {exc}", "invalid_amount", {"field": path}) from None
    if money.amount < 0:
        raise SimulatorError(400, f"{path} must not be negative", "invalid_amount", {"field": path})
    if currency is not None and money.currency != currency:
        raise SimulatorError(
            400,
            f"{path} is in {money.currency} but the order is in {currency}",
            "total_amount_invalid_currency",
            {"field": path},
        )
    return money


def optional_money(body: Mapping[str, Any], key: str, currency: str) -> Money | None:
    return parse_money(body[key], key, currency) if body.get(key) not in (None, {}) else None


def required_money(body: Mapping[str, Any], key: str, currency: str) -> Money:
    if body.get(key) in (None, {}):
        raise SimulatorError.from_fields([missing(key)])
    return parse_money(body[key], key, currency)


def required_text(body: dict[str, Any], key: str) -> str:
    """``body[key]`` as a non-blank string, or a 400 naming the field."""
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SimulatorError(400, f"{key} is required", f"{key}_required", {"field": key})
    return value


def parse_shipping_info(value: Any) -> dict[str, Any]:
    """A capture's ``shipping_info``: ``shipped_at`` (ISO-8601) and ``shipping_company`` required."""
    if not isinstance(value, Mapping):
        raise SimulatorError(400, "shipping_info is required", "shipping_info_required", {"field": "shipping_info"})
    errors = [missing(f"shipping_info.{key}") for key in ("shipped_at", "shipping_company") if is_blank(value.get(key))]
    if errors:
        raise SimulatorError.from_fields(errors)
    shipped_at = value["shipped_at"]
    try:
        datetime.fromisoformat(str(shipped_at).replace("Z", "+00:00"))
    except ValueError:
        raise SimulatorError(
            400,
            "shipping_info.shipped_at must be an ISO-8601 date-time",
            "shipping_info_shipped_at_invalid",
            {"field": "shipping_info.shipped_at"},
        ) from None
    return dict(value)
