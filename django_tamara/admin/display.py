"""Small HTML and text helpers shared by the admin modules: badges, money, JSON."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString

from ..money import Money, MoneyError

#: Colour family of each status badge (see static/django_tamara/admin.css).
STATUS_TONES: dict[str, str] = {
    "new": "neutral",
    "approved": "info",
    "on_hold": "warning",
    "authorised": "info",
    "updated": "info",
    "partially_captured": "success",
    "fully_captured": "success",
    "partially_refunded": "warning",
    "fully_refunded": "muted",
    "declined": "danger",
    "expired": "muted",
    "canceled": "muted",
    # webhook event states
    "pending": "neutral",
    "processing": "info",
    "done": "success",
    "failed": "danger",
    "ignored": "muted",
    "skipped": "warning",
}


def badge(value: str, label: Any) -> SafeString:
    """A coloured pill; the tone comes from the value, the text is the translated label."""
    tone = STATUS_TONES.get(value, "neutral")
    return format_html('<span class="tamara-badge tamara-tone-{}" data-value="{}">{}</span>', tone, value, label)


def money(amount: Decimal | None, currency: str) -> str:
    """``150.00 SAR``: the exact amount at the currency's precision, as staff type it in forms.

    Deliberately not localised: the amount fields of the action forms read ``.`` decimals in
    every language, and a dinar amount must show its three decimals.
    """
    if amount is None:
        return "-"
    try:
        return str(Money(amount, currency))
    except MoneyError:
        return f"{amount} {currency}".strip()


def amounts_as_text(value: Any) -> Any:
    """``value`` with each money object of Tamara's (``{"amount": 450.0, "currency": "SAR"}``)
    written as :func:`money` writes totals (``"450.00 SAR"``), at any depth.

    Items keep the JSON numbers Tamara sent; shown as given they read ``450.0`` beside the
    ``450.00 SAR`` totals, and a dinar's third decimal may be missing (#15). Only objects with
    exactly those two keys and a numeric amount are money; everything else is kept as it is.
    """
    if isinstance(value, list):
        return [amounts_as_text(item) for item in value]
    if not isinstance(value, dict):
        return value
    amount, currency = value.get("amount"), value.get("currency")
    if set(value) == {"amount", "currency"} and isinstance(currency, str):
        if isinstance(amount, (int, float, str)) and not isinstance(amount, bool):
            try:
                return money(Decimal(str(amount)), currency)
            except ArithmeticError:
                return value
    return {key: amounts_as_text(item) for key, item in value.items()}


def pretty_json(value: Any) -> SafeString:
    """Indented, key-sorted JSON in a ``<pre>``, Arabic text kept readable (not ``\\u`` escaped)."""
    if value in (None, "", {}, []):
        return format_html('<span class="tamara-empty">{}</span>', "-")
    text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    return format_html('<pre class="tamara-json" dir="ltr">{}</pre>', text)
