"""The django-payments provider (issue #16): ``pip install "django-tamara[payments]"``.

Add ``"django_tamara.contrib.payments"`` to ``INSTALLED_APPS`` and a variant::

    PAYMENT_VARIANTS = {"tamara": ("django_tamara.contrib.payments.TamaraProvider", {})}

See docs/payments.md for the options, the URLs and how the statuses map.

Django imports this package while it loads the apps, before any model can be imported, so
``TamaraProvider`` and ``PaymentBuilder`` are imported on first use (PEP 562), which is when
django-payments' ``provider_factory`` looks the variant's dotted path up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .builders import PaymentBuilder
    from .provider import TamaraProvider

__all__ = ["PaymentBuilder", "TamaraProvider"]


def __getattr__(name: str) -> Any:
    if name == "TamaraProvider":
        from .provider import TamaraProvider

        return TamaraProvider
    if name == "PaymentBuilder":
        from .builders import PaymentBuilder

        return PaymentBuilder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
