"""A typed client of Tamara's merchant API, and the one place the app gets it from.

- :mod:`.transport`: one HTTP call, urllib3's retries, Tamara's errors as exceptions;
- :mod:`.endpoints`: :class:`TamaraClient`, one method per endpoint;
- :mod:`.results`: the typed answers.

Every caller in the app uses :func:`get_client`, which builds ``TAMARA["CLIENT_CLASS"]``
(default :class:`TamaraClient`) once per thread and again when ``settings.TAMARA`` changes.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

from ..conf import tamara_settings
from .endpoints import TamaraClient
from .results import (
    AuthoriseResult,
    CancelResult,
    CaptureResult,
    CheckoutSession,
    LegacyRefundResult,
    PaymentOptions,
    RefundResult,
    ShippingInfo,
    Webhook,
)

__all__ = [
    "AuthoriseResult",
    "CancelResult",
    "CaptureResult",
    "CheckoutSession",
    "LegacyRefundResult",
    "PaymentOptions",
    "RefundResult",
    "ShippingInfo",
    "TamaraClient",
    "Webhook",
    "get_client",
]

_local = threading.local()
_generation = 0


def get_client() -> TamaraClient:
    """The calling thread's client, built from settings on first use (sessions are reused)."""
    cached = getattr(_local, "cached", None)
    if cached is None or cached[0] != _generation:
        cached = _local.cached = (_generation, tamara_settings.CLIENT_CLASS.from_settings())
    client: TamaraClient = cached[1]
    return client


@receiver(setting_changed)
def _drop_cached_clients(*, setting: str, **kwargs: Any) -> None:
    global _generation
    if setting == "TAMARA":
        _generation += 1
