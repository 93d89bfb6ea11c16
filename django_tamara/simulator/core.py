"""The :class:`Simulator`: one fake Tamara merchant account behind a real HTTP server.

Everything a test can do over HTTP (``/simulator/...``) it can also do here in Python, and
the HTTP control endpoints call these very methods, so in-process tests and out-of-process
tools (the sandbox shop, the benchmarks) drive the same code.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from .clock import SimClock, isoformat
from .errors import SimulatorError
from .events import Event
from .faults import FaultInjector, WebhookFaults
from .journal import Journal
from .jsonutil import jsonable
from .limits import PaymentLimits, serialise_limits
from .notifier import NOTIFICATION_SHAPES, Notifier
from .orders import Order
from .routes import Router
from .server import Request, Response, SimulatorServer
from .state import Store
from .webhooks import WebhookRegistry

__all__ = ["Simulator"]

logger = logging.getLogger("django_tamara.simulator")

DELIVERY_MODES = ("after_response", "before_response")

#: The largest single clock jump (ten years), far beyond every Tamara deadline.
MAX_ADVANCE = timedelta(days=3650)


class Simulator:
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
        # strict_totals: accept only the seeds' total rule, not the other clients' conventions (totals.py).
        self.store = Store(self.clock, self.limits, auto_authorise=auto_authorise, strict_totals=strict_totals)
        self.webhooks = WebhookRegistry()
        self.faults = FaultInjector()
        self.webhook_faults = WebhookFaults()
        # One thread, so merchant-API notifications keep the order their calls had.
        self._deliveries = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tamara-sim-delivery")
        self.notifier = Notifier(
            self._journal, self.webhook_faults, self.webhooks.for_event, self.notification_token, timeout=webhook_timeout
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

    # Server lifecycle ------------------------------------------------------------------------

    def start(self) -> Simulator:
        """Serve in a background thread; returns ``self`` (``.url`` is then known)."""
        if self._server is not None:
            return self
        self._server = SimulatorServer((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="tamara-simulator", daemon=True
        )
        self._thread.start()
        if self.sweep_interval:
            self._sweeper = threading.Thread(target=self._sweep_loop, name="tamara-simulator-sweeper", daemon=True)
            self._sweeper.start()
        logger.debug("Tamara simulator listening on %s", self.url)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        self._stopping.set()
        if server is not None:
            server.shutdown()
            server.server_close()
            server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._sweeper is not None:
            self._sweeper.join(timeout=5)
            self._sweeper = None

    def serve_forever(self) -> None:
        """Start and block until interrupted (Ctrl-C), then stop; for the management command."""
        self.start()
        try:
            while not self._stopping.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL of the merchant API (and of the hosted pages)."""
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def public_url(self) -> str:
        """The base of ``checkout_url`` (differs from :attr:`url` behind a proxy or in Docker)."""
        return self._public_url or self.url

    def _sweep_loop(self) -> None:
        while not self._stopping.wait(self.sweep_interval or 1.0):
            try:
                self.deliver(self.store.sweep())
            except Exception:  # keep sweeping; a bug here must not kill the thread
                logger.exception("simulator sweep failed")

    # Internal helpers used by the HTTP layer ------------------------------------------------

    def deliver_later(self, events: list[Event]) -> None:
        """Deliver on the delivery thread, in order; the caller has already ``track()``-ed."""

        def run() -> None:
            try:
                self.deliver(events)
            finally:
                self.notifier.untrack()

        self._deliveries.submit(run)

    def deliver(self, events: list[Event]) -> None:
        if not events:
            return
        try:
            self.notifier.deliver(events)
        except Exception:  # a simulator bug must not turn into a failed customer action
            logger.exception("simulator notification delivery failed")

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

    def advance_clock(self, seconds: float | timedelta = 0, *, minutes: float = 0, hours: float = 0, days: float = 0) -> datetime:
        """Move the clock forward, then expire / auto-capture what fell due (notifying first)."""
        try:
            delta = seconds if isinstance(seconds, timedelta) else timedelta(seconds=float(seconds))
            delta += timedelta(minutes=minutes, hours=hours, days=days)
            if delta > MAX_ADVANCE:
                raise ValueError(f"at most {MAX_ADVANCE.days} days at a time")
            now = self.clock.advance(delta)
        except (ValueError, TypeError, OverflowError) as exc:
            raise SimulatorError(400, f"Cannot advance the clock: {exc}", "invalid_seconds", {"field": "seconds"}) from None
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

    # Configuration -------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every order, webhook, fault and journal entry; back to the constructor's settings."""
        self.store.reset()
        self.webhooks.reset()
        self.clock.reset()
        self.faults.clear()
        self.webhook_faults.clear()
        self.notifier.discard_held()
        self.notifier.shape = "event_type"
        self.notifier.timeout = self._default_webhook_timeout
        self.limits.reset()
        self.store.auto_authorise = self._default_auto_authorise
        self.store.strict_totals = self._default_strict_totals
        self.merchant_event_delivery = "after_response"
        self.single_checkout_enabled = False
        self._journal.clear()

    def set_auto_authorise(self, enabled: bool) -> None:
        self.store.auto_authorise = bool(enabled)

    def set_notification_shape(self, shape: str) -> None:
        if shape not in NOTIFICATION_SHAPES:
            raise SimulatorError(
                400, f"notification_shape must be one of {', '.join(NOTIFICATION_SHAPES)}", "invalid_config",
                {"field": "notification_shape"},
            )
        self.notifier.shape = shape

    def set_limits(self, limits: dict[str, Any]) -> None:
        self.limits.update(limits)

    def configure(self, **options: Any) -> dict[str, Any]:
        """Change several settings at once (the body of ``POST /simulator/config``)."""
        known = {
            "auto_authorise",
            "notification_shape",
            "limits",
            "merchant_event_delivery",
            "single_checkout_enabled",
            "webhook_timeout",
            "strict_totals",
        }
        unknown = set(options) - known
        if unknown:
            raise SimulatorError(400, f"unknown config keys: {', '.join(sorted(unknown))}", "invalid_config")
        if "notification_shape" in options:
            self.set_notification_shape(options["notification_shape"])
        if "merchant_event_delivery" in options:
            if options["merchant_event_delivery"] not in DELIVERY_MODES:
                raise SimulatorError(
                    400, f"merchant_event_delivery must be one of {', '.join(DELIVERY_MODES)}", "invalid_config"
                )
            self.merchant_event_delivery = options["merchant_event_delivery"]
        if "webhook_timeout" in options:
            value = options["webhook_timeout"]
            if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)) or not 0 < value <= 600:
                raise SimulatorError(400, "webhook_timeout must be a number of seconds, above 0 and at most 600", "invalid_config")
            self.notifier.timeout = float(value)
        if options.get("limits") is not None:
            self.set_limits(options["limits"])
        if "auto_authorise" in options:
            self.set_auto_authorise(options["auto_authorise"])
        if "single_checkout_enabled" in options:
            self.single_checkout_enabled = bool(options["single_checkout_enabled"])
        if "strict_totals" in options:
            self.store.strict_totals = bool(options["strict_totals"])
        return self.config()

    def config(self) -> dict[str, Any]:
        return {
            "auto_authorise": self.store.auto_authorise,
            "notification_shape": self.notifier.shape,
            "merchant_event_delivery": self.merchant_event_delivery,
            "single_checkout_enabled": self.single_checkout_enabled,
            "webhook_timeout": self.notifier.timeout,
            "strict_totals": self.store.strict_totals,
            "limits": serialise_limits(self.limits.snapshot()),
        }

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
        self._journal.record("customer", action=action, via=via, order_id=order_id, status=200, order_status=result["status"])
        self._deliver_and_settle(events)
        return result

    def _deliver_and_settle(self, events: list[Event]) -> None:
        """Deliver ``events``, then wait for the notifications they set off (deterministic tests).

        The shop usually answers ``order_approved`` by calling authorise, whose own
        ``order_authorised`` notification goes out just after that call is answered; waiting
        for it here means that when ``approve()`` returns, the whole cascade has happened.
        """
        if events:
            self.deliver(events)
            self.notifier.wait_idle(timeout=self.notifier.timeout * 3)

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
