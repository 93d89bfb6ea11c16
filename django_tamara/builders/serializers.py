"""DRF serializers of the create-checkout-session payload, the tables of the docs as code.

The serializers live in modules of one concern each (:mod:`.payload_objects`,
:mod:`.payload_parts`, :mod:`.payload_rules`, :mod:`.validation`); this module keeps the one
import path that shops, docs and tests already use, so a vertical written against it keeps
working.

:class:`CheckoutSerializer` is the default e-commerce payload of Tamara's "Create Checkout
Session" page. Tamara's marketplace/telecom/travel-booking payload tables share one stricter
shape, :class:`VerticalCheckoutSerializer`, and differ only in their ``risk_assessment``: each
vertical serializer declares a nested ``RiskAssessment`` class, like Django's ``Meta``, so a new
vertical is one serializer class.

A serializer both validates and normalises: ``validate_payload(payload, serializer_class)``
returns the JSON-ready dict Tamara documents, or raises
:class:`~django_tamara.exceptions.PayloadInvalid` whose ``errors`` are keyed by full path
(``items[0].sku``, ``risk_assessment.travel_data.travel_date``).
"""

from __future__ import annotations

from .payload_objects import PayloadListSerializer, PayloadSerializer
from .payload_parts import (
    BillingAddressSerializer,
    ConsumerSerializer,
    DiscountSerializer,
    ItemSerializer,
    MerchantUrlSerializer,
    RiskAssessmentSerializer,
    ShippingAddressSerializer,
    VerticalRiskAssessmentSerializer,
)
from .payload_rules import PAYMENT_TYPES, CheckoutSerializer, VerticalCheckoutSerializer, iter_money
from .validation import field_names, flatten_errors, validate_payload

__all__ = [
    "PAYMENT_TYPES",
    "flatten_errors",
    "field_names",
    "iter_money",
    "validate_payload",
    "PayloadSerializer",
    "PayloadListSerializer",
    "ItemSerializer",
    "ConsumerSerializer",
    "ShippingAddressSerializer",
    "BillingAddressSerializer",
    "DiscountSerializer",
    "MerchantUrlSerializer",
    "RiskAssessmentSerializer",
    "VerticalRiskAssessmentSerializer",
    "CheckoutSerializer",
    "VerticalCheckoutSerializer",
]
