"""Partial masking of a consumer's phone number and e-mail.

List views show them masked for everyone: enough to tell two customers apart on the phone
("the number ending in 33"), not enough to copy a contact list off a screen. The full values
are shown on the change page to users with the ``django_tamara.view_pii_tamaraorder``
permission only; everyone else sees them masked there too, in the raw JSON as well.
"""

from __future__ import annotations

from typing import Any

PII_PERMISSION = "django_tamara.view_pii_tamaraorder"

#: Keys whose values are masked wherever they appear in a JSON document of Tamara's.
PHONE_KEYS = frozenset({"phone_number", "phone", "mobile", "consumer_phone_number"})
EMAIL_KEYS = frozenset({"email", "consumer_email"})


def can_see_pii(user: Any) -> bool:
    """True for users allowed to see full phone numbers and e-mails (superusers included)."""
    return bool(user is not None and user.is_active and user.has_perm(PII_PERMISSION))


def mask_phone(value: str | None) -> str:
    """``+966502223333`` becomes ``+9665******33``: country code and first digit, last two digits.

    Short numbers keep only their last two digits, so nothing shorter than eight characters
    shows more than it hides.
    """
    if not value:
        return ""
    value = str(value)
    if len(value) < 8:
        return "*" * max(len(value) - 2, 1) + value[-2:]
    return value[:5] + "*" * (len(value) - 7) + value[-2:]


def mask_email(value: str | None) -> str:
    """``mona@example.com`` becomes ``m***@example.com``: the first letter and the domain."""
    if not value:
        return ""
    value = str(value)
    local, at, domain = value.rpartition("@")
    if not at:
        return value[:1] + "***"
    return f"{local[:1]}***@{domain}"


def mask_pii(data: Any) -> Any:
    """A copy of a JSON document with every phone and e-mail value masked."""
    if isinstance(data, dict):
        masked = {}
        for key, value in data.items():
            if key in PHONE_KEYS and isinstance(value, str):
                masked[key] = mask_phone(value)
            elif key in EMAIL_KEYS and isinstance(value, str):
                masked[key] = mask_email(value)
            else:
                masked[key] = mask_pii(value)
        return masked
    if isinstance(data, list):
        return [mask_pii(item) for item in data]
    return data
