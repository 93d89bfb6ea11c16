"""Phone numbers as Tamara judges them, at checkout and when listing payment types.

A number is checked twice, by the checkout rules (``validation.py``) and by the phone filter
of Tamara's "Payment Types" page (``api.py``), and both must agree on whether Tamara accepts
it for the country and whether it is the sandbox number whose approval Tamara declines.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["DECLINE_PHONE", "normalise_phone", "phone_is_plausible", "is_decline_phone"]

#: The sandbox phone number whose approval Tamara declines (Tamara's "KSA Testing Guide" page).
DECLINE_PHONE = "526422337"

_SA_PHONE = re.compile(r"^(?:\+?966|0)?5\d{8}$")
_ANY_PHONE = re.compile(r"^\+?\d{8,15}$")
_PHONE_NOISE = re.compile(r"[\s\-().]")


def normalise_phone(phone: str) -> str:
    return _PHONE_NOISE.sub("", phone)


def phone_is_plausible(phone: Any, country: str | None) -> bool:
    """Digits with an optional +, 8 to 15 of them; Saudi mobiles as 5XXXXXXXX, 05…, 9665…, +9665…."""
    if not isinstance(phone, str):
        return False
    number = normalise_phone(phone)
    if country == "SA":
        return bool(_SA_PHONE.match(number))
    return bool(_ANY_PHONE.match(number))


def is_decline_phone(phone: Any) -> bool:
    """True for Tamara's sandbox "declined" number, in any of its spellings."""
    return isinstance(phone, str) and re.sub(r"\D", "", phone).endswith(DECLINE_PHONE)
