"""Whether the shop's Payment model can hold Tamara's amounts, at start-up and per payment.

django-payments' ``BasePayment`` declares its amounts (``total``, ``delivery``, ``tax``,
``captured_amount``) with 2 decimal places; Tamara's dinars and rial (BHD, KWD, OMR) have 3.
Saving a KWD amount there rounds away fils, so the captured amount would no longer be exact.
A shop that takes those currencies overrides the four fields in its concrete model (Django
lets a child override the fields of an abstract parent); the system check says so at
start-up and :func:`short_fields` lets the provider refuse such a payment before Tamara is called.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import Warning, register
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models

from ...money import CURRENCY_EXPONENTS

#: BasePayment's amounts: what the provider reads and writes.
AMOUNT_FIELDS = ("total", "delivery", "tax", "captured_amount")

#: The most decimal places a Tamara currency has (BHD, KWD, OMR).
MOST_PLACES = max(CURRENCY_EXPONENTS.values())


def short_fields(model: type[models.Model], places: int) -> list[str]:
    """The amount fields of ``model`` that hold fewer than ``places`` decimal places."""
    short = []
    for name in AMOUNT_FIELDS:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(field, models.DecimalField) and (field.decimal_places or 0) < places:
            short.append(name)
    return short


def override_hint(model: type[models.Model], fields: list[str]) -> str:
    """How to fix it, naming the model and its fields."""
    lines = "; ".join(f"{name} = models.DecimalField(max_digits=12, decimal_places=3, default=0)" for name in fields)
    return f"Override them in {model._meta.label} ({lines}) and run makemigrations (docs/payments.md in django-tamara's repository)."


@register()
def check_payment_model(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Warn when ``PAYMENT_MODEL`` would round amounts in BHD, KWD or OMR."""
    from payments import get_payment_model

    try:
        model = get_payment_model()
    except (ImproperlyConfigured, LookupError):
        return []  # django-payments' own checks and errors report a missing PAYMENT_MODEL
    short = short_fields(model, MOST_PLACES)
    if not short:
        return []
    three = ", ".join(c for c, places in CURRENCY_EXPONENTS.items() if places == MOST_PLACES)
    return [
        Warning(
            f"{model._meta.label}.{', .'.join(short)} hold fewer than {MOST_PLACES} decimal places: "
            f"Tamara payments in {three} will be refused.",
            hint=override_hint(model, short)
            + " Silence this with SILENCED_SYSTEM_CHECKS if you take SAR and AED only.",
            obj=model,
            id="django_tamara.payments.W001",
        )
    ]
