"""Checkout builders: a shop's order in, Tamara's validated checkout payload out.

Subclass the builder of your vertical and implement its ``get_*`` hooks; see docs/builders.md.
``settings.TAMARA["BUILDER_CLASS"]`` names the default one (``CheckoutBuilder``).
"""

from .availability import Availability, is_available, payment_limits
from .base import CheckoutBuilder, HookNeeded
from .marketplace import MarketplaceCheckoutBuilder, MarketplaceCheckoutSerializer
from .payload_parts import VerticalRiskAssessmentSerializer
from .payload_rules import CheckoutSerializer, VerticalCheckoutSerializer
from .telecom import TelecomCheckoutBuilder, TelecomCheckoutSerializer
from .travel import TravelCheckoutBuilder, TravelCheckoutSerializer
from .validation import flatten_errors, validate_payload

__all__ = [
    "Availability",
    "is_available",
    "payment_limits",
    "CheckoutBuilder",
    "HookNeeded",
    "CheckoutSerializer",
    "VerticalCheckoutSerializer",
    "VerticalRiskAssessmentSerializer",
    "MarketplaceCheckoutBuilder",
    "MarketplaceCheckoutSerializer",
    "TelecomCheckoutBuilder",
    "TelecomCheckoutSerializer",
    "TravelCheckoutBuilder",
    "TravelCheckoutSerializer",
    "flatten_errors",
    "validate_payload",
]
