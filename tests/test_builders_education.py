"""A fifth vertical takes one serializer class and one builder class: the docs' worked example.

The code below is the "education" example of docs/builders.md, verbatim; the test keeps the
docs honest. Education is not one of Tamara's published tables: its risk keys are made up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from rest_framework import serializers

from django_tamara.builders import (
    CheckoutBuilder,
    VerticalCheckoutSerializer,
    VerticalRiskAssessmentSerializer,
)
from django_tamara.builders.base import pick
from django_tamara.builders.fields import (
    DdMmYyyyDateField,
    LenientBooleanField,
    LenientChoiceField,
)
from django_tamara.exceptions import PayloadInvalid

# --- docs/builders.md: "A fifth vertical" -------------------------------------------------------

ENROLMENT_KEYS = ("institution_name", "institution_type", "enrolment_date", "is_recurring_tuition")


class EducationCheckoutSerializer(VerticalCheckoutSerializer):
    """Schools, universities and training centres."""

    # Tuition is not shipped: no shipping address needed when every item is one of these.
    digital_item_types = frozenset({"digital", "tuition", "course"})

    class RiskAssessment(VerticalRiskAssessmentSerializer):
        institution_name = serializers.CharField(max_length=255)
        institution_type = LenientChoiceField(["School", "University", "Training"])
        enrolment_date = DdMmYyyyDateField()
        is_recurring_tuition = LenientBooleanField(required=False)


class EducationCheckoutBuilder(CheckoutBuilder):
    """Implement get_enrolment(order) besides the common hooks."""

    serializer_class = EducationCheckoutSerializer

    def get_enrolment(self, order: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement get_enrolment(order)")

    def build_risk_assessment(self, order: Any) -> dict[str, Any]:
        risk = super().build_risk_assessment(order)
        risk.update(pick(self.get_enrolment(order), ENROLMENT_KEYS) or {})
        return risk


# --- a school using it ------------------------------------------------------------------------


@dataclass
class Enrolment:
    student: str
    phone: str
    course: str
    fee: Decimal
    institution_name: str = "Riyadh Academy"
    institution_type: str = "university"
    enrolment_date: dt.date = dt.date(2026, 9, 1)
    is_recurring_tuition: bool = True


class SchoolBuilder(EducationCheckoutBuilder):
    def get_order_reference_id(self, order: Enrolment) -> str:
        return f"ENR-{order.student}"

    def get_items(self, order: Enrolment) -> list[dict[str, Any]]:
        return [
            {
                "reference_id": order.course,
                "type": "Tuition",
                "name": order.course,
                "sku": order.course,
                "quantity": 1,
                "total_amount": order.fee,
            }
        ]

    def get_consumer(self, order: Enrolment) -> dict[str, str]:
        first, last = order.student.split()
        return {"first_name": first, "last_name": last, "phone_number": order.phone}

    def get_risk_assessment(self, order: Enrolment) -> dict[str, Any]:
        return {
            "is_premium_customer": False,
            "account_creation_date": dt.date(2025, 1, 5),
            "total_order_count": 0,
            "risk_score": 1,
        }

    def get_enrolment(self, order: Enrolment) -> Enrolment:
        return order

    def get_merchant_urls(self, order: Enrolment) -> dict[str, str]:
        return {k: f"https://school.example/pay/{k}/" for k in ("success", "failure", "cancel")}


def test_the_fifth_vertical_builds() -> None:
    out = SchoolBuilder().build(Enrolment("Sara Ali", "502223333", "MBA-101", Decimal("4500")))
    assert out["total_amount"] == {"amount": 4500.0, "currency": "SAR"}
    assert "shipping_address" not in out  # tuition is digital for this vertical
    risk = out["risk_assessment"]
    assert risk["institution_type"] == "University"
    assert risk["enrolment_date"] == "01-09-2026"
    assert risk["is_recurring_tuition"] is True


def test_the_fifth_vertical_gets_every_common_rule() -> None:
    enrolment = Enrolment(
        "Sara Ali",
        "502223333",
        "MBA-101",
        Decimal("4500"),
        institution_type="Kindergarten",
        enrolment_date="2026/09/01",
    )  # type: ignore[arg-type]  # a str date: the test
    with pytest.raises(PayloadInvalid) as info:
        SchoolBuilder().build(enrolment)
    assert set(info.value.errors) == {"risk_assessment.institution_type", "risk_assessment.enrolment_date"}


def test_the_fifth_vertical_validates_raw_payloads() -> None:
    payload = SchoolBuilder().build(Enrolment("Sara Ali", "502223333", "MBA-101", Decimal("4500")))
    del payload["risk_assessment"]["institution_name"]
    payload["items"][0]["sku"] = "x" * 129
    with pytest.raises(PayloadInvalid) as info:
        EducationCheckoutBuilder().validate(payload)
    assert set(info.value.errors) == {"risk_assessment.institution_name", "items[0].sku"}
