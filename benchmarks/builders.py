"""How fast a builder turns a 20-item order into a validated payload, against plain DRF.

Run ``python benchmarks/builders.py``. Three numbers, measured in the same run so the machine
cancels out:

- ``baseline``: a plain DRF serializer of the same shape (nested serializers, CharField,
  IntegerField, a DecimalField amount) validating the same payload dict;
- ``validate``: ``builder.validate(payload)``, the table's rules on that dict (money, currency,
  total, dates, enumerations) plus normalisation back to JSON;
- ``build``: ``builder.build(order)``, reading a shop-like 20-item order through the hooks,
  then validating.

A last line shows the vertical's serializer instantiated per payload, the plain DRF way: the
difference to ``validate`` is what reusing one bound instance per thread saves, the difference
to ``baseline`` what the table's extra rules cost.

Each prints payloads per second; the ratios are against the baseline.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox_project.settings")

import django

django.setup()

from rest_framework import serializers  # noqa: E402  after django.setup()

from django_tamara.builders import TravelCheckoutBuilder  # noqa: E402  after django.setup()

ITEMS = 20


# A shop --------------------------------------------------------------------------------------


@dataclass
class Line:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal


@dataclass
class Booking:
    number: str
    lines: list[Line]


class ShopBuilder(TravelCheckoutBuilder):
    def get_order_reference_id(self, order: Booking) -> str:
        return order.number

    def get_items(self, order: Booking) -> list[dict[str, Any]]:
        return [
            {
                "reference_id": line.sku,
                "type": "Digital",
                "name": line.name,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "tax_amount": Decimal("0"),
            }
            for line in order.lines
        ]

    def get_consumer(self, order: Booking) -> dict[str, str]:
        return {"first_name": "Mona", "last_name": "Lisa", "phone_number": "502223333", "email": "mona@example.com"}

    def get_shipping_amount(self, order: Booking) -> Decimal:
        return Decimal("1")

    def get_risk_assessment(self, order: Booking) -> dict[str, Any]:
        return {
            "is_premium_customer": True,
            "account_creation_date": dt.date(2019, 1, 31),
            "total_order_count": 12,
            "risk_score": 5,
        }

    def get_travel_data(self, order: Booking) -> dict[str, Any]:
        return {
            "origin": "RUH",
            "destination": "JED",
            "travel_type": "Domestic",
            "trip_type": "Return",
            "class": "Economy",
            "number_of_passengers": 3,
            "travel_date": dt.date(2026, 8, 24),
            "is_refundable_booking": True,
        }

    def get_merchant_urls(self, order: Booking) -> dict[str, str]:
        return {k: f"https://shop.example/tamara/{k}/" for k in ("success", "failure", "cancel")}


ORDER = Booking("BENCH-1", [Line(f"SKU-{i}", f"Ticket {i}", 1 + i % 3, Decimal("15.25") + i) for i in range(ITEMS)])


# The baseline: plain DRF, same shape -----------------------------------------------------------


class PlainMoney(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=15, decimal_places=3)
    currency = serializers.CharField(max_length=3)


class PlainItem(serializers.Serializer):
    reference_id = serializers.CharField()
    type = serializers.CharField()
    name = serializers.CharField(max_length=255)
    sku = serializers.CharField(max_length=128)
    quantity = serializers.IntegerField(min_value=1)
    unit_price = PlainMoney(required=False)
    tax_amount = PlainMoney(required=False)
    total_amount = PlainMoney()


class PlainConsumer(serializers.Serializer):
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    phone_number = serializers.CharField(max_length=32)
    email = serializers.EmailField(max_length=128, required=False)


class PlainAddress(serializers.Serializer):
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    line1 = serializers.CharField()
    line2 = serializers.CharField(allow_blank=True, required=False)
    region = serializers.CharField()
    city = serializers.CharField()
    country_code = serializers.CharField(max_length=2)
    phone_number = serializers.CharField(max_length=32)


class PlainUrls(serializers.Serializer):
    success = serializers.URLField()
    failure = serializers.URLField()
    cancel = serializers.URLField()


class PlainTravelData(serializers.Serializer):
    origin = serializers.CharField(max_length=3)
    destination = serializers.CharField(max_length=3)
    travel_type = serializers.ChoiceField(["Domestic", "International"])
    trip_type = serializers.ChoiceField(["OneWay", "Return", "MultipleDestination", "Unknown", "Null"])
    number_of_passengers = serializers.IntegerField(min_value=1)
    travel_date = serializers.DateField(input_formats=["%d-%m-%Y"])
    is_refundable_booking = serializers.BooleanField()


class PlainRisk(serializers.Serializer):
    is_premium_customer = serializers.BooleanField()
    account_creation_date = serializers.DateField(input_formats=["%d-%m-%Y"])
    total_order_count = serializers.IntegerField()
    risk_score = serializers.IntegerField()
    travel_data = PlainTravelData()


class PlainPayload(serializers.Serializer):
    total_amount = PlainMoney()
    shipping_amount = PlainMoney()
    tax_amount = PlainMoney()
    order_reference_id = serializers.CharField()
    order_number = serializers.CharField(required=False)
    risk_assessment = PlainRisk()
    consumer = PlainConsumer()
    items = PlainItem(many=True, allow_empty=False)
    country_code = serializers.CharField(max_length=2)
    description = serializers.CharField(max_length=256)
    merchant_url = PlainUrls()
    shipping_address = PlainAddress(required=False)
    locale = serializers.CharField()
    platform = serializers.CharField()
    is_mobile = serializers.BooleanField()
    payment_type = serializers.CharField(required=False)
    instalments = serializers.IntegerField(required=False)
    expires_in_minutes = serializers.IntegerField(required=False)


def plain_validate(payload: dict[str, Any]) -> dict[str, Any]:
    serializer = PlainPayload(data=payload)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def fresh_validate(payload: dict[str, Any]) -> dict[str, Any]:
    """The vertical's serializer used the plain DRF way: a new instance per payload."""
    serializer = ShopBuilder.serializer_class(data=payload)
    serializer.is_valid(raise_exception=True)
    return serializer.to_representation(serializer.validated_data)


