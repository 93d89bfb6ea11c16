"""A typed client of Tamara's merchant API.

One :class:`requests.Session` per client (keep-alive), a timeout on every call, and retries
only where repeating a call cannot charge a customer twice: GETs, and requests that never
reached Tamara. A POST that may have reached Tamara raises :class:`~.exceptions.TamaraTimeout`
instead, and the caller reconciles by fetching the order (the lifecycle service does).

Amounts go in as :class:`~.money.Money` and come back as Money in the result dataclasses; the
raw JSON (with ``Decimal`` numbers, never floats) is on each result's ``raw``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Mapping
from urllib.parse import quote

import requests
from django.core.signals import setting_changed
from django.dispatch import receiver
from urllib3.exceptions import NameResolutionError, NewConnectionError

from . import exceptions as exc
from .conf import tamara_settings
from .money import Money

logger = logging.getLogger("django_tamara.client")

__all__ = [
    "TamaraClient",
    "get_client",
    "CheckoutSession",
    "PaymentOptions",
    "AuthoriseResult",
    "CaptureResult",
    "CancelResult",
    "RefundResult",
    "LegacyRefundResult",
    "Webhook",
    "ShippingInfo",
]


# Results ---------------------------------------------------------------------------------


def _money(value: Any) -> Money | None:
    return Money.from_api(value) if isinstance(value, Mapping) and "amount" in value else None


@dataclass(frozen=True)
class CheckoutSession:
    order_id: str
    checkout_id: str
    checkout_url: str
    status: str
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class PaymentOptions:
    has_available_payment_options: bool
    single_checkout_enabled: bool
    available_payment_labels: list[dict[str, Any]]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class AuthoriseResult:
    order_id: str
    status: str
    payment_type: str = ""
    auto_captured: bool = False
    authorized_amount: Money | None = None
    capture_id: str | None = None
    order_expiry_time: str | None = None
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class CaptureResult:
    order_id: str
    capture_id: str
    status: str = ""
    captured_amount: Money | None = None
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class CancelResult:
    order_id: str
    cancel_id: str
    status: str = ""
    canceled_amount: Money | None = None
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class RefundResult:
    order_id: str
    refund_id: str
    capture_id: str = ""
    status: str = ""
    refunded_amount: Money | None = None
    comment: str = ""
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class LegacyRefundResult:
    order_id: str
    refunds: list[dict[str, str]]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class Webhook:
    webhook_id: str
    url: str = ""
    events: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class ShippingInfo:
    """Required with every capture; ``shipped_at`` and ``shipping_company`` at least."""

    shipped_at: dt.datetime | str
    shipping_company: str
    tracking_number: str = ""
    tracking_url: str = ""

    def to_api(self) -> dict[str, Any]:
        shipped = self.shipped_at.isoformat() if isinstance(self.shipped_at, dt.datetime) else self.shipped_at
        data = {"shipped_at": shipped, "shipping_company": self.shipping_company}
        if self.tracking_number:
            data["tracking_number"] = self.tracking_number
        if self.tracking_url:
            data["tracking_url"] = self.tracking_url
        return data


# Encoding --------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, Money):
        return value.to_api()
    if isinstance(value, ShippingInfo):
        return value.to_api()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} to Tamara")


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, default=_encode, separators=(",", ":")).encode()


def _optional(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


# The client ------------------------------------------------------------------------------

_ERRORS_BY_STATUS: dict[int, type[exc.TamaraAPIError]] = {
    400: exc.BadRequest,
    401: exc.Unauthorised,
    403: exc.Unauthorised,
    404: exc.NotFound,
    409: exc.Conflict,
    422: exc.BadRequest,
    429: exc.RateLimited,
}


def _never_reached_server(error: BaseException) -> bool:
    """True when the request cannot have been processed: no connection was ever made.

    requests wraps urllib3's errors several layers deep (``ConnectionError(MaxRetryError(
    reason=NewConnectionError))``), so walk causes, args and reasons looking for one.
    """
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    pending: list[Any] = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (NewConnectionError, NameResolutionError, ConnectionRefusedError)):
            return True
        pending.extend([current.__cause__, current.__context__, getattr(current, "reason", None), *current.args])
    return False


class TamaraClient:
    """One method per merchant endpoint. Thread-safe enough for one client per thread."""

    def __init__(
        self,
        api_url: str,
        api_token: str,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        max_retries: int = 2,
        retry_backoff: float = 0.3,
        session: requests.Session | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.max_retries = max_retries
        self.retry_backoff = retry_backoff
        if session is None:
            session = requests.Session()
            # With trust_env on, requests re-reads proxy and CA settings from the environment
            # on every call (about a millisecond each on a small machine); read them once.
            session.proxies.update(requests.utils.get_environ_proxies(self.api_url))
            ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            if ca_bundle:
                session.verify = ca_bundle
            session.trust_env = False
        self._session = session
        self._session.headers.update(
            {
                "Authorization": f"Bearer {api_token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": "django-tamara",
            }
        )

    @classmethod
    def from_settings(cls) -> TamaraClient:
        s = tamara_settings
        return cls(
            s.API_URL,
            s.API_TOKEN,
            connect_timeout=s.CONNECT_TIMEOUT,
            read_timeout=s.READ_TIMEOUT,
            max_retries=s.MAX_RETRIES,
            retry_backoff=s.RETRY_BACKOFF,
        )

    def __repr__(self) -> str:
        return f"TamaraClient(api_url={self.api_url!r})"

    def close(self) -> None:
        self._session.close()

    # Transport ---------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        payload: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Send one call; return Tamara's JSON (numbers as Decimal) or raise a typed error."""
        idempotent = method in ("GET", "HEAD")
        body = dumps(payload) if payload is not None else None
        url = self.api_url + path
        attempt = 0
        while True:
            started = time.perf_counter()
            try:
                response = self._session.request(method, url, data=body, params=params, timeout=self.timeout)
            except requests.exceptions.RequestException as error:
                elapsed = (time.perf_counter() - started) * 1000
                reached = not _never_reached_server(error)
                logger.debug("%s %s -> %s after %.1f ms", method, path, type(error).__name__, elapsed)
                if (idempotent or not reached) and attempt < self.max_retries:
                    attempt += 1
                    self._sleep(attempt)
                    continue
                if not reached:
                    raise exc.TamaraConnectionError(
                        f"could not connect to Tamara at {self.api_url}", method=method, path=path
                    ) from None
                raise exc.TamaraTimeout(
                    "no answer from Tamara (timeout or dropped connection); the call may have "
                    "been processed: fetch the order before retrying",
                    method=method,
                    path=path,
                ) from None
            elapsed = (time.perf_counter() - started) * 1000
            logger.debug("%s %s -> %s in %.1f ms", method, path, response.status_code, elapsed)
            retryable = response.status_code == 429 or (idempotent and response.status_code >= 500)
            if retryable and attempt < self.max_retries:
                attempt += 1
                self._sleep(attempt, response.headers.get("Retry-After"))
                continue
            return self._handle(method, path, response)

    def _sleep(self, attempt: int, retry_after: str | None = None) -> None:
        delay = self.retry_backoff * (2 ** (attempt - 1))
        if retry_after:
            try:
                delay = max(delay, min(float(retry_after), 30.0))
            except ValueError:
                pass
        time.sleep(delay)

    @staticmethod
    def _decode(response: requests.Response) -> Any:
        if not response.content:
            return {}
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError:
            return None

    def _handle(self, method: str, path: str, response: requests.Response) -> Any:
        data = self._decode(response)
        status = response.status_code
        if status < 400:
            if data is None:
                raise exc.ServerError("Tamara answered with a body that is not JSON", status=status, method=method, path=path)
            return data
        message, errors = "", []
        if isinstance(data, Mapping):
            message = str(data.get("message") or "")
            errors = [e for e in data.get("errors") or [] if isinstance(e, Mapping)]
        if not message:
            message = response.reason or "error"
        error_class = _ERRORS_BY_STATUS.get(status) or (exc.ServerError if status >= 500 else exc.BadRequest)
        kwargs: dict[str, Any] = {"status": status, "errors": [dict(e) for e in errors], "method": method, "path": path}
        if error_class is exc.RateLimited:
            retry_after = response.headers.get("Retry-After")
            try:
                kwargs["retry_after"] = float(retry_after) if retry_after else None
            except ValueError:
                kwargs["retry_after"] = None
        raise error_class(message, **kwargs)

    # Checkout ----------------------------------------------------------------------------

    def create_checkout_session(self, payload: Mapping[str, Any]) -> CheckoutSession:
        """``POST /checkout``: the payload a builder made; answers the hosted checkout URL."""
        data = self.request("POST", "/checkout", payload=payload)
        return CheckoutSession(
            order_id=str(data["order_id"]),
            checkout_id=str(data.get("checkout_id") or ""),
            checkout_url=str(data.get("checkout_url") or ""),
            status=str(data.get("status") or "new"),
            raw=data,
        )

    def payment_types(
        self,
        country: str,
        currency: str | None = None,
        *,
        order_value: Money | Decimal | str | None = None,
        phone: str | None = None,
    ) -> list[dict[str, Any]]:
        """``GET /checkout/payment-types``: payment types with their min and max limits.

        ``order_value`` and ``phone`` narrow the answer to the types available for that
        amount and that customer (the filters of Tamara's "Payment Types" page). A
        :class:`Money` order value also gives the currency, and must agree with ``currency``.
        """
        if isinstance(order_value, Money):
            if currency is not None and currency != order_value.currency:
                raise ValueError(f"order_value is in {order_value.currency} but currency is {currency}")
            currency, order_value = order_value.currency, order_value.amount
        value = None if order_value is None else str(Decimal(str(order_value)))
        params = _optional(country=country, currency=currency, order_value=value, phone=phone)
        data = self.request("GET", "/checkout/payment-types", params=params)
        return list(data or [])

    def credit_pre_check(
        self, country_code: str, total_amount: Money, *, phone_number: str | None = None, **extra: Any
    ) -> list[dict[str, Any]]:
        """``POST /checkout/credit-pre-check``: the payment types Tamara would offer this customer
        for ``total_amount`` (an empty list: none). ``extra`` is sent as given (e.g. ``consumer``)."""
        payload = _optional(country_code=country_code, total_amount=total_amount, phone_number=phone_number, **extra)
        data = self.request("POST", "/checkout/credit-pre-check", payload=payload)
        if isinstance(data, Mapping):  # some answers wrap the list
            data = data.get("available_payment_types") or data.get("payment_types") or []
        return list(data or [])

    def payment_options_pre_check(
        self, country: str, order_value: Money, *, phone_number: str | None = None, is_vip: bool | None = None
    ) -> PaymentOptions:
        payload = _optional(country=country, order_value=order_value, phone_number=phone_number, is_vip=is_vip)
        data = self.request("POST", "/checkout/payment-options-pre-check", payload=payload)
        return PaymentOptions(
            has_available_payment_options=bool(data.get("has_available_payment_options")),
            single_checkout_enabled=bool(data.get("single_checkout_enabled")),
            available_payment_labels=list(data.get("available_payment_labels") or []),
            raw=data,
        )

    # Orders ------------------------------------------------------------------------------

    def get_order(self, order_id: str) -> dict[str, Any]:
        """``GET /orders/{order_id}``: the order as Tamara has it now (amounts as Decimal)."""
        return self.request("GET", f"/orders/{_segment(order_id)}")

    def get_order_by_reference_id(self, order_reference_id: str) -> dict[str, Any]:
        return self.request("GET", f"/merchants/orders/reference-id/{_segment(order_reference_id)}")

    def authorise_order(self, order_id: str) -> AuthoriseResult:
        """``POST /orders/{id}/authorise``. 409 (:class:`Conflict`) means it is not approved now."""
        data = self.request("POST", f"/orders/{_segment(order_id)}/authorise", payload={"order_id": str(order_id)})
        return AuthoriseResult(
            order_id=str(data.get("order_id") or order_id),
            status=str(data.get("status") or ""),
            payment_type=str(data.get("payment_type") or ""),
            auto_captured=bool(data.get("auto_captured")),
            authorized_amount=_money(data.get("authorized_amount")),
            capture_id=str(data["capture_id"]) if data.get("capture_id") else None,
            order_expiry_time=data.get("order_expiry_time"),
            raw=data,
        )

    def cancel_order(
        self,
        order_id: str,
        total_amount: Money,
        *,
        items: Iterable[Mapping[str, Any]] | None = None,
        shipping_amount: Money | None = None,
        tax_amount: Money | None = None,
        discount_amount: Money | None = None,
    ) -> CancelResult:
        """Cancel the whole remaining amount or part of it; allowed before capture only."""
        payload = _optional(
            total_amount=total_amount,
            shipping_amount=shipping_amount or Money.zero(total_amount.currency),
            tax_amount=tax_amount or Money.zero(total_amount.currency),
            discount_amount=discount_amount or Money.zero(total_amount.currency),
            items=list(items) if items is not None else [],
        )
        data = self.request("POST", f"/orders/{_segment(order_id)}/cancel", payload=payload)
        return CancelResult(
            order_id=str(data.get("order_id") or order_id),
            cancel_id=str(data.get("cancel_id") or ""),
            status=str(data.get("status") or ""),
            canceled_amount=_money(data.get("canceled_amount")),
            raw=data,
        )

    def update_reference_id(self, order_id: str, order_reference_id: str) -> str:
        data = self.request(
            "PUT", f"/orders/{_segment(order_id)}/reference-id", payload={"order_reference_id": order_reference_id}
        )
        return str(data.get("message") or "")

    # Payments ----------------------------------------------------------------------------

    def capture_order(
        self,
        order_id: str,
        total_amount: Money,
        shipping_info: ShippingInfo | Mapping[str, Any],
        *,
        items: Iterable[Mapping[str, Any]] | None = None,
        shipping_amount: Money | None = None,
        tax_amount: Money | None = None,
        discount_amount: Money | None = None,
    ) -> CaptureResult:
        """``POST /payments/capture``. May time out after Tamara processed it: then sync."""
        zero = Money.zero(total_amount.currency)
        payload = {
            "order_id": str(order_id),
            "total_amount": total_amount,
            "shipping_info": shipping_info,
            "items": list(items) if items is not None else [],
            "shipping_amount": shipping_amount or zero,
            "tax_amount": tax_amount or zero,
            "discount_amount": discount_amount or zero,
        }
        data = self.request("POST", "/payments/capture", payload=payload)
        return CaptureResult(
            order_id=str(data.get("order_id") or order_id),
            capture_id=str(data.get("capture_id") or ""),
            status=str(data.get("status") or ""),
            captured_amount=_money(data.get("captured_amount")),
            raw=data,
        )

    def simplified_refund(
        self, order_id: str, total_amount: Money, comment: str, *, merchant_refund_id: str | None = None
    ) -> RefundResult:
        """``POST /payments/simplified-refund/{order_id}``: refund without naming a capture."""
        payload = _optional(total_amount=total_amount, comment=comment, merchant_refund_id=merchant_refund_id)
        data = self.request("POST", f"/payments/simplified-refund/{_segment(order_id)}", payload=payload)
        return RefundResult(
            order_id=str(data.get("order_id") or order_id),
            refund_id=str(data.get("refund_id") or ""),
            capture_id=str(data.get("capture_id") or ""),
            status=str(data.get("status") or ""),
            refunded_amount=_money(data.get("refunded_amount")),
            comment=str(data.get("comment") or comment),
            raw=data,
        )

    def refund(self, order_id: str, refunds: Iterable[Mapping[str, Any]]) -> LegacyRefundResult:
        """The legacy ``POST /payments/refund`` against named captures (the official plugins' way).

        Each refund is ``{"capture_id": ..., "total_amount": Money, ...}``.
        """
        payload = {"order_id": str(order_id), "refunds": [dict(r) for r in refunds]}
        data = self.request("POST", "/payments/refund", payload=payload)
        return LegacyRefundResult(
            order_id=str(data.get("order_id") or order_id),
            refunds=[{k: str(v) for k, v in r.items()} for r in data.get("refunds") or []],
            raw=data,
        )

    # Webhooks ----------------------------------------------------------------------------

    def register_webhook(
        self, url: str, events: Iterable[str], *, headers: Mapping[str, str] | None = None
    ) -> str:
        """``POST /webhooks``; :class:`Conflict` with ``webhook_already_registered`` if it exists."""
        data = self.request("POST", "/webhooks", payload={"type": "order", "url": url, "events": list(events), "headers": dict(headers or {})})
        return str(data["webhook_id"])

    def list_webhooks(self) -> list[Webhook]:
        """``GET /webhooks/list``: the webhooks registered for this merchant (Tamara's
        "Retrieve List of registered Webhook URLs" page)."""
        data = self.request("GET", "/webhooks/list")
        if isinstance(data, Mapping):  # a list, or one wrapped under "webhooks" / "data"
            data = data.get("webhooks") or data.get("data") or []
        return [self._webhook(row, "") for row in data or [] if isinstance(row, Mapping)]

    def get_webhook(self, webhook_id: str) -> Webhook:
        return self._webhook(self.request("GET", f"/webhooks/{_segment(webhook_id)}"), webhook_id)

    def update_webhook(
        self, webhook_id: str, url: str, events: Iterable[str], *, headers: Mapping[str, str] | None = None
    ) -> Webhook:
        payload = {"webhook_id": webhook_id, "url": url, "events": list(events), "headers": dict(headers or {})}
        return self._webhook(self.request("PUT", f"/webhooks/{_segment(webhook_id)}", payload=payload), webhook_id)

    def delete_webhook(self, webhook_id: str) -> None:
        self.request("DELETE", f"/webhooks/{_segment(webhook_id)}")

    @staticmethod
    def _webhook(data: Mapping[str, Any], webhook_id: str) -> Webhook:
        return Webhook(
            webhook_id=str(data.get("webhook_id") or webhook_id),
            url=str(data.get("url") or ""),
            events=list(data.get("events") or []),
            headers=dict(data.get("headers") or {}),
            raw=dict(data),
        )


def _segment(value: Any) -> str:
    """An id as one URL path segment: nothing in it can reach another path."""
    return quote(str(value), safe="")


# A client per thread, rebuilt when settings.TAMARA changes --------------------------------

_local = threading.local()
_generation = 0


def get_client() -> TamaraClient:
    """The calling thread's client, built from settings on first use (sessions are reused)."""
    cached = getattr(_local, "cached", None)
    if cached is None or cached[0] != _generation:
        cached = _local.cached = (_generation, TamaraClient.from_settings())
    return cached[1]


@receiver(setting_changed)
def _drop_cached_clients(*, setting: str, **kwargs: Any) -> None:
    global _generation
    if setting == "TAMARA":
        _generation += 1
