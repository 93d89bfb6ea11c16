"""Fixtures of the payments_shop tests.

django-payments reads ``PAYMENT_HOST`` once, when ``payments.core`` is imported, so the host
its return URLs (and the provider's notification URL) are built with is patched there: the
live server's in the browser tests, a closed port elsewhere, so that no test's notifications
reach a server some other process runs on the settings' 127.0.0.1:8000.
"""

from __future__ import annotations

import socket
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from payments.core import PROVIDER_CACHE
from payments.signals import status_changed

from django_tamara.models import TamaraOrder

from .models import Payment
from .views import billing


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def payment_host(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """``payment_host("127.0.0.1:8123")`` sets django-payments' PAYMENT_HOST for the test."""

    def set_host(host: str) -> None:
        monkeypatch.setattr("payments.core.PAYMENT_HOST", host)

    set_host(f"127.0.0.1:{_closed_port()}")
    return set_host


@pytest.fixture
def live_payment_host(live_server: Any, payment_host: Callable[[str], None]) -> str:
    """PAYMENT_HOST is the live server's: Tamara returns the customer and notifies there."""
    payment_host(urlsplit(live_server.url).netloc)
    return str(live_server.url)


@pytest.fixture
def variant(settings: Any) -> Iterator[Callable[..., None]]:
    """``variant(capture=True)`` reconfigures the ``tamara`` variant for the test."""

    def configure(**options: Any) -> None:
        settings.PAYMENT_VARIANTS = {"tamara": ("django_tamara.contrib.payments.TamaraProvider", options)}
        PROVIDER_CACHE.clear()

    PROVIDER_CACHE.clear()
    yield configure
    PROVIDER_CACHE.clear()


@pytest.fixture
def make_payment(payment_host: Any) -> Callable[..., Any]:
    """A saved Payment of the ``tamara`` variant (SAR 250.00 unless told)."""

    def make(currency: str = "SAR", total: str = "250.00", model: type = Payment, **fields: Any) -> Any:
        values: dict[str, Any] = {
            "variant": "tamara",
            "currency": currency,
            "total": Decimal(total),
            "tax": Decimal("0"),
            "delivery": Decimal("0"),
            "description": "Test shop order",
            **billing(currency),
        }
        values.update(fields)
        return model.objects.create(**values)

    return make


@pytest.fixture
def open_checkout(make_payment: Callable[..., Any]) -> Callable[..., tuple[Any, TamaraOrder, str]]:
    """Create a payment and its Tamara checkout: ``(payment, order, checkout_url)``."""
    from payments import RedirectNeeded

    def open_(**kwargs: Any) -> tuple[Any, TamaraOrder, str]:
        payment = make_payment(**kwargs)
        with pytest.raises(RedirectNeeded) as redirect:
            payment.get_form()
        order = TamaraOrder.objects.get(order_id=payment.transaction_id)
        return payment, order, str(redirect.value)

    return open_


class StatusChanges:
    """django-payments' ``status_changed`` signals of the test, per payment, in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_payment: dict[Any, list[str]] = defaultdict(list)

    def __call__(self, sender: Any, instance: Any, **kwargs: Any) -> None:
        with self._lock:
            self.by_payment[instance.pk].append(instance.status)

    def of(self, payment: Any) -> list[str]:
        with self._lock:
            return list(self.by_payment.get(payment.pk, []))


@pytest.fixture
def status_changes() -> Iterator[StatusChanges]:
    recorder = StatusChanges()
    status_changed.connect(recorder, weak=False, dispatch_uid="payments_shop.status_changes")
    try:
        yield recorder
    finally:
        status_changed.disconnect(dispatch_uid="payments_shop.status_changes")
