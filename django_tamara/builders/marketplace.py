"""The marketplace vertical (Tamara's marketplace payload table): products of many vendors, each
sale tied to a sub-merchant."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .base import CheckoutBuilder
from .fields import DdMmYyyyDateField, IdField
from .payload_parts import VerticalRiskAssessmentSerializer
from .payload_rules import VerticalCheckoutSerializer
from .shop_order import pick

__all__ = ["MarketplaceCheckoutSerializer", "MarketplaceCheckoutBuilder", "SUB_MERCHANT_KEYS"]

#: The sub-merchant's keys in ``risk_assessment``.
SUB_MERCHANT_KEYS = (
    "sub_merchant_id",
    "sub_merchant_category",
    "sub_merchant_name",
    "sub_merchant_tier",
    "sub_merchant_joining_date",
)


class MarketplaceCheckoutSerializer(VerticalCheckoutSerializer):
    """The marketplace table: the four common risk keys plus the sub-merchant, all required."""

    class RiskAssessment(VerticalRiskAssessmentSerializer):
        #: A String; the sample's number (61817) is mended to "61817".
        sub_merchant_id = IdField(max_length=255)
        sub_merchant_category = serializers.CharField(max_length=255)
        sub_merchant_name = serializers.CharField(max_length=255)
        sub_merchant_tier = serializers.CharField(max_length=255)
        #: Sent as dd-mm-yyyy like every other risk date; the sample's ISO date is mended.
        sub_merchant_joining_date = DdMmYyyyDateField()


class MarketplaceCheckoutBuilder(CheckoutBuilder):
    """Implement :meth:`get_sub_merchant` besides the common hooks."""

    serializer_class = MarketplaceCheckoutSerializer

    def get_sub_merchant(self, order: Any) -> Any:
        """The vendor of this order: a dict or object with ``id, category, name, tier,
        joining_date`` (or the same keys prefixed ``sub_merchant_``)."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_sub_merchant(order)")

    def build_risk_assessment(self, order: Any) -> dict[str, Any]:
        risk = super().build_risk_assessment(order)
        short = {key: key.removeprefix("sub_merchant_") for key in SUB_MERCHANT_KEYS}
        risk.update(pick(self.get_sub_merchant(order), SUB_MERCHANT_KEYS, aliases=short) or {})
        return risk
