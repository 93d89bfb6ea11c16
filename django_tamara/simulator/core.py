"""The :class:`Simulator`: one fake Tamara merchant account behind a real HTTP server.

Everything a test can do over HTTP (``/simulator/...``) it can also do here in Python, and
the HTTP control endpoints call these very methods, so in-process tests and out-of-process
tools (the sandbox shop, the benchmarks) drive the same code. Running the server
(``serving.py``), delivering notifications (``delivery.py``) and the run-time settings
(``configuration.py``) are parts of this class written apart.
"""

from __future__ import annotations

import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from .clock import SimClock, isoformat
from .configuration import Configuration
from .errors import SimulatorError
from .faults import FaultInjector, WebhookFaults
from .http_messages import Request, Response
from .journal import Journal
from .jsonutil import jsonable
from .limits import PaymentLimits
from .notifier import Notifier
from .orders import Order
from .routes import Router
from .server import SimulatorServer
from .serving import Serving
from .state import Store
from .webhooks import WebhookRegistry

__all__ = ["Simulator"]

#: The largest single clock jump (ten years), far beyond every Tamara deadline.
MAX_ADVANCE = timedelta(days=3650)


class Simulator(Serving, Configuration):
    """A stateful Tamara: merchant API, hosted checkout, notifications, clock and faults.

    ``with Simulator(api_token="t", notification_token="n").start() as sim: ...`` serves on
    a free port of 127.0.0.1; ``sim.url`` is the base URL to configure as ``API_URL``.
    """

    def __init__(
        self,
        api_token: str = "",
        notification_token: str = "",
        host: str = "127.0.0.1",
        port: int = 0,
        auto_authorise: bool = False,
        *,
        public_url: str | None = None,
        journal_size: int = 200_000,
        webhook_timeout: float = 10.0,
        sweep_interval: float | None = None,
        strict_totals: bool = False,
    ) -> None:
        # Without tokens the simulator makes random ones (read them from the attributes):
        # an empty bearer token must never authenticate, and an empty HMAC key cannot sign.
        self.api_token = api_token or "sim-api-" + secrets.token_hex(16)
        self.notification_token = notification_token or "sim-notification-" + secrets.token_hex(16)
        self.host = host
        self.port = port
        self._public_url = public_url.rstrip("/") if public_url else None
        self._default_auto_authorise = auto_authorise
        self._default_strict_totals = strict_totals
        self._default_webhook_timeout = webhook_timeout
        self.sweep_interval = sweep_interval
        self.clock = SimClock()
        self.limits = PaymentLimits()
        self._journal = Journal(self.clock.now, maxlen=journal_size)
        # strict_totals: accept only the documented total rule, not the other clients' conventions (totals.py).
        self.store = Store(self.clock, self.limits, auto_authorise=auto_authorise, strict_totals=strict_totals)
        self.webhooks = WebhookRegistry()
        self.faults = FaultInjector()
        self.webhook_faults = WebhookFaults()
        # One thread, so merchant-API notifications keep the order their calls had.
        self._deliveries = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tamara-sim-delivery")
        self.notifier = Notifier(
            self._journal,
            self.webhook_faults,
            self.webhooks.for_event,
            self.notification_token,
            timeout=webhook_timeout,
        )
        self.router = Router()
        self.merchant_event_delivery = "after_response"
        self.single_checkout_enabled = False
        self._server: SimulatorServer | None = None
        self._thread: threading.Thread | None = None
        self._sweeper: threading.Thread | None = None
        self._stopping = threading.Event()

    def __repr__(self) -> str:  # never show the tokens
        return f"<Simulator {self.url if self._server else 'not started'}>"

    # Internal helpers used by the HTTP layer ------------------------------------------------

    def record_api(
        self, request: Request, response: Response, started: float, *, fault: str | None, dropped: bool | None
    ) -> None:
        """Journal one merchant-API call (the body, never the headers: they hold the token)."""
        order_id = response.order_id or request.params.get("order_id")
        body = None
        if request.method != "GET" and request.raw_body:
            try:
                body = request.json()
            except SimulatorError:
                body = "<invalid json>"
        self._journal.record(
            "api",
            method=request.method,
            path=request.path,
            query=request.query or None,
            status=response.status,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            order_id=order_id,
            error_code=response.error_code,
            request=body,
            fault=fault,
            dropped=dropped,
        )

    def order_for_checkout(self, checkout_id: str) -> Order:
        order, events = self.store.snapshot(self.store.order_for_checkout(checkout_id))
        self.deliver(events)
        return order

    # Clock ---------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def advance_clock(
        self, seconds: float | timedelta = 0, *, minutes: float = 0, hours: float = 0, days: float = 0
    ) -> datetime:
        """Move the clock forward, then expire / auto-capture what fell due (notifying first)."""
        try:
            delta = seconds if isinstance(seconds, timedelta) else timedelta(seconds=float(seconds))
            delta += timedelta(minutes=minutes, hours=hours, days=days)
            if delta > MAX_ADVANCE:
                raise ValueError(f"at most {MAX_ADVANCE.days} days at a time")
            now = self.clock.advance(delta)
        except (ValueError, TypeError, OverflowError) as exc:
            raise SimulatorError(
                400, f"Cannot advance the clock: {exc}", "invalid_seconds", {"field": "seconds"}
            ) from None
        self._journal.record("clock", advanced_seconds=delta.total_seconds())
        self._deliver_and_settle(self.store.sweep())
        return now

    def clock_status(self) -> dict[str, Any]:
        return {"now": isoformat(self.clock.now()), "offset_seconds": self.clock.offset.total_seconds()}

    # Journal -------------------------------------------------------------------------------

    def journal(self, since: int | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        """Entries newer than ``since`` (a ``seq``), optionally of one ``kind`` (api, webhook, customer, clock).

        Plain JSON values only (request amounts are numbers again), so they can be dumped as is.
        """
        return [jsonable(entry) for entry in self._journal.entries(since=since, kind=kind)]

    def journal_last_seq(self) -> int:
        return self._journal.last_seq

    # Faults ------------------------------------------------------------------------------

    def inject_fault(
        self,
        path: str = "",
        action: str = "error_500",
        *,
        method: str | None = None,
        count: int = 1,
        delay: float | None = None,
        retry_after: int | None = None,
    ) -> dict[str, Any]:
        """Arm a fault for the next ``count`` merchant-API calls whose path matches ``path``.

        ``path`` is a prefix (``"/payments/capture"``) or, starting with ``^``, a regex.
        """
        return self.faults.add(action, path, method=method, count=count, delay=delay, retry_after=retry_after).to_api()

    def inject_webhook_fault(self, mode: str, count: int = 1) -> None:
        """Arm ``duplicate``, ``out_of_order`` or ``bad_signature`` for the next ``count`` notifications."""
        self.webhook_faults.add(mode, count)

    def clear_faults(self) -> None:
        """Disarm every API and webhook fault (held out-of-order notifications stay held)."""
        self.faults.clear()
        self.webhook_faults.clear()

    def flush_notifications(self) -> int:
        """Deliver the notifications held back by ``out_of_order``; returns how many."""
        return self.notifier.flush()

    def wait_for_notifications(self, timeout: float = 10.0) -> bool:
        """Wait until the notifications of merchant-API calls (sent after the answer) went out."""
        return self.notifier.wait_idle(timeout)

    # Orders and customer actions ----------------------------------------------------------

    def get_order(self, order_id: str) -> dict[str, Any]:
        """The order as ``GET /orders/{order_id}`` answers it; :class:`SimulatorError` 404 if unknown."""
        answer, events = self.store.get(order_id)
        self.deliver(events)
        return answer

    def get_order_by_reference(self, order_reference_id: str) -> dict[str, Any]:
        answer, events = self.store.get_by_reference(order_reference_id)
        self.deliver(events)
        return answer

    def orders(self) -> list[dict[str, Any]]:
        return [order.summary() for order in self.store.orders()]

    def _customer(self, action: str, order_id: str, via: str) -> dict[str, Any]:
        operation = {
            "approve": self.store.approve,
            "decline": self.store.decline,
            "cancel": self.store.customer_cancel,
            "expire": self.store.expire,
        }[action]
        try:
            result, events = operation(order_id)
        except SimulatorError as exc:
            self._journal.record(
                "customer", action=action, via=via, order_id=order_id, status=exc.status, error_code=exc.error_code
            )
            raise
        self._journal.record(
            "customer", action=action, via=via, order_id=order_id, status=200, order_status=result["status"]
        )
        self._deliver_and_settle(events)
        return result

    def approve(self, order_id: str, *, via: str = "python") -> dict[str, Any]:
        """The customer approves the checkout (declined instead for the sandbox decline phone)."""
        return self._customer("approve", order_id, via)

    def decline(self, order_id: str, *, via: str = "python") -> dict[str, Any]:
        return self._customer("decline", order_id, via)

    def cancel(self, order_id: str, *, via: str = "python") -> dict[str, Any]:
        """The customer leaves the hosted page; the order stays ``new`` until it expires."""
        return self._customer("cancel", order_id, via)

    def expire(self, order_id: str, *, via: str = "python") -> dict[str, Any]:
        """Expire a ``new`` or ``approved`` order now."""
        return self._customer("expire", order_id, via)
