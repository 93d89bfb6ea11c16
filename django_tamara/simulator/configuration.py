"""The settings a test may change at run time, and the way back to the constructor's.

Tests share one simulator per session (the pytest fixtures reset it between tests), so every
setting that ``configure()`` can change must also be undone by ``reset()``; keeping the two
side by side is what makes a forgotten one visible.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .errors import SimulatorError
from .limits import PaymentLimits, serialise_limits
from .notifier import NOTIFICATION_SHAPES, Notifier

if TYPE_CHECKING:
    from .clock import SimClock
    from .faults import FaultInjector, WebhookFaults
    from .journal import Journal
    from .state import Store
    from .webhooks import WebhookRegistry

__all__ = ["Configuration", "DELIVERY_MODES"]

DELIVERY_MODES = ("after_response", "before_response")

_KNOWN = frozenset(
    {
        "auto_authorise",
        "notification_shape",
        "limits",
        "merchant_event_delivery",
        "single_checkout_enabled",
        "webhook_timeout",
        "strict_totals",
    }
)


class Configuration:
    """Read, change and reset the simulator's settings (a part of :class:`~.core.Simulator`)."""

    clock: SimClock
    limits: PaymentLimits
    store: Store
    webhooks: WebhookRegistry
    faults: FaultInjector
    webhook_faults: WebhookFaults
    notifier: Notifier
    merchant_event_delivery: str
    single_checkout_enabled: bool
    _journal: Journal
    _default_auto_authorise: bool
    _default_strict_totals: bool
    _default_webhook_timeout: float

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
                400,
                f"notification_shape must be one of {', '.join(NOTIFICATION_SHAPES)}",
                "invalid_config",
                {"field": "notification_shape"},
            )
        self.notifier.shape = shape

    def set_limits(self, limits: dict[str, Any]) -> None:
        self.limits.update(limits)

    def configure(self, **options: Any) -> dict[str, Any]:
        """Change several settings at once (the body of ``POST /simulator/config``)."""
        unknown = set(options) - _KNOWN
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
                raise SimulatorError(
                    400, "webhook_timeout must be a number of seconds, above 0 and at most 600", "invalid_config"
                )
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