# Measuring -------------------------------------------------------------------------------------


def rates(contestants: dict[str, Callable[[], Any]], rounds: int = 7, seconds: float = 0.3) -> dict[str, float]:
    """Calls per second of each contestant: the best of ``rounds`` short runs, interleaved.

    Interleaving makes every contestant see the same machine: a busy neighbour slows all of
    them in the same round, and the best round of each is the one least disturbed.
    """
    best = dict.fromkeys(contestants, 0.0)
    for function in contestants.values():
        function()  # warm up
    for _ in range(rounds):
        for name, function in contestants.items():
            count, start = 0, time.perf_counter()
            while (elapsed := time.perf_counter() - start) < seconds:
                function()
                count += 1
            best[name] = max(best[name], count / elapsed)
    return best


def main() -> None:
    builder = ShopBuilder()
    payload = builder.build(ORDER)  # the JSON-ready dict every contestant validates
    assert len(payload["items"]) == ITEMS
    plain_validate(payload)  # the baseline accepts it too

    measured = rates(
        {
            "baseline": lambda: plain_validate(payload),
            "validate": lambda: builder.validate(payload),
            "build": lambda: builder.build(ORDER),
            "fresh": lambda: fresh_validate(payload),
        }
    )
    baseline, validate, build, fresh = (measured[k] for k in ("baseline", "validate", "build", "fresh"))

    print(f"{ITEMS}-item travel payload, payloads per second (best of 7 interleaved rounds)")
    print(f"  plain DRF serializer, same shape : {baseline:8.0f}/s")
    print(f"  builder.validate(payload)        : {validate:8.0f}/s   ratio {validate / baseline:.2f}")
    print(f"  builder.build(order)             : {build:8.0f}/s   ratio {build / baseline:.2f}")
    print(f"  (the same rules, a new serializer instance per payload: {fresh:.0f}/s, ratio {fresh / baseline:.2f})")


if __name__ == "__main__":
    main()
