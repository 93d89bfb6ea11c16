"""The telecom vertical (Tamara's telecom payload table): plans, devices, add-ons and bill payments."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .base import CheckoutBuilder
from .payload_parts import VerticalRiskAssessmentSerializer
from .payload_rules import VerticalCheckoutSerializer

__all__ = ["TelecomCheckoutSerializer", "TelecomCheckoutBuilder"]


class TelecomCheckoutSerializer(VerticalCheckoutSerializer):
    """The telecom table. ``sales_channel`` and ``store_id`` are "Required (if available)":
    optional strings, sent when the shop knows them."""

    #: The table's item types that are services, so need no shipping address (it also lists
    #: ``mome_internet``, a typo of ``home_internet``: both are accepted). ``device_purchase``
    #: ships a device and so needs one.
    digital_item_types = frozenset(
        {"digital", "mobile_prepaid_plan", "home_internet", "mome_internet", "addon_service", "bill_payment"}
    )

    class RiskAssessment(VerticalRiskAssessmentSerializer):
        sales_channel = serializers.CharField(required=False, max_length=255)
        store_id = serializers.CharField(required=False, max_length=255)


class TelecomCheckoutBuilder(CheckoutBuilder):
    """Optionally implement :meth:`get_sales_channel` and :meth:`get_store_id`."""

    serializer_class = TelecomCheckoutSerializer

    def get_sales_channel(self, order: Any) -> str | None:
        """Where the order was taken: ``online_eshop``, ``retail_store``, ``call_center``,
        ``partner_reseller``...; default ``online_eshop`` with a request, else nothing."""
        return "online_eshop" if self.request is not None else None

    def get_store_id(self, order: Any) -> str | None:
        """The retail store, for a retail-store sale only."""
        return None

    def build_risk_assessment(self, order: Any) -> dict[str, Any]:
        risk = super().build_risk_assessment(order)
        for key, value in (("sales_channel", self.get_sales_channel(order)), ("store_id", self.get_store_id(order))):
            if value is not None:
                risk[key] = value
        return risk
