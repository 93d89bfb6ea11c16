"""The travel-booking vertical (Tamara's travel-booking payload table): flights and OTA bookings,
with ``travel_data``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from .base import CheckoutBuilder
from .fields import (
    DdMmYyyyDateField,
    IataCodeField,
    LenientBooleanField,
    LenientChoiceField,
    StrictIntegerField,
)
from .payload_objects import PayloadSerializer
from .payload_parts import VerticalRiskAssessmentSerializer
from .payload_rules import VerticalCheckoutSerializer
from .shop_order import pick

__all__ = [
    "TRAVEL_TYPES",
    "TRIP_TYPES",
    "TRAVEL_CLASSES",
    "TRAVEL_DATA_KEYS",
    "TravelDataSerializer",
    "TravelCheckoutSerializer",
    "TravelCheckoutBuilder",
]

TRAVEL_TYPES = ("Domestic", "International")
#: "Null" is a documented value; Python's ``None`` is sent as that string.
TRIP_TYPES = ("OneWay", "Return", "MultipleDestination", "Unknown", "Null")
#: The table says "for e.g., Economy/ Premium/ Business": First is added because airlines sell
#: it; "Premium Economy" is read as Premium.
TRAVEL_CLASSES = ("Economy", "Premium", "Business", "First")
#: The keys of ``travel_data``, in the table's order.
TRAVEL_DATA_KEYS = (
    "origin",
    "destination",
    "travel_type",
    "trip_type",
    "class",
    "number_of_passengers",
    "travel_date",
    "is_refundable_booking",
)


class TravelDataSerializer(PayloadSerializer):
    """``risk_assessment.travel_data``: every key required."""

    origin = IataCodeField()
    destination = IataCodeField()
    travel_type = LenientChoiceField(TRAVEL_TYPES)
    trip_type = LenientChoiceField(
        TRIP_TYPES, aliases={None: "Null", "round trip": "Return", "multi city": "MultipleDestination"}
    )
    class_ = LenientChoiceField(TRAVEL_CLASSES, aliases={"premium economy": "Premium", "first class": "First"})
    number_of_passengers = StrictIntegerField(min_value=1)
    travel_date = DdMmYyyyDateField()
    is_refundable_booking = LenientBooleanField()

    def get_fields(self) -> dict[str, serializers.Field]:
        # ``class`` is a keyword in Python: declared as ``class_``, sent as ``class``, in place.
        return {("class" if name == "class_" else name): field for name, field in super().get_fields().items()}


class TravelCheckoutSerializer(VerticalCheckoutSerializer):
    """The travel-booking table: the four common risk keys plus ``travel_data``."""

    class RiskAssessment(VerticalRiskAssessmentSerializer):
        travel_data = TravelDataSerializer()


class TravelCheckoutBuilder(CheckoutBuilder):
    """Implement :meth:`get_travel_data` besides the common hooks."""

    serializer_class = TravelCheckoutSerializer

    def get_travel_data(self, order: Any) -> Any:
        """The booking: a dict or object with ``origin, destination, travel_type, trip_type,
        class`` (an object says ``travel_class``), ``number_of_passengers, travel_date,
        is_refundable_booking``."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_travel_data(order)")

    def build_risk_assessment(self, order: Any) -> dict[str, Any]:
        risk = super().build_risk_assessment(order)
        source = self.get_travel_data(order)
        data = pick(source, TRAVEL_DATA_KEYS, aliases={"class": "travel_class"})
        if data is not None:
            # A trip type given as None is the table's "Null" (pick drops None values).
            given = "trip_type" in source if isinstance(source, Mapping) else hasattr(source, "trip_type")
            if given and "trip_type" not in data:
                data["trip_type"] = None
            risk["travel_data"] = data
        return risk
