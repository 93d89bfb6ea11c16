"""When the notifications an operation caused go out, relative to the answer it gets.

A shop usually answers one notification with a call that causes the next (``order_approved``
→ authorise → ``order_authorised``). Deliveries therefore never run under an order's lock,
merchant-API ones keep the order of their calls on one thread, and customer actions and clock
advances wait for the whole cascade, so a test sees a settled state when they return.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from .events import Event
from .notifier import Notifier

__all__ = ["Delivery"]

logger = logging.getLogger("django_tamara.simulator")


class Delivery:
    """Hand events to the notifier (a part of :class:`~.core.Simulator`)."""

    notifier: Notifier
    _deliveries: ThreadPoolExecutor

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

    def _deliver_and_settle(self, events: list[Event]) -> None:
        """Deliver ``events``, then wait for the notifications they set off (deterministic tests).

        The shop usually answers ``order_approved`` by calling authorise, whose own
        ``order_authorised`` notification goes out just after that call is answered; waiting
        for it here means that when ``approve()`` returns, the whole cascade has happened.
        """
        if events:
            self.deliver(events)
            self.notifier.wait_idle(timeout=self.notifier.timeout * 3)
