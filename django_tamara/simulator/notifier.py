"""Delivering notifications the way Tamara does: a POST with a signed ``tamaraToken``.

Each event goes to the order's ``merchant_url.notification`` and to every registered webhook
that wants it. The token is a JWT (HS256, key = notification token) with ``iat`` in REAL
wall-clock time, ``exp = iat + 900`` and ``iss = "Tamara"``, sent both as ``?tamaraToken=``
and as ``Authorization: Bearer``, the two places shops read it from (Tamara's "Getting Started
with Webhooks" page).
A webhook's registered ``headers`` go with each of its deliveries (:func:`merge_headers`).

Deliveries are synchronous and happen after the order's lock is released, because a shop
usually calls back into the simulator (authorise) while it handles one. A failed delivery
(connection error, timeout, non-2xx) is journaled, never raised: a broken shop endpoint
must not make the customer's approval fail. There are no retries (Tamara's retry policy is
undocumented); tests that need a redelivery use the ``duplicate`` fault.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import warnings
from typing import Any, Callable, Iterable

import jwt

from . import transport
from .events import Event
from .faults import WebhookFaults
from .journal import Journal
from .jsonutil import add_query, dumps

__all__ = ["Notifier", "make_token", "merge_headers", "NOTIFICATION_SHAPES", "TOKEN_LIFETIME"]

logger = logging.getLogger("django_tamara.simulator")

NOTIFICATION_SHAPES = ("event_type", "order_status")
#: Seconds between ``iat`` and ``exp`` in Tamara's sample token.
TOKEN_LIFETIME = 900


def make_token(key: str, *, iat: int | float | None = None, exp: int | float | None = None, **claims: Any) -> str:
    """A ``tamaraToken``: HS256 JWT with ``iat`` (now), ``exp`` (iat + 900) and ``iss`` ("Tamara")."""
    issued = int(time.time() if iat is None else iat)
    payload: dict[str, Any] = {
        "iat": issued,
        "exp": int(issued + TOKEN_LIFETIME if exp is None else exp),
        "iss": "Tamara",
    }
    payload.update(claims)
    with warnings.catch_warnings():
        # Tamara chooses the key, and its notification tokens may be shorter than 32 bytes.
        warnings.filterwarnings("ignore", message=".*HMAC key.*")
        return jwt.encode(payload, key, algorithm="HS256")


#: Headers a registration cannot replace: the body is always JSON, and the transport owns the rest.
FIXED_HEADERS = frozenset({"content-type", "content-length", "transfer-encoding", "host", "connection"})


def merge_headers(own: dict[str, str], registered: dict[str, str]) -> dict[str, str]:
    """The simulator's own headers with the ones the merchant registered for the webhook.

    Tamara's "Register Webhook URL" page takes a ``headers`` object (its sample registers an
    ``authorization`` header) that is sent with each delivery. A registered header replaces the
    simulator's own of the same name, whatever its case, so a registered ``Authorization``
    replaces the ``Bearer`` token, which still travels as the ``tamaraToken`` query parameter
    (issue #13); :data:`FIXED_HEADERS` are never replaced.
    """
    merged = dict(own)
    for name, value in registered.items():
        if name.lower() in FIXED_HEADERS:
            continue
        for existing in [k for k in merged if k.lower() == name.lower()]:
            del merged[existing]
        merged[name] = value
    return merged


class Notifier:
    """Sends events to their targets, applying the armed webhook faults."""

    def __init__(
        self,
        journal: Journal,
        faults: WebhookFaults,
        webhooks_for: Callable[[str], list[dict[str, Any]]],
        notification_token: str,
        *,
        timeout: float = 10.0,
    ) -> None:
        self.journal = journal
        self.faults = faults
        self.webhooks_for = webhooks_for
        self.timeout = timeout
        self.shape = "event_type"
        self._key = notification_token
        self._held: list[Event] = []
        self._lock = threading.Lock()
        self._idle = threading.Condition()
        self._in_flight = 0

    # Bookkeeping for "wait until every notification went out" -----------------------------

    def track(self) -> None:
        """Count a batch as in flight (call before the HTTP answer that precedes its delivery)."""
        with self._idle:
            self._in_flight += 1

    def untrack(self) -> None:
        with self._idle:
            self._in_flight -= 1
            if self._in_flight <= 0:
                self._in_flight = 0
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no delivery is in flight; False if that did not happen in ``timeout``."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    # Delivery ---------------------------------------------------------------------------

    def deliver(self, events: Iterable[Event]) -> None:
        for event in events:
            self._dispatch(event)

    def _dispatch(self, event: Event) -> None:
        with self._lock:
            released, self._held = self._held, []
            if not released and self.faults.take("out_of_order"):
                self._held.append(event)
                self.journal.record("webhook", event_type=event.event_type, order_id=event.order_id, held=True)
                return
        self._send(event)
        for late in released:
            self._send(late, out_of_order=True)

    def flush(self) -> int:
        """Deliver the notifications held back by ``out_of_order``; returns how many."""
        with self._lock:
            released, self._held = self._held, []
        for late in released:
            self._send(late, out_of_order=True)
        return len(released)

    def discard_held(self) -> None:
        with self._lock:
            self._held = []

    def _targets(self, event: Event) -> list[tuple[str, str, dict[str, str], str | None]]:
        targets: list[tuple[str, str, dict[str, str], str | None]] = []
        if event.notification_url:
            targets.append(("notification", event.notification_url, {}, None))
        for webhook in self.webhooks_for(event.event_type):
            targets.append(("webhook", webhook["url"], webhook["headers"], webhook["webhook_id"]))
        return targets

    def _send(self, event: Event, *, out_of_order: bool = False) -> None:
        bad_signature = self.faults.take("bad_signature")
        times = 2 if self.faults.take("duplicate") else 1
        for attempt in range(times):
            for target, url, extra_headers, webhook_id in self._targets(event):
                # The legacy shape belongs to merchant_url.notification; webhooks always get event_type.
                shape = self.shape if target == "notification" else "event_type"
                self._post(
                    event,
                    target,
                    url,
                    extra_headers,
                    webhook_id,
                    shape,
                    bad_signature=bad_signature,
                    duplicate=attempt > 0,
                    out_of_order=out_of_order,
                )

    def _post(
        self,
        event: Event,
        target: str,
        url: str,
        extra_headers: dict[str, str],
        webhook_id: str | None,
        shape: str,
        **flags: bool,
    ) -> None:
        key = ("wrong-" + secrets.token_hex(16)) if flags.get("bad_signature") else self._key
        token = make_token(key)
        headers = merge_headers(
            {"Content-Type": "application/json", "Authorization": f"Bearer {token}", "User-Agent": "Tamara-Simulator"},
            extra_headers,
        )
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            status = transport.post(add_query(url, tamaraToken=token), dumps(event.body(shape)), headers, self.timeout)
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except transport.DeliveryError as exc:  # names only the kind of failure: the URL holds the token
            error = str(exc)
        duration = round((time.perf_counter() - started) * 1000, 3)
        self.journal.record(
            "webhook",
            target=target,
            url=url,
            webhook_id=webhook_id,
            event_type=event.event_type,
            order_id=event.order_id,
            shape=shape,
            status=status,
            error=error,
            delivered=error is None,
            duration_ms=duration,
            **{k: True for k, v in flags.items() if v},
        )
        logger.debug("notification %s for %s to %s: %s", event.event_type, event.order_id, target, error or status)
